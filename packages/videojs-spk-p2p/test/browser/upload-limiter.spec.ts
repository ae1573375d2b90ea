import { assert } from '@esm-bundle/chai';
import { UploadLimiter } from '../../src/upload-limiter.js';

describe('videojs-spk-p2p: upload limiter', () => {
  it('grants a segment only when not in debt and keeps long-run uploads at the rate', () => {
    let now = 0;
    const changes: boolean[] = [];
    const limiter = new UploadLimiter(100_000, (blocked) => changes.push(blocked), () => now);
    let granted = 0;
    // Peers ask for a 250 kB segment every 100 ms for 60 s.
    for (now = 0; now < 60_000; now += 100) {
      if (limiter.tryTake(250_000)) granted += 250_000;
    }
    limiter.dispose();
    assert.isAtMost(granted, 100_000 * 60 + 250_000, `granted ${granted}`);
    assert.isAtLeast(granted, 100_000 * 60 * 0.9, `granted ${granted}`);
    assert.strictEqual(changes[0], true);
  });

  it('holds a request that fits once the debt is paid soon (on the page timers), and refuses one that would wait too long', async () => {
    const limiter = new UploadLimiter(1_000_000);
    try {
      assert.strictEqual(await limiter.take(500_000, 600), true, 'not in debt: granted at once');
      const started = performance.now();
      assert.strictEqual(await limiter.take(200_000, 600), true, 'held until the 0.5 s debt is paid');
      const heldMs = performance.now() - started;
      assert.isTrue(heldMs >= 400 && heldMs < 1500, `held ${heldMs.toFixed(0)} ms`);
      assert.strictEqual(await limiter.take(300_000, 100), false, 'the 0.2 s debt left is more than 100 ms');
    } finally {
      limiter.dispose();
    }
  });

  it('is unlimited at 0', () => {
    const limiter = new UploadLimiter(0);
    for (let i = 0; i < 100; i++) assert.isTrue(limiter.tryTake(1e9));
  });
});
