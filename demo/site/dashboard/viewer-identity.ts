/**
 * This browser's viewer secret, read from the IndexedDB database the player's contribution
 * reporter writes (same origin), and the public id the server shows for it.
 */
const DATABASE = 'spk-p2p-contributions';

export async function readViewerSecret(): Promise<string | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  const db = await new Promise<IDBDatabase | undefined>((resolve) => {
    const request = indexedDB.open(DATABASE);
    // Opening must not create the database: the reporter owns its schema.
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(undefined);
  });
  if (!db) return undefined;
  try {
    if (!db.objectStoreNames.contains('meta')) return undefined;
    return await new Promise<string | undefined>((resolve) => {
      const request = db.transaction('meta').objectStore('meta').get('viewer');
      request.onsuccess = () => resolve(typeof request.result === 'string' ? request.result : undefined);
      request.onerror = () => resolve(undefined);
    });
  } finally {
    db.close();
  }
}

/** Same derivation as the server: first 24 hex characters of sha256("spk-p2p:viewer:" + secret). */
export async function publicViewerId(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`spk-p2p:viewer:${secret}`));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('').slice(0, 24);
}
