/**
 * A switch that makes a viewer's page go silent as a peer mid-transfer, as when its machine drops
 * off the network: once armed and after `thresholdBytes` of segment data, its WebRTC data
 * channels send nothing more, but stay open (no goodbye reaches the other side). Used by the
 * swarm benchmark's fallback measurement and by the plugin's resilience tests.
 */
import type { Page } from 'playwright-core';

/** Add with `page.addInitScript` before the page loads. */
export const SILENT_PEER_SCRIPT = `(() => {
  const send = RTCDataChannel.prototype.send;
  const state = { armed: false, silent: false, threshold: 0, sent: 0, silentAt: null };
  window.__spkSilentPeer = state;
  RTCDataChannel.prototype.send = function (data) {
    if (state.silent) return;
    send.call(this, data);
    const size = typeof data === 'string' ? data.length : (data.byteLength ?? data.size ?? 0);
    // Segment data travels in large messages; announcements and requests are small.
    if (state.armed && size >= 4096) {
      state.sent += size;
      if (state.sent >= state.threshold) {
        state.silent = true;
        state.silentAt = performance.timeOrigin + performance.now();
        if (typeof window.spkPeerSilent === 'function') window.spkPeerSilent(state.silentAt, state.sent);
      }
    }
  };
})();`;

interface SilentPeerState {
  armed: boolean;
  threshold: number;
  sent: number;
  /** Epoch ms at which the page went silent, null before. */
  silentAt: number | null;
}

/** Arms the switch: the page goes silent once it has sent `thresholdBytes` more of segment data. */
export async function armSilence(page: Page, thresholdBytes: number): Promise<void> {
  await page.evaluate((threshold) => {
    const state = (window as unknown as { __spkSilentPeer: SilentPeerState }).__spkSilentPeer;
    state.threshold = threshold;
    state.armed = true;
  }, thresholdBytes);
}

/** When the page went silent (epoch ms) and how many bytes it had sent since arming; undefined before. */
export async function silenceOf(page: Page): Promise<{ at: number; sent: number } | undefined> {
  return page.evaluate(() => {
    const state = (window as unknown as { __spkSilentPeer: SilentPeerState }).__spkSilentPeer;
    return state.silentAt === null ? undefined : { at: state.silentAt, sent: state.sent };
  });
}
