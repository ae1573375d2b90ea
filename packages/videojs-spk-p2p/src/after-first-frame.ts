import type { PlayerLike } from './videojs-types.js';

/**
 * How long the first segment may be on its way from the CDN before the engine starts anyway: a
 * CDN edge that slow makes start-up slow whatever we do, and joining the swarm meanwhile lets the
 * next segments come from peers.
 */
export const SLOW_FIRST_SEGMENT_MS = 800;

const HAVE_CURRENT_DATA = 2;

/**
 * Runs `start` once, when the player has its first frame (`loadeddata`, then a later task), or
 * earlier if the first segment is still downloading after SLOW_FIRST_SEGMENT_MS. The P2P engine
 * waits for this: loading its chunk, announcing to the tracker and setting up WebRTC while the
 * first segment downloads, transmuxes and appends made every viewer start later, late joiners
 * most (they have the most peers to connect to). Returns a cancel function.
 */
export function afterFirstFrame(player: PlayerLike, firstSegmentPending: () => boolean, start: () => void): () => void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    cancel();
    start();
  };
  let frameTimer: ReturnType<typeof setTimeout> | undefined;
  // A timer, not requestAnimationFrame: background tabs get no frames but must still join.
  const onData = () => {
    frameTimer = setTimeout(run, 0);
  };
  const slowTimer = setTimeout(() => {
    if (firstSegmentPending()) run();
  }, SLOW_FIRST_SEGMENT_MS);
  const cancel = () => {
    player.off('loadeddata', onData);
    clearTimeout(slowTimer);
    if (frameTimer !== undefined && !done) clearTimeout(frameTimer);
  };
  // Called late (the persistent cache's lookup came first, on a busy machine), the first frame
  // may be there already: `loadeddata` will not fire again, and the slow-segment timer sees no
  // pending segment, so waiting for either would leave the engine unstarted for good.
  if (player.readyState() >= HAVE_CURRENT_DATA) onData();
  else player.one('loadeddata', onData);
  return () => {
    done = true;
    cancel();
  };
}
