import { assert } from '@esm-bundle/chai';
import { afterFirstFrame } from '../../src/after-first-frame.js';
import type { PlayerLike } from '../../src/videojs-types.js';
import { loadVideojs } from './load-videojs.js';

type VideojsFactory = (element: Element, options: Record<string, unknown>) => PlayerLike & { src(source: { src: string; type: string }): void; dispose(): void };

describe('videojs-spk-p2p: the engine start after the first frame', () => {
  it('starts at once when it is set up after the player already has its first frame', async () => {
    const videojs = await loadVideojs<VideojsFactory>();
    const { cid } = (await (await fetch('/demo/media/sample.json')).json()) as { cid: string };
    const element = document.createElement('video-js');
    document.body.append(element);
    const player = videojs(element, { muted: true, preload: 'auto' });
    try {
      player.src({ src: `/demo/media/ipfs/${cid}/manifest.m3u8`, type: 'application/x-mpegURL' });
      await new Promise<void>((resolve) => player.one('loadeddata', () => resolve()));
      // As when the persistent cache's lookup answered only after the first frame: no
      // `loadeddata` is to come, and no first segment is pending.
      const started = await new Promise<boolean>((resolve) => {
        const timeout = setTimeout(() => resolve(false), 3000);
        afterFirstFrame(player, () => false, () => {
          clearTimeout(timeout);
          resolve(true);
        });
      });
      assert.isTrue(started, 'the engine start ran');
    } finally {
      player.dispose();
    }
  });
});
