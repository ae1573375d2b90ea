// bittorrent-tracker ships no types; the tests use only its WebSocket server.
declare module 'bittorrent-tracker' {
  import type { AddressInfo } from 'node:net';
  export class Server {
    constructor(options: { udp?: boolean; http?: boolean; ws?: boolean; stats?: boolean });
    ws: {
      address(): AddressInfo | string;
      on(event: 'connection', listener: (socket: { on(event: 'close', listener: () => void): void }) => void): void;
    };
    listen(port: number, host: string, onListening?: () => void): void;
    close(onClose?: () => void): void;
    once(event: 'error', listener: (error: Error) => void): void;
  }
}
