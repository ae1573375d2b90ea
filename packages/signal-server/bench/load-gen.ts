/**
 * Closed-loop load generator, one process, driven over IPC by signal-bench.ts.
 *
 * Every connection is one viewer: one peer id, one room (video), announcing in turn in each
 * rendition swarm of that room with `offers` offers. It keeps exactly one announce in flight
 * (the next goes out when the reply arrives) and answers every offer it receives at once, so
 * the work in flight is bounded (≤ connections announces plus their offers/answers) and the
 * rate is whatever the server sustains. The metric, as in aquatic's load test, is every
 * message received per second; offers and answers are counted apart so a server that drops
 * relays cannot look fast.
 *
 * Frames are read and written as wire text, the UTF-8 bytes one per character (latin1), as the
 * spk hub does (src/ids.ts): the ids are binary, half their bytes are ≥ 0x80, and V8's UTF-8
 * decoder then takes ~2 ns a byte where a latin1 copy takes a tenth of that. Each frame is still
 * parsed and sent on its own, by its own connection, whichever server is under test.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { binaryId, buildWorld, expectedOffers, rng, sampleSdp, type BenchConfig, type PeerPlan } from './workload.js';

export interface GenCounters {
  announcesSent: number;
  answersSent: number;
  replies: number;
  offers: number;
  answers: number;
  failures: number;
  other: number;
  /** Offers the server should have relayed for the announces sent (min(offers, other members)). */
  expectedOffers: number;
  /** Announces whose reply did not come within the watchdog time. */
  lostReplies: number;
  bytesReceived: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  samples: number;
}

export interface GenWindow {
  seconds: number;
  counters: GenCounters;
  cpuUs: number;
  elu: number;
  rttMs: { p50: number; p90: number; p99: number; max: number; samples: number };
  /**
   * Offer relay latency: from the sender's announce leaving the generator to the relayed offer
   * reaching its target, split by whether the two viewers sit on the same node. Both ends are in
   * this process, so one clock times them; the generator's own event-loop delay is included.
   */
  offerLatencyMs: { sameNode: Percentiles; crossNode: Percentiles; unmatched: number };
  failureSamples: string[];
}

/** `urls`: one per node; viewer i connects to node i mod N, so every room spans the nodes. */
export type ToGen = { type: 'start'; urls: string[]; config: BenchConfig } | { type: 'run' } | { type: 'stop' } | { type: 'close' };
export type FromGen =
  | { type: 'connected'; connections: number; failed: number; ms: number }
  | { type: 'joined'; replies: number; expected: number; ms: number }
  | { type: 'window-start' }
  | { type: 'window-end'; window: GenWindow }
  | { type: 'stopped'; inFlight: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

const deadlineMs = Number(process.argv[2] ?? 300_000);
/** UTF-8 bytes of `text`, one per character. */
const toWire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
/** A text frame made of wire text's bytes. */
const sendWire = (ws: WebSocket, wire: string): void => ws.send(Buffer.from(wire, 'latin1'), { binary: false });
const send = (message: FromGen): void => void process.send?.(message);

const counters: GenCounters = {
  announcesSent: 0,
  answersSent: 0,
  replies: 0,
  offers: 0,
  answers: 0,
  failures: 0,
  other: 0,
  expectedOffers: 0,
  lostReplies: 0,
  bytesReceived: 0,
};
const failureSamples: string[] = [];
let rtts: number[] = [];
let sameNodeOffers: number[] = [];
let crossNodeOffers: number[] = [];
/** Relayed offers whose announce was no longer in its sender's ring (or not the generator's). */
let unmatchedOffers = 0;
let looping = false;

/**
 * Announces remembered per connection for offer timing. An offer_id ends in the sender's offer
 * sequence number, and every announce carries `offers` of them, so the number tells the announce;
 * offers arriving more announces late than this are counted unmatched rather than misattributed.
 */
const SENT_RING = 16;

interface Conn {
  ws: WebSocket;
  plan: PeerPlan;
  /** Index of the node (url) this viewer is connected to. */
  node: number;
  /** Send time and number of this connection's last SENT_RING announces, by number mod SENT_RING. */
  sentAtRing: Float64Array;
  sentNoRing: Int32Array;
  /** Pre-built `{"action":"announce",…,"offers":[` per rendition (wire text); only offers are added per send. */
  announcePrefix: string[];
  expected: number;
  peerIdJson: string;
  offerIdPrefix: string;
  offerSeq: number;
  next: number;
  inFlight: boolean;
  sentAt: number;
}

function main(config: BenchConfig, urls: string[]): void {
  const world = buildWorld(config);
  const idRandom = rng(config.seed ^ 0x5bd1e995);
  const offerSdp = toWire(JSON.stringify(sampleSdp(config.sdpBytes, 'offer')));
  const answerTail = toWire(`,"answer":{"type":"answer","sdp":${JSON.stringify(sampleSdp(config.sdpBytes, 'answer'))}}}`);
  // Wire text of each id → wire text of its JSON; received frames are parsed as wire text.
  const hashJson = new Map<string, string>();
  for (const hashes of world.infoHashes) for (const hash of hashes) hashJson.set(toWire(hash), toWire(JSON.stringify(hash)));
  const peerJson = new Map<string, string>();
  for (const plan of world.peers) peerJson.set(toWire(plan.peerId), toWire(JSON.stringify(plan.peerId)));

  const conns: Conn[] = [];
  /** Wire text of a peer id → its connection, to find an offer's sender and node. */
  const connByPeer = new Map<string, Conn>();

  const sendAnnounce = (conn: Conn): void => {
    const announceNo = conn.offerSeq / config.offers;
    let message = conn.announcePrefix[conn.next] as string;
    conn.next = (conn.next + 1) % conn.announcePrefix.length;
    for (let i = 0; i < config.offers; i++) {
      const seq = (conn.offerSeq++).toString(36).padStart(8, '0');
      message += `${i === 0 ? '' : ','}{"offer":{"type":"offer","sdp":${offerSdp}},"offer_id":"${conn.offerIdPrefix}${seq}"}`;
    }
    message += ']}';
    conn.inFlight = true;
    conn.sentAt = performance.now();
    conn.sentAtRing[announceNo % SENT_RING] = conn.sentAt;
    conn.sentNoRing[announceNo % SENT_RING] = announceNo;
    counters.announcesSent++;
    counters.expectedOffers += conn.expected;
    sendWire(conn.ws, message);
  };

  const onMessage = (conn: Conn, data: WebSocket.RawData): void => {
    // ws hands text frames over as a Buffer (binaryType 'nodebuffer', the default).
    const text = (data as Buffer).toString('latin1');
    counters.bytesReceived += text.length;
    if (text.includes('"failure reason"')) {
      counters.failures++;
      if (failureSamples.length < 5) failureSamples.push(text.slice(0, 200));
      if (conn.inFlight) replied(conn);
    } else if (text.includes('"offer":{')) {
      counters.offers++;
      const offer = JSON.parse(text) as { info_hash: string; peer_id: string; offer_id: string };
      timeOffer(conn, offer.peer_id, offer.offer_id);
      const from = peerJson.get(offer.peer_id) ?? JSON.stringify(offer.peer_id);
      const hash = hashJson.get(offer.info_hash) ?? JSON.stringify(offer.info_hash);
      sendWire(conn.ws, `{"action":"announce","info_hash":${hash},"peer_id":${conn.peerIdJson},"to_peer_id":${from},"offer_id":${JSON.stringify(offer.offer_id)}${answerTail}`);
      counters.answersSent++;
    } else if (text.includes('"answer":{')) {
      counters.answers++;
    } else if (text.includes('"interval"')) {
      counters.replies++;
      if (conn.inFlight) replied(conn);
    } else {
      counters.other++;
    }
  };

  const timeOffer = (target: Conn, peerId: string, offerId: string): void => {
    const sender = connByPeer.get(peerId);
    // The last 8 characters are the sender's base-36 offer sequence (see sendAnnounce).
    const seq = typeof offerId === 'string' ? parseInt(offerId.slice(-8), 36) : NaN;
    const announceNo = Math.floor(seq / config.offers);
    const slot = announceNo % SENT_RING;
    if (sender === undefined || !Number.isFinite(seq) || sender.sentNoRing[slot] !== announceNo) {
      unmatchedOffers++;
      return;
    }
    (sender.node === target.node ? sameNodeOffers : crossNodeOffers).push(performance.now() - (sender.sentAtRing[slot] as number));
  };

  const replied = (conn: Conn): void => {
    conn.inFlight = false;
    if (!looping) return;
    rtts.push(performance.now() - conn.sentAt);
    sendAnnounce(conn);
  };

  const t0 = performance.now();
  let failed = 0;
  let index = 0;
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const node = index % urls.length;
      const url = urls[node] as string;
      const plan = world.peers[index++];
      if (!plan) return resolve();
      const separator = url.includes('?') ? '&' : '?';
      const ws = new WebSocket(`${url}${separator}cid=${world.rooms[plan.room]}`, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 10_000 });
      const peerIdJson = peerJson.get(toWire(plan.peerId)) as string;
      const event = plan.seeder ? 'completed' : 'started';
      const announcePrefix = (world.infoHashes[plan.room] as string[]).map(
        (hash) => `{"action":"announce","info_hash":${hashJson.get(toWire(hash))},"peer_id":${peerIdJson},"numwant":${config.offers},"uploaded":0,"downloaded":0,"event":"${event}","offers":[`,
      );
      const conn: Conn = {
        ws,
        plan,
        node,
        // -1: no announce yet in that slot (announce numbers start at 0).
        sentAtRing: new Float64Array(SENT_RING),
        sentNoRing: new Int32Array(SENT_RING).fill(-1),
        announcePrefix,
        expected: expectedOffers(config, world, plan.room),
        peerIdJson,
        offerIdPrefix: toWire(JSON.stringify(binaryId(idRandom, 12)).slice(1, -1)),
        offerSeq: 0,
        next: 0,
        inFlight: false,
        sentAt: 0,
      };
      ws.on('open', () => {
        conns.push(conn);
        connByPeer.set(toWire(plan.peerId), conn);
        resolve();
      });
      ws.on('message', (data) => onMessage(conn, data));
      ws.on('error', () => {
        if (ws.readyState !== WebSocket.OPEN) {
          failed++;
          resolve();
        }
      });
    });
  // A bounded number of handshakes at a time keeps the server's accept backlog from overflowing.
  const workers = Array.from({ length: 50 }, async () => {
    while (index < world.peers.length) await open();
  });

  void Promise.all(workers).then(async () => {
    send({ type: 'connected', connections: conns.length, failed, ms: Math.round(performance.now() - t0) });
    // Join every swarm without offers, so the first measured announces already find peers.
    const t1 = performance.now();
    const expected = conns.reduce((sum, conn) => sum + conn.announcePrefix.length, 0);
    for (const conn of conns) {
      for (const prefix of conn.announcePrefix) sendWire(conn.ws, `${prefix.replace(`"numwant":${config.offers}`, '"numwant":0')}]}`);
    }
    const joinDeadline = performance.now() + 20_000;
    while (counters.replies + counters.failures < expected && performance.now() < joinDeadline) await sleep(20);
    send({ type: 'joined', replies: counters.replies, expected, ms: Math.round(performance.now() - t1) });
  });

  const watchdog = setInterval(() => {
    if (!looping) return;
    const now = performance.now();
    for (const conn of conns) {
      if (conn.inFlight && now - conn.sentAt > 5000 && conn.ws.readyState === WebSocket.OPEN) {
        counters.lostReplies++;
        conn.inFlight = false;
        sendAnnounce(conn);
      }
    }
  }, 1000);

  process.on('message', (message: ToGen) => {
    if (message.type === 'run') void run(config, conns, sendAnnounce);
    else if (message.type === 'stop') {
      looping = false;
      // Answers to offers still in flight go out; nothing new starts. Give it a moment to settle.
      void sleep(1000).then(() => send({ type: 'stopped', inFlight: conns.filter((conn) => conn.inFlight).length }));
    } else if (message.type === 'close') {
      clearInterval(watchdog);
      for (const conn of conns) conn.ws.terminate();
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 50);
    }
  });
}

async function run(config: BenchConfig, conns: Conn[], sendAnnounce: (conn: Conn) => void): Promise<void> {
  looping = true;
  for (const conn of conns) if (conn.ws.readyState === WebSocket.OPEN) sendAnnounce(conn);
  await sleep(config.warmupS * 1000);
  rtts = [];
  sameNodeOffers = [];
  crossNodeOffers = [];
  unmatchedOffers = 0;
  const before = { ...counters };
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  send({ type: 'window-start' });
  await sleep(config.durationS * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const after = { ...counters };
  const delta = Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - before[key as keyof GenCounters]])) as unknown as GenCounters;
  const sorted = Float64Array.from(rtts).sort();
  const at = (q: number): number => quantile(sorted, q);
  send({
    type: 'window-end',
    window: {
      seconds,
      counters: delta,
      cpuUs: cpu.user + cpu.system,
      elu,
      rttMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round2(sorted[sorted.length - 1] ?? 0), samples: sorted.length },
      offerLatencyMs: { sameNode: percentiles(sameNodeOffers), crossNode: percentiles(crossNodeOffers), unmatched: unmatchedOffers },
      failureSamples,
    },
  });
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

const quantile = (sorted: Float64Array, q: number): number => round2(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);

function percentiles(samples: number[]): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), samples: sorted.length };
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const hardStop = setTimeout(() => process.exit(3), deadlineMs);
hardStop.unref();
process.on('disconnect', () => process.exit(0));
process.once('message', (message: ToGen) => {
  if (message.type !== 'start') return send({ type: 'error', message: 'expected start' });
  try {
    main(message.config, message.urls);
  } catch (error) {
    send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
});
