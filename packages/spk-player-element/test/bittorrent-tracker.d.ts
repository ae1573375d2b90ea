// bittorrent-tracker ships no types; the P2P test uses only its WebSocket server.
declare module 'bittorrent-tracker' {
  export class Server {
    constructor(options: { udp?: boolean; http?: boolean; ws?: boolean; stats?: boolean });
    ws: { address(): { port: number } };
    listen(port: number, host: string, onListening?: () => void): void;
    close(onClose?: () => void): void;
    once(event: 'error', listener: (error: Error) => void): void;
  }
}
