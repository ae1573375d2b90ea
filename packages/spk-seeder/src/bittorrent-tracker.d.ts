// bittorrent-tracker ships no types; only what the peer cap touches is declared.
declare module 'bittorrent-tracker' {
  export interface PeerConnection {
    destroy(): void;
    once(event: 'close', listener: () => void): void;
  }
  export default class Client {
    emit(event: string, ...args: unknown[]): boolean;
  }
}
