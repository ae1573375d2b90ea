/**
 * `--max-peers`: the core has no peer limit of its own, and its tracker clients (one per stream)
 * take every connection the signal server brings. Each new WebRTC peer reaches the core as a
 * `peer` event of bittorrent-tracker's client; over the cap that event is not passed on and the
 * connection is closed, so the browser looks elsewhere (other peers, the CDN). Pending
 * connections count too: each one costs an ICE agent until it connects or times out.
 */
import TrackerClient, { type PeerConnection } from 'bittorrent-tracker';

const live = new Set<PeerConnection>();
let limit = Number.POSITIVE_INFINITY;
let refused: () => void = () => {};
let installed = false;

export function capPeers(maxPeers: number, onRefused: () => void): void {
  limit = maxPeers;
  refused = onRefused;
  if (installed) return;
  installed = true;
  const emit = TrackerClient.prototype.emit;
  TrackerClient.prototype.emit = function (this: TrackerClient, event: string, ...args: unknown[]): boolean {
    const peer = args[0] as PeerConnection | undefined;
    if (event !== 'peer' || !peer || live.has(peer)) return emit.call(this, event, ...args);
    if (live.size >= limit) {
      refused();
      // After the tracker client's own next step (it signals the offer right after this event).
      queueMicrotask(() => peer.destroy());
      return false;
    }
    live.add(peer);
    peer.once('close', () => live.delete(peer));
    return emit.call(this, event, ...args);
  };
}

export function peerConnections(): number {
  return live.size;
}
