// bittorrent-tracker ships no types; these tests use only its client (the one inside p2p-media-loader-core).
declare module 'bittorrent-tracker' {
  import type { EventEmitter } from 'node:events';
  export interface TrackerPeer extends EventEmitter {
    id: string;
    connected: boolean;
    send(data: string | Uint8Array): void;
    destroy(): void;
  }
  export default class Client extends EventEmitter {
    constructor(options: {
      infoHash: string | Uint8Array;
      peerId: string | Uint8Array;
      announce: string[];
      port: number;
      wrtc?: unknown;
      rtcConfig?: { iceServers: unknown[] };
      getAnnounceOpts?: () => Record<string, unknown>;
    });
    start(): void;
    stop(): void;
    update(): void;
    scrape(): void;
    destroy(callback?: (error: Error | null) => void): void;
    on(event: 'peer', listener: (peer: TrackerPeer) => void): this;
    on(event: 'update' | 'scrape', listener: (data: { announce: string; infoHash: string; complete: number; incomplete: number }) => void): this;
    on(event: 'warning' | 'error', listener: (error: Error) => void): this;
  }
}
