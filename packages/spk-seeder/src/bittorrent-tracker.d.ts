// bittorrent-tracker ships no types; only what the peer cap touches is declared.
declare module 'bittorrent-tracker' {
  export interface PeerConnection {
    /** The remote peer id (hex), set before the `peer` event. */
    id?: string;
    destroy(): void;
    once(event: 'close', listener: () => void): void;
  }
  export default class Client {
    emit(event: string, ...args: unknown[]): boolean;
  }
}
