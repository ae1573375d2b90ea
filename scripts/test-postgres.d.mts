export interface TestPostgres {
  /** Superuser URL of the cluster's `postgres` database (trust auth on loopback). */
  url: string;
  dataDir: string;
  /** Fast shutdown, then the cluster directory is removed. Safe to call more than once. */
  stop(): Promise<void>;
}
export function findPostgresBin(): string | undefined;
export function startTestPostgres(options?: { startTimeoutMs?: number; log?: (line: string) => void }): Promise<TestPostgres>;
