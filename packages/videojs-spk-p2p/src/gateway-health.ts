/**
 * What this page has learnt about each IPFS gateway: an EWMA of its response time and of its
 * error rate (HTTP errors, timeouts, bytes that failed the integrity check), and the order to
 * use gateways in. Kept free of any dependency: `<spk-player>` imports it into its entry.
 *
 * One place for the element and the plugin: a single record per page, kept on `globalThis`
 * under a registered symbol, so even two bundled copies of this module (the element's and a
 * site's own UMD plugin) read and write the same object, and the element's manifest failover
 * and the plugin's segment requests decide from the same figures as they happen. It is also
 * written to localStorage, so the next video (or page) starts from what this one learnt; storage
 * is only a cache: it may be absent, full or throw, and nothing depends on it.
 */

/** One gateway's record (short keys: it is stored). */
export interface GatewayHealth {
  /** EWMA latency, ms; -1 while unknown. */
  l: number;
  /** EWMA error rate. */
  e: number;
  n: number;
  f: number;
  /** Wall-clock ms of the last error (0: none): a stored record outlives the page. */
  t: number;
}

const STORE_KEY = 'spk-gateway-health';
const REGISTRY = Symbol.for('spk-p2p.gateway-health');
/** Weight of a new sample: a few requests move the estimate, one does not own it. */
const ALPHA = 0.3;
/** What an unmeasured gateway is assumed to take: a known gateway slower than this lets an unknown one be tried. */
const UNKNOWN_LATENCY_MS = 500;
/** What a full error rate costs in ranking, as if it were this much latency. */
const ERROR_COST_MS = 10_000;
/** The error penalty fades with this time constant, so one blip does not bar a gateway for good. */
const RECOVERY_MS = 30_000;
const MAX_ENTRIES = 32;

type Store = Record<string, GatewayHealth>;

function load(): Store {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORE_KEY) ?? '{}');
    if (parsed && typeof parsed === 'object') return parsed as Store;
  } catch {
    // No storage (private mode, sandboxed iframe) or a damaged record: start afresh.
  }
  return {};
}

function record(): Store {
  const holder = globalThis as { [REGISTRY]?: Store };
  return (holder[REGISTRY] ??= load());
}

function save(store: Store): void {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(store));
  } catch {
    // Storage full or refused: the in-page record still serves this page.
  }
}

/** The gateway base of an `/ipfs/` URL (everything before `/ipfs/`), or undefined for any other URL. */
export function gatewayOfUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url, location.href);
    const at = parsed.pathname.indexOf('/ipfs/');
    return at < 0 ? undefined : parsed.origin + parsed.pathname.slice(0, at);
  } catch {
    return undefined;
  }
}

/** Records one request's outcome: a latency in ms for a good response, `false` for an error. */
export function recordGateway(gateway: string | undefined, outcome: number | false): void {
  if (gateway === undefined) return;
  const store = record();
  const entry = (store[gateway] ??= { l: -1, e: 0, n: 0, f: 0, t: 0 });
  entry.n += 1;
  if (outcome === false) {
    entry.f += 1;
    entry.e += ALPHA * (1 - entry.e);
    entry.t = Date.now();
  } else {
    entry.e -= ALPHA * entry.e;
    entry.l = entry.l < 0 ? outcome : entry.l + ALPHA * (outcome - entry.l);
  }
  const keys = Object.keys(store);
  if (keys.length > MAX_ENTRIES) delete store[keys[0] as string];
  save(store);
}

/** A gateway's record, if anything was measured. */
export function healthOf(gateway: string | undefined): Readonly<GatewayHealth> | undefined {
  return gateway === undefined ? undefined : record()[gateway];
}

function score(gateway: string, now: number): number {
  const entry = record()[gateway];
  if (!entry) return UNKNOWN_LATENCY_MS;
  const latency = entry.l < 0 ? UNKNOWN_LATENCY_MS : entry.l;
  const value = latency + ERROR_COST_MS * entry.e * Math.exp(-(now - entry.t) / RECOVERY_MS);
  // A damaged stored entry must not break the sort.
  return Number.isFinite(value) ? value : UNKNOWN_LATENCY_MS;
}

/** `gateways` best first; equal scores (e.g. none measured yet) keep the given order. */
export function rankGateways(gateways: readonly string[]): string[] {
  const now = Date.now();
  const unique = [...new Set(gateways)];
  const scores = new Map(unique.map((gateway) => [gateway, score(gateway, now)]));
  return unique.sort((a, b) => (scores.get(a) as number) - (scores.get(b) as number));
}

/** A configured gateway base as the records name it: without trailing slashes. */
export function gatewayBase(gateway: string): string {
  return gateway.replace(/\/+$/, '');
}

/** Every gateway of a source: its master playlist's own, then the configured ones. */
export function sourceGateways(masterUrl: string, gateways: readonly string[]): string[] {
  const own = gatewayOfUrl(masterUrl);
  const configured = gateways.map(gatewayBase);
  return [...new Set(own === undefined ? configured : [own, ...configured])];
}
