/**
 * Write batching: every frame the hub sends in one event-loop turn to the same peer leaves in one
 * `writev` syscall instead of one syscall per frame (on loopback that syscall was a third of the
 * server's CPU under load).
 *
 * How: the first send to a connection in a turn corks its TCP socket; a `setImmediate` callback —
 * which runs after every I/O callback of the current loop iteration — uncorks all sockets held in
 * that turn. ws corks/uncorks around each frame itself; Node counts corks, so ours holds across them.
 *
 * This relies on one private field of ws 8: `WebSocket#_socket`, the underlying `net.Socket`. It is
 * read here and nowhere else; if a ws release drops or renames it, `corkable` returns undefined and
 * sends go out unbatched (correct, only slower) — `isBatching()` lets a test notice that.
 */
import type { WebSocket } from 'ws';

interface Corkable {
  cork(): void;
  uncork(): void;
}

/** The part of a connection the batcher needs; `held` is owned by the batcher. */
export interface BatchTarget {
  readonly socket: WebSocket;
  held: boolean;
}

function corkable(ws: WebSocket): Corkable | undefined {
  const socket = (ws as unknown as { _socket?: unknown })._socket;
  if (typeof socket === 'object' && socket !== null && typeof (socket as Corkable).cork === 'function' && typeof (socket as Corkable).uncork === 'function') {
    return socket as Corkable;
  }
  return undefined;
}

export class WriteBatch {
  private held: Corkable[] = [];
  private heldTargets: BatchTarget[] = [];
  private scheduled = false;
  private batching = true;

  private readonly flush = (): void => {
    this.scheduled = false;
    const sockets = this.held;
    const targets = this.heldTargets;
    this.held = [];
    this.heldTargets = [];
    for (let i = 0; i < sockets.length; i++) {
      (targets[i] as BatchTarget).held = false;
      (sockets[i] as Corkable).uncork();
    }
  };

  /** Sends a text frame; frames to the same target in this turn are written together. */
  send(target: BatchTarget, text: string): void {
    const ws = target.socket;
    if (!target.held && ws.readyState === 1) {
      const socket = corkable(ws);
      if (socket) {
        socket.cork();
        target.held = true;
        this.held.push(socket);
        this.heldTargets.push(target);
        if (!this.scheduled) {
          this.scheduled = true;
          setImmediate(this.flush);
        }
      } else {
        this.batching = false;
      }
    }
    ws.send(text);
  }

  /** False once a socket was found that could not be corked (ws internals changed). */
  isBatching(): boolean {
    return this.batching;
  }
}
