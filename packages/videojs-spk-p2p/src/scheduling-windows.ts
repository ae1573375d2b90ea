import type { Core, CoreConfig } from 'p2p-media-loader-core';
import type { SpkP2pTuning } from './options.js';

/*
 * Scheduling (defaults in options.ts `tuning`, seconds of media scaled by playback rate):
 * segments inside the high-demand window come from the CDN. Alone in the swarm there is nobody
 * to wait for, so the window is as deep as a normal player's buffer; with peers only the next
 * few seconds are urgent enough to force the CDN, peers prefetch far ahead, and random CDN
 * downloads of segments nobody has yet seed the swarm. Peers are usually found within a second
 * or two; until then the narrow window is kept, so a joining viewer does not fetch from the CDN
 * what its peers are about to offer.
 */
/** With a slow CDN (IPFS gateways can take seconds) the urgent window grows up to this. */
const HIGH_DEMAND_WINDOW_MAX_S = 15;
/** Media seconds by which the ramped prefetch windows grow at a time: fewer engine reconfigurations than one per second. */
const PREFETCH_RAMP_STEP_S = 5;

/** What the windows are tuned from. */
export interface SwarmFigures {
  peerCount(): number;
  /** p95 of CDN segment downloads so far, in ms (0 before any). */
  cdnP95Ms(): number;
}

type Windows = Pick<CoreConfig, 'highDemandTimeWindow' | 'p2pDownloadTimeWindow' | 'httpDownloadTimeWindow'>;

/**
 * The engine's three time windows for one source, kept in step with the swarm and with time
 * since the engine started. Comes with the engine (engine-parts.ts).
 */
export class SchedulingWindows {
  private readonly startedAt = performance.now();
  private core: Pick<Core, 'applyDynamicConfig'> | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly current: Windows;
  /** The prefetch windows are at their configured size (at once without a ramp): nothing left to grow. */
  private rampDone: boolean;

  constructor(
    private readonly tuning: Readonly<Required<SpkP2pTuning>>,
    private readonly figures: SwarmFigures,
  ) {
    this.rampDone = tuning.prefetchRamp <= 0;
    this.current = { highDemandTimeWindow: tuning.highDemandWindow, ...this.prefetchWindows() };
  }

  /** The windows the engine is created with. */
  get initial(): Readonly<Windows> {
    return { ...this.current };
  }

  /**
   * The engine to tune; the high-demand window keeps its narrow start for `discoveryGraceMs`.
   * A viewer still alone when that grace ends is the swarm's seeder from the CDN: it opens its
   * full windows at once, so that the joiners who ramp up find what they ask for already in hand
   * (with every viewer ramping, bench:swarm's P2P segment latency p95 went from 306 to ~580 ms:
   * joiners waited on their seeder's own CDN download).
   */
  attach(core: Pick<Core, 'applyDynamicConfig'>): void {
    this.core = core;
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      if (!this.rampDone && this.figures.peerCount() === 0) {
        this.rampDone = true;
        this.apply(this.fullWindows());
      }
      this.swarmChanged();
    }, this.tuning.discoveryGraceMs);
  }

  /** Peers came or went, or a CDN download finished: the high-demand window may change. */
  swarmChanged(): void {
    if (this.graceTimer !== undefined) return;
    const { highDemandWindow, highDemandWindowAlone } = this.tuning;
    let window = highDemandWindowAlone;
    if (this.figures.peerCount() > 0) {
      // Room for two slow CDN fetches plus a few seconds, never less than the base window.
      const wanted = Math.ceil(3 + (2 * this.figures.cdnP95Ms()) / 1000);
      window = Math.max(highDemandWindow, Math.min(HIGH_DEMAND_WINDOW_MAX_S, wanted));
    }
    this.apply({ highDemandTimeWindow: window });
  }

  /** Playback moved on (several times a second): the prefetch windows may have ramped up another step. */
  playbackMoved(): void {
    if (this.rampDone) return;
    const windows = this.prefetchWindows();
    this.apply(windows);
    this.rampDone = windows.p2pDownloadTimeWindow === this.tuning.p2pWindow && windows.httpDownloadTimeWindow === this.tuning.httpWindow;
  }

  dispose(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.core = undefined;
  }

  private fullWindows(): Pick<Windows, 'p2pDownloadTimeWindow' | 'httpDownloadTimeWindow'> {
    return { p2pDownloadTimeWindow: this.tuning.p2pWindow, httpDownloadTimeWindow: this.tuning.httpWindow };
  }

  private apply(windows: Windows): void {
    if (!this.core || !(Object.keys(windows) as (keyof Windows)[]).some((key) => windows[key] !== this.current[key])) return;
    Object.assign(this.current, windows);
    this.core.applyDynamicConfig(windows);
  }

  /**
   * How far ahead peers and the CDN prefetch now. A joiner that took the whole 120 s from its
   * peers at once kept them and itself busy just when the next viewers were starting: in
   * demo/bench/startup-joiners.ts the third and fourth viewers of a swarm reached their first
   * frame 27-38 % later than with P2P off. The windows therefore start at `prefetchRamp` and
   * widen by a second of media per second after the engine starts, in steps, up to the
   * configured ones. Both ramp: a CDN window wider than the peer one seeds by HTTP what peers
   * could have given (46.7 % of the best offload in bench:swarm, against 100 % with both ramped).
   */
  private prefetchWindows(): Pick<Windows, 'p2pDownloadTimeWindow' | 'httpDownloadTimeWindow'> {
    const { p2pWindow, httpWindow, prefetchRamp } = this.tuning;
    if (prefetchRamp <= 0 || this.rampDone) return this.fullWindows();
    const grown = Math.floor((performance.now() - this.startedAt) / 1000 / PREFETCH_RAMP_STEP_S) * PREFETCH_RAMP_STEP_S;
    return { p2pDownloadTimeWindow: Math.min(p2pWindow, prefetchRamp + grown), httpDownloadTimeWindow: Math.min(httpWindow, prefetchRamp + grown) };
  }
}
