/**
 * Write batching: every frame the hub sends in one event-loop turn to the same peer leaves in one
 * buffer and one socket write. Per frame, `ws.send` costs two option objects, a header buffer and
 * two stream writes (each queued, then gathered by `writev`); under load that was a third of the
 * server's CPU. Here a frame costs one array slot until the end of the turn.
 *
 * How: `send` queues the text on its target; a `setImmediate` callback — which runs after every
 * I/O callback of the current loop iteration — encodes each target's frames (unmasked text frames,
 * RFC 6455 §5.2, as a server sends them) into one buffer and writes it to the TCP socket under ws.
 * Frames are wire text (UTF-8 bytes, one per character; see ids.ts), so a frame's length is its
 * byte length and copying it is a latin1 write: no UTF-8 encoder pass over every frame.
 * Frames for a socket that stopped being open by then are dropped: after a close frame nothing
 * may follow. Whoever closes a socket flushes its target first (`flushTarget`), so frames sent
 * before the close still precede it.
 *
 * This relies on one private field of ws 8: `WebSocket#_socket`, the underlying `net.Socket`, and
 * on ws writing its own frames (close, ping, pong) straight to it, which it does when
 * permessage-deflate is off (the server turns it off). It is read here and nowhere else; if a ws
 * release drops or renames it, frames go out through `ws.send` one by one (correct, only slower)
 * — `isBatching()` lets a test notice that.
 */
import type { WebSocket } from 'ws';

interface Writable {
  write(chunk: Buffer): boolean;
}

/** The part of a connection the batcher needs; `queued` is owned by the batcher. */
export interface BatchTarget {
  readonly socket: WebSocket;
  /** Frames (wire text) sent this turn and not yet written. */
  queued: string[] | undefined;
}

const OPEN = 1;
/** FIN + text opcode. */
const TEXT_FRAME = 0x81;

function rawSocket(ws: WebSocket): Writable | undefined {
  const socket = (ws as unknown as { _socket?: unknown })._socket;
  if (typeof socket === 'object' && socket !== null && typeof (socket as Writable).write === 'function') return socket as Writable;
  return undefined;
}

/**
 * Bytes not yet handed to the peer: the socket's unsent bytes plus what is queued this turn
 * (a wire-text frame has one character per byte). Backpressure checks
 * use this so a burst within one turn counts as much as one spread over turns.
 */
export function unsent(target: BatchTarget): number {
  const queued = target.queued;
  let bytes = target.socket.bufferedAmount;
  if (queued !== undefined) for (let i = 0; i < queued.length; i++) bytes += (queued[i] as string).length;
  return bytes;
}

function writeFrames(ws: WebSocket, frames: string[]): void {
  if (ws.readyState !== OPEN) return;
  const socket = rawSocket(ws);
  if (socket === undefined) {
    for (let i = 0; i < frames.length; i++) sendThroughWs(ws, frames[i] as string);
    return;
  }
  let total = 0;
  for (let i = 0; i < frames.length; i++) {
    const length = (frames[i] as string).length;
    total += length + (length < 126 ? 2 : length < 65536 ? 4 : 10);
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i] as string;
    const length = frame.length;
    out[at] = TEXT_FRAME;
    if (length < 126) {
      out[at + 1] = length;
      at += 2;
    } else if (length < 65536) {
      out[at + 1] = 126;
      out.writeUInt16BE(length, at + 2);
      at += 4;
    } else {
      out[at + 1] = 127;
      out.writeUInt32BE(0, at + 2);
      out.writeUInt32BE(length, at + 6);
      at += 10;
    }
    at += out.write(frame, at, length, 'latin1');
  }
  socket.write(out);
}

/** One frame the slow way, as the text frame its wire text's bytes make. */
function sendThroughWs(ws: WebSocket, frame: string): void {
  ws.send(Buffer.from(frame, 'latin1'), { binary: false });
}

export class WriteBatch {
  private targets: BatchTarget[] = [];
  private scheduled = false;
  private batching = true;

  private readonly flush = (): void => {
    this.scheduled = false;
    const targets = this.targets;
    this.targets = [];
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as BatchTarget;
      const frames = target.queued;
      if (frames === undefined) continue;
      target.queued = undefined;
      writeFrames(target.socket, frames);
    }
  };

  /** Sends a text frame given as wire text; frames to the same target in this turn are written together. */
  send(target: BatchTarget, text: string): void {
    const ws = target.socket;
    if (ws.readyState !== OPEN) return;
    const queued = target.queued;
    if (queued !== undefined) {
      queued.push(text);
      return;
    }
    if (rawSocket(ws) === undefined) {
      this.batching = false;
      sendThroughWs(ws, text);
      return;
    }
    target.queued = [text];
    this.targets.push(target);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes the target's queued frames now: before closing its socket, so they precede the close frame. */
  flushTarget(target: BatchTarget): void {
    const frames = target.queued;
    if (frames === undefined) return;
    target.queued = undefined;
    writeFrames(target.socket, frames);
  }

  /** False once a socket was found that could not be written directly (ws internals changed). */
  isBatching(): boolean {
    return this.batching;
  }
}
