/**
 * The benchmark's world, derived from a seed so that every server under test gets exactly the
 * same connections, rooms, swarms and messages. Shaped after aquatic's WebTorrent load test
 * (Gamma-skewed swarm popularity, 10 offers per announce with a small SDP, 25 % seeders), with
 * one change our protocol needs: a connection lives in one room (video CID) and announces in
 * that video's rendition swarms, instead of in random swarms anywhere.
 */

export interface BenchConfig {
  connections: number;
  /** Total swarms (info_hashes); grouped into rooms of `renditions`. */
  swarms: number;
  /** Swarms per room; every connection announces in all swarms of its room. */
  renditions: number;
  offers: number;
  sdpBytes: number;
  seederShare: number;
  gammaShape: number;
  gammaScale: number;
  warmupS: number;
  durationS: number;
  seed: number;
}

export const DEFAULT_CONFIG: BenchConfig = {
  connections: 1000,
  swarms: 10_000,
  renditions: 4,
  offers: 10,
  sdpBytes: 128,
  seederShare: 0.25,
  gammaShape: 0.2,
  gammaScale: 100,
  warmupS: 3,
  durationS: 12,
  seed: 20240611,
};

/** sfc32: small, fast and seedable; Math.random cannot be seeded. */
export function rng(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed | 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

function normal(random: () => number): number {
  const u = random() || Number.MIN_VALUE;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Marsaglia–Tsang; shapes below 1 are boosted by one and scaled back with U^(1/shape). */
export function gamma(random: () => number, shape: number, scale: number): number {
  if (shape < 1) return gamma(random, shape + 1, scale) * Math.pow(random() || Number.MIN_VALUE, 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/** Same mapping as aquatic's load tester: the sample, clamped to [1, 101], spread over 0..max. */
export function gammaIndex(random: () => number, shape: number, scale: number, max: number): number {
  const p = (Math.min(gamma(random, shape, scale), 101) - 1) / 100;
  return Math.max(0, Math.min(max, Math.floor(p * max)));
}

/** 20 characters, one code point 0–255 each: the tracker protocol's binary ids. */
export function binaryId(random: () => number, length = 20): string {
  let id = '';
  for (let i = 0; i < length; i++) id += String.fromCharCode(Math.floor(random() * 256));
  return id;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A CIDv1-shaped room name, so our server's default CID check stays on. */
export function roomCid(random: () => number): string {
  let cid = 'bafybei';
  while (cid.length < 59) cid += BASE32[Math.floor(random() * 32)];
  return cid;
}

export interface PeerPlan {
  peerId: string;
  room: number;
  seeder: boolean;
}

export interface World {
  rooms: string[];
  /** infoHashes[room][rendition] */
  infoHashes: string[][];
  peers: PeerPlan[];
  /** Members per room, which is also the size of each of its swarms. */
  roomSize: number[];
}

export function buildWorld(config: BenchConfig): World {
  const random = rng(config.seed);
  const roomCount = Math.max(1, Math.floor(config.swarms / config.renditions));
  const rooms: string[] = [];
  const infoHashes: string[][] = [];
  for (let r = 0; r < roomCount; r++) {
    rooms.push(roomCid(random));
    const hashes: string[] = [];
    for (let i = 0; i < config.renditions; i++) hashes.push(binaryId(random));
    infoHashes.push(hashes);
  }
  const peers: PeerPlan[] = [];
  const roomSize = new Array<number>(roomCount).fill(0);
  const seenPeerIds = new Set<string>();
  for (let i = 0; i < config.connections; i++) {
    let peerId = binaryId(random);
    while (seenPeerIds.has(peerId)) peerId = binaryId(random);
    seenPeerIds.add(peerId);
    const room = gammaIndex(random, config.gammaShape, config.gammaScale, roomCount - 1);
    roomSize[room] = (roomSize[room] ?? 0) + 1;
    peers.push({ peerId, room, seeder: random() < config.seederShare });
  }
  return { rooms, infoHashes, peers, roomSize };
}

/** Offers one announce should cause: min(offers, other members), as all three servers cap them. */
export function expectedOffers(config: BenchConfig, world: World, room: number): number {
  return Math.min(config.offers, (world.roomSize[room] ?? 1) - 1);
}

/** Starts like a browser's SDP (CRLFs included, so JSON escaping is exercised) and is cut to size. */
export function sampleSdp(bytes: number, kind: 'offer' | 'answer'): string {
  const base =
    `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n` +
    `a=msid-semantic: WMS\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n` +
    `a=ice-ufrag:${kind === 'offer' ? 'Qk3x' : 'Zr7p'}\r\na=ice-pwd:3b9Yk2mVw9uL0xq8sT1fH4cN\r\na=setup:${kind === 'offer' ? 'actpass' : 'active'}\r\n` +
    `a=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n`;
  let sdp = base;
  while (sdp.length < bytes) sdp += base;
  return sdp.slice(0, bytes);
}
