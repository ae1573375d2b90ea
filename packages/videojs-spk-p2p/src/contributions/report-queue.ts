/**
 * Reports not yet acknowledged by the server, kept in IndexedDB so that a closed tab loses
 * nothing: the next visit (any page of the same origin running the reporter) sends them again.
 * Without IndexedDB (some private modes) the queue lives in memory for this page only.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export interface QueuedReport {
  reportId: string;
  endpoint: string;
  /** The JSON body exactly as it will be sent, so a retry is byte-identical. */
  body: string;
  createdAt: number;
  attempts: number;
}

interface QueueSchema extends DBSchema {
  pending: { key: string; value: QueuedReport; indexes: { createdAt: number } };
  meta: { key: string; value: string };
}

export const DEFAULT_DATABASE_NAME = 'spk-p2p-contributions';

export interface ReportQueue {
  put(report: QueuedReport): Promise<void>;
  delete(reportId: string): Promise<void>;
  /** Oldest first. */
  all(): Promise<QueuedReport[]>;
  /** The long-lived viewer secret of this browser, created on first use. */
  viewerSecret(create: () => string): Promise<string>;
  close(): void;
}

export async function openReportQueue(name = DEFAULT_DATABASE_NAME): Promise<ReportQueue> {
  let db: IDBPDatabase<QueueSchema>;
  try {
    if (typeof indexedDB === 'undefined') throw new Error('no IndexedDB');
    db = await openDB<QueueSchema>(name, 1, {
      upgrade(database) {
        const pending = database.createObjectStore('pending', { keyPath: 'reportId' });
        pending.createIndex('createdAt', 'createdAt');
        database.createObjectStore('meta');
      },
    });
  } catch {
    return memoryQueue();
  }
  return {
    put: async (report) => {
      await db.put('pending', report);
    },
    delete: async (reportId) => {
      await db.delete('pending', reportId);
    },
    all: () => db.getAllFromIndex('pending', 'createdAt'),
    viewerSecret: async (create) => {
      const tx = db.transaction('meta', 'readwrite');
      const existing = await tx.store.get('viewer');
      if (existing !== undefined) {
        await tx.done;
        return existing;
      }
      const secret = create();
      await tx.store.put(secret, 'viewer');
      await tx.done;
      return secret;
    },
    close: () => db.close(),
  };
}

function memoryQueue(): ReportQueue {
  const pending = new Map<string, QueuedReport>();
  let viewer: string | undefined;
  return {
    put: async (report) => {
      pending.set(report.reportId, report);
    },
    delete: async (reportId) => {
      pending.delete(reportId);
    },
    all: async () => [...pending.values()].sort((a, b) => a.createdAt - b.createdAt),
    viewerSecret: async (create) => (viewer ??= create()),
    close: () => {},
  };
}
