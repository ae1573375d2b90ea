/**
 * `--max-peers`: the core has no peer limit of its own, and its tracker clients (one per stream)
 * take every connection the signal server brings. Each new WebRTC peer reaches the core as a
 * `peer` event of bittorrent-tracker's client; over the cap that event is not passed on and the
 * connection is closed, so the browser looks elsewhere (other peers, the CDN). Pending
 * connections count too: each one costs an ICE agent until it connects or times out.
 */
import TrackerClient, { type PeerConnection } from 'bittorrent-tracker';

const live = new Set<PeerConnection>();
/** Per tracker client (one swarm), the one connection being made or kept with each remote peer id. */
const byRemote = new WeakMap<object, Map<string, PeerConnection>>();
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
    const remotes = byRemote.get(this) ?? new Map<string, PeerConnection>();
    byRemote.set(this, remotes);
    const remoteId = peer.id;
    if (remoteId !== undefined && remotes.has(remoteId)) {
      /*
       * A browser sends several offers per announce and keeps the first connection that opens;
       * the core here would answer them all and keep the first that opens on this side, which
       * is not always the same one: each side then closed the one the other kept, and the viewer
       * lost the seeder a second after meeting it. One connection per remote peer per swarm.
       */
      queueMicrotask(() => peer.destroy());
      return false;
    }
    if (live.size >= limit) {
      refused();
      // After the tracker client's own next step (it signals the offer right after this event).
      queueMicrotask(() => peer.destroy());
      return false;
    }
    live.add(peer);
    if (remoteId !== undefined) remotes.set(remoteId, peer);
    peer.once('close', () => {
      live.delete(peer);
      if (remoteId !== undefined && remotes.get(remoteId) === peer) remotes.delete(remoteId);
    });
    return emit.call(this, event, ...args);
  };
}

export function peerConnections(): number {
  return live.size;
}
