import { assert } from '@esm-bundle/chai';
import { openReportQueue, type QueuedReport } from '../../src/contributions/report-queue.js';

function report(reportId: string, createdAt: number): QueuedReport {
  return { reportId, endpoint: 'http://127.0.0.1:9/api/p2p/reports', body: JSON.stringify({ reportId }), createdAt, attempts: 0 };
}

describe('videojs-spk-p2p: contributions report queue', () => {
  const name = `spk-test-queue-${crypto.randomUUID()}`;

  after(async () => {
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(name);
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
  });

  it('keeps reports in IndexedDB oldest first across a close and reopen, and deletes acknowledged ones', async () => {
    const first = await openReportQueue(name);
    await first.put(report('b', 2));
    await first.put(report('a', 1));
    await first.put(report('c', 3));
    await first.delete('c');
    first.close();
    const databases = await indexedDB.databases();
    assert.isTrue(databases.some((database) => database.name === name), 'a real IndexedDB database holds the queue');
    const second = await openReportQueue(name);
    try {
      const all = await second.all();
      assert.deepEqual(all.map((queued) => queued.reportId), ['a', 'b']);
      assert.strictEqual(all[0]!.body, JSON.stringify({ reportId: 'a' }), 'the body is kept byte for byte');
    } finally {
      second.close();
    }
  });

  it('creates the viewer secret once and returns the same one on every later open', async () => {
    const first = await openReportQueue(name);
    const secret = await first.viewerSecret(() => 'secret-1');
    first.close();
    const second = await openReportQueue(name);
    try {
      assert.strictEqual(secret, 'secret-1');
      assert.strictEqual(await second.viewerSecret(() => 'secret-2'), 'secret-1');
    } finally {
      second.close();
    }
  });
});
