// bittorrent-tracker ships no types; only what the benchmark calls is declared.
declare module 'bittorrent-tracker' {
  import type { EventEmitter } from 'node:events';
  export class Server extends EventEmitter {
    constructor(options: { udp: boolean; http: boolean; ws: boolean; stats: boolean; trustProxy?: boolean });
    listen(port: number, hostname: string, onListening: () => void): void;
    close(callback?: () => void): void;
  }
}
