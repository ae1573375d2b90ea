/**
 * Reads the plugin's IndexedDB segment cache from a page, as the tests and bench:longtail check
 * what a viewer kept. The database layout is the plugin's (persistent-cache/); reading it from
 * the page, not through the plugin, shows what a later visit will really find.
 */
import type { Page } from 'playwright-core';
import { SAMPLE_CID } from '../media/sample.js';

export interface CacheEntry {
  segment: string;
  bytes: number;
  lastUsed: number;
}

/** What the page's IndexedDB segment cache (the plugin's persistent cache) holds for one video: segment names and sizes. */
export async function cachedEntries(page: Page, cid = SAMPLE_CID): Promise<CacheEntry[]> {
  return page.evaluate(
    (videoCid) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('spk-p2p-segments');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('entries')) {
            db.close();
            resolve([]);
            return;
          }
          const request = db.transaction('entries').objectStore('entries').getAll();
          request.onsuccess = () => {
            db.close();
            const rows = request.result as Array<{ videoCid: string; segment: string; bytes: number; lastUsed: number }>;
            resolve(rows.filter((row) => row.videoCid === videoCid).map(({ segment, bytes, lastUsed }) => ({ segment, bytes, lastUsed })));
          };
          request.onerror = () => reject(request.error);
        };
      }),
    cid,
  );
}
