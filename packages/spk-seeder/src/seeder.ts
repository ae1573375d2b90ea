/**
 * The seeder process: a disk cache, one SeededVideo and one VideoSwarm per CID, an upload cap
 * shared by all of them, and the metrics. A video whose gateways cannot be reached is retried
 * in the background while everything already cached is served.
 */
import { join } from 'node:path';
import { createSessionSecret, UploadLimiter } from 'videojs-spk-p2p/node';
import type { SeederConfig } from './config.js';
import { DiskCache, DiskFullError } from './disk-cache.js';
import { errorMessage, type Logger } from './log.js';
import { serveMetrics, type MetricsServer, type MetricsSnapshot } from './metrics.js';
import { DiskBlockFetcher } from './verified-blocks.js';
import { SeededVideo, type VideoCounters } from './video.js';
import { capPeers } from './peer-cap.js';
import { VideoSwarm } from './video-swarm.js';
import { BusyRooms, type RoomChanges } from './busy-rooms.js';
import { Rewards } from './rewards.js';

const RETRY_MS = 30_000;

interface Seeded {
  video: SeededVideo;
  swarm?: VideoSwarm;
}

export class Seeder {
  readonly counters: VideoCounters & { uploadedBytes: number; uploadsRefused: number; peersRefused: number } = {
    peersRefused: 0,
    gatewayRequests: 0,
    gatewayBytes: 0,
    verificationFailures: 0,
    uploadedBytes: 0,
    uploadsRefused: 0,
  };
  private readonly videos = new Map<string, Seeded>();
  private readonly peers = new Map<string, number>();
  private readonly limiter: UploadLimiter;
  /** Videos to seed now: `--cid`s and the busy rooms; a retry of one no longer wanted is dropped. */
  private readonly wanted = new Set<string>();
  private rooms: BusyRooms | undefined;
  private rewards: Rewards | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private metricsServer: MetricsServer | undefined;
  private stopped = false;

  private constructor(
    private readonly config: SeederConfig,
    private readonly cache: DiskCache,
    private readonly blocks: DiskBlockFetcher,
    private readonly log: Logger,
  ) {
    // A refused peer forgets we hold the segment: tell everyone again once the cap allows.
    this.limiter = new UploadLimiter(config.maxUploadBytesPerSecond, (blocked) => {
      if (!blocked) for (const { swarm } of this.videos.values()) swarm?.announceAll();
    });
  }

  static async start(config: SeederConfig, log: Logger): Promise<Seeder> {
    let seeder: Seeder | undefined;
    const cache = await DiskCache.open({
      dir: config.cacheDir,
      maxBytes: config.cacheMaxBytes,
      maxMemoryBytes: config.maxMemoryBytes,
      log,
      onRemoved: (cid, segment) => seeder?.videos.get(cid)?.swarm?.segmentChanged(segment),
    });
    const blocks = new DiskBlockFetcher(join(config.cacheDir, 'blocks'), config.gateways, (message) => log.warn('gateway problem', { problem: message }));
    seeder = new Seeder(config, cache, blocks, log);
    capPeers(config.maxPeers, () => {
      seeder.counters.peersRefused += 1;
      log.debug('peer refused', { maxPeers: config.maxPeers });
    });
    if (config.metricsPort !== undefined) {
      const server = await serveMetrics(config.metricsHost, config.metricsPort, () => seeder.snapshot());
      seeder.metricsServer = server;
      log.info('metrics listening', { url: `http://${config.metricsHost}:${server.port}/metrics` });
    }
    if (config.contributions) {
      seeder.rewards = await Rewards.open(config.cacheDir, config.signalUrl, log);
      if (config.hiveAccount !== undefined) void seeder.rewards.requestHiveLink(config.hiveAccount);
    }
    for (const cid of config.cids) seeder.want(cid);
    if (config.rooms) {
      const own = (cid: string) => (seeder.videos.get(cid)?.swarm?.connected ? 1 : 0);
      seeder.rooms = new BusyRooms(config.rooms, new Set(config.cids), own, (changes) => seeder.roomsChanged(changes), log);
      seeder.rooms.start();
    }
    return seeder;
  }

  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  snapshot(): MetricsSnapshot {
    return {
      uploadedBytes: this.counters.uploadedBytes,
      peers: [...this.peers.values()].reduce((sum, count) => sum + count, 0),
      segmentsCached: this.cache.count,
      cacheBytes: this.cache.usedBytes,
      cacheMaxBytes: this.config.cacheMaxBytes,
      memoryBytes: this.cache.memoryBytesUsed,
      verificationFailures: this.counters.verificationFailures + this.blocks.damaged,
      gatewayRequests: this.counters.gatewayRequests + this.blocks.blocksFetched,
      gatewayBytes: this.counters.gatewayBytes + this.blocks.bytesFetched,
      uploadsRefused: this.counters.uploadsRefused,
      peersRefused: this.counters.peersRefused,
      videos: [...this.videos.values()].filter((seeded) => seeded.swarm !== undefined).length,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.rooms?.stop();
    for (const { swarm } of this.videos.values()) swarm?.destroy();
    this.limiter.dispose();
    await this.rewards?.stop();
    await this.cache.flush();
    await this.metricsServer?.close();
    this.log.info('stopped', this.snapshot() as unknown as Record<string, unknown>);
  }

  private later(ms: number, action: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) action();
    }, ms);
    this.timers.add(timer);
  }

  private want(cid: string): void {
    if (this.wanted.has(cid)) return;
    this.wanted.add(cid);
    void this.seed(cid);
  }

  private roomsChanged({ join, leave }: RoomChanges): void {
    for (const { cid, viewers } of join) {
      this.log.info('room busy: seeding it', { cid, viewers });
      this.want(cid);
    }
    for (const cid of leave) {
      this.log.info('room no longer busy: left', { cid, cached: 'kept on disk until the cache cap evicts it' });
      this.unseed(cid);
    }
  }

  /** Leaves a video's swarms (a `stopped` announce) and reports its uploads; its cached segments stay. */
  private unseed(cid: string): void {
    this.wanted.delete(cid);
    const seeded = this.videos.get(cid);
    this.videos.delete(cid);
    seeded?.swarm?.destroy();
    void this.rewards?.leave(cid);
  }

  private async seed(cid: string): Promise<void> {
    if (!this.wanted.has(cid) || this.videos.has(cid)) return;
    const video = new SeededVideo(cid, this.config.gateways, this.cache, join(this.config.cacheDir, 'playlists'), this.blocks, this.counters, this.log);
    const seeded: Seeded = { video };
    this.videos.set(cid, seeded);
    try {
      await video.load();
    } catch (error) {
      if (this.videos.get(cid) !== seeded) return;
      this.videos.delete(cid);
      this.log.error('cannot read the video playlists: retrying', { cid, error: errorMessage(error), retryInMs: RETRY_MS });
      // seed() drops the retry when the video is no longer wanted by then.
      this.later(RETRY_MS, () => void this.seed(cid));
      return;
    }
    // Stopped, or left (no longer a busy room) while its playlists were read.
    if (this.stopped || this.videos.get(cid) !== seeded) return;
    // A session per video: the signal server binds a session to one room, and so do reports.
    const session = createSessionSecret();
    seeded.swarm = new VideoSwarm(
      video,
      this.cache,
      this.config.signalUrl,
      session,
      this.limiter,
      {
        onUpload: (bytes, peerId) => {
          this.counters.uploadedBytes += bytes;
          this.rewards?.upload(cid, peerId, bytes);
        },
        onPeerConnect: (peerId) => this.peers.set(peerId, (this.peers.get(peerId) ?? 0) + 1),
        onPeerClose: (peerId) => {
          const count = (this.peers.get(peerId) ?? 1) - 1;
          if (count <= 0) this.peers.delete(peerId);
          else this.peers.set(peerId, count);
        },
        onCorrupt: (corruptCid, segment) => {
          this.counters.verificationFailures += 1;
          this.log.warn('cached segment failed its CID check: deleted, fetching it again', { cid: corruptCid, segment });
          void this.prefetch(seeded);
        },
        onUploadRefused: () => {
          this.counters.uploadsRefused += 1;
        },
      },
      this.log,
    );
    seeded.swarm.joinAll();
    this.rewards?.join(cid, session);
    this.log.info('joined swarms', { cid, held: video.segments.length - video.missing().length, segments: video.segments.length });
    await this.prefetch(seeded);
  }

  private readonly prefetching = new Set<string>();
  /** Videos that lost a segment while being prefetched: one more pass follows. */
  private readonly prefetchAgain = new Set<string>();

  /** Fetches what is missing, one segment at a time; stops for a full cache or disk, retries gateway failures later. */
  private async prefetch(seeded: Seeded): Promise<void> {
    const { video, swarm } = seeded;
    if (!swarm) return;
    if (this.prefetching.has(video.cid)) {
      this.prefetchAgain.add(video.cid);
      return;
    }
    this.prefetching.add(video.cid);
    const runStart = this.cache.tick();
    let failures = 0;
    try {
      for (const segment of video.missing()) {
        if (this.stopped || this.videos.get(video.cid) !== seeded) return;
        let data: ArrayBuffer;
        try {
          data = await video.fetchSegment(segment);
        } catch (error) {
          failures += 1;
          this.log.warn('segment not fetched', { cid: video.cid, segment: segment.path, error: errorMessage(error) });
          continue;
        }
        let stored: boolean;
        try {
          stored = await this.cache.put(video.cid, segment.path, data, runStart);
        } catch (error) {
          const full = error instanceof DiskFullError;
          this.log.error(full ? 'disk full: not caching more, serving what is cached' : 'cannot write to the cache', { cid: video.cid, dir: this.config.cacheDir, error: errorMessage(error) });
          return;
        }
        if (!stored) {
          this.log.warn('cache cap reached: the rest of this video is not cached', { cid: video.cid, cacheMaxBytes: this.config.cacheMaxBytes, missing: video.missing().length });
          return;
        }
        this.log.debug('segment cached', { cid: video.cid, segment: segment.path, bytes: data.byteLength });
        swarm.segmentChanged(segment.path);
      }
      await this.cache.flush();
      this.log.info('video cached', { cid: video.cid, held: video.segments.length - video.missing().length, segments: video.segments.length, failures });
    } finally {
      this.prefetching.delete(video.cid);
      // The video may have been left meanwhile, or left and joined again (a new Seeded).
      const now = this.videos.get(video.cid);
      if (this.prefetchAgain.delete(video.cid) && now) queueMicrotask(() => void this.prefetch(now));
      else if (failures > 0 && now === seeded) this.later(RETRY_MS, () => void this.prefetch(seeded));
    }
  }
}
