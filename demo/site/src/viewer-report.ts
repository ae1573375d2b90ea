/** What a viewer page records about its own playback; read by the benchmark and the swarm page. */
import type { SpkP2pStats } from 'videojs-spk-p2p';

export interface SegmentRecord {
  /** Epoch milliseconds when the plugin handed the segment to the player. */
  at: number;
  /** `cache`: the browser's persistent cache (a returning viewer). */
  source: 'p2p' | 'cdn' | 'cache';
  bytes: number;
  url: string;
  durationMs: number;
  peerId?: string;
}

export interface StatsSample {
  at: number;
  p2pBytes: number;
  cdnBytes: number;
  uploadedBytes: number;
  peers: number;
}

export interface ViewerReport {
  label: string;
  p2p: boolean;
  /** Epoch milliseconds when the source was given to the player. */
  startedAt: number;
  /** Milliseconds from `startedAt` to the first video frame; `null` until then. */
  ttffMs: number | null;
  /** Durations (ms) of rebuffering after the first frame; an ongoing one counts up to now. */
  stalls: number[];
  ended: boolean;
  currentTime: number;
  errors: string[];
  /** Heights of the renditions VHS appended, in order of first use. */
  renditions: number[];
  segments: SegmentRecord[];
  peerConnects: { at: number; peerId: string }[];
  timeline: StatsSample[];
  stats: SpkP2pStats;
}
