/** Prometheus text exposition of the seeder's figures on `GET /metrics`. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsSnapshot {
  uploadedBytes: number;
  peers: number;
  segmentsCached: number;
  cacheBytes: number;
  cacheMaxBytes: number;
  memoryBytes: number;
  verificationFailures: number;
  gatewayRequests: number;
  gatewayBytes: number;
  uploadsRefused: number;
  peersRefused: number;
  videos: number;
}

const METRICS: ReadonlyArray<[keyof MetricsSnapshot, 'counter' | 'gauge', string, string]> = [
  ['uploadedBytes', 'counter', 'spk_seeder_uploaded_bytes_total', 'Segment bytes sent to peers.'],
  ['peers', 'gauge', 'spk_seeder_peers', 'WebRTC peers connected now.'],
  ['segmentsCached', 'gauge', 'spk_seeder_segments_cached', 'Segments in the disk cache.'],
  ['cacheBytes', 'gauge', 'spk_seeder_cache_bytes', 'Bytes of segments in the disk cache.'],
  ['cacheMaxBytes', 'gauge', 'spk_seeder_cache_max_bytes', 'Disk cache cap.'],
  ['memoryBytes', 'gauge', 'spk_seeder_memory_cache_bytes', 'Bytes of segments held in memory (at most --max-memory-bytes).'],
  ['verificationFailures', 'counter', 'spk_seeder_verification_failures_total', 'Gateway responses and cached files that failed the CID check.'],
  ['gatewayRequests', 'counter', 'spk_seeder_gateway_requests_total', 'Playlist and segment requests sent to gateways.'],
  ['gatewayBytes', 'counter', 'spk_seeder_gateway_bytes_total', 'Playlist and segment bytes received from gateways.'],
  ['uploadsRefused', 'counter', 'spk_seeder_uploads_refused_total', 'Peer requests answered "absent" by the upload cap.'],
  ['peersRefused', 'counter', 'spk_seeder_peers_refused_total', 'WebRTC connections closed by the --max-peers cap.'],
  ['videos', 'gauge', 'spk_seeder_videos', 'Videos being seeded.'],
];

export function renderMetrics(snapshot: MetricsSnapshot): string {
  return METRICS.map(([key, type, name, help]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${snapshot[key]}\n`).join('');
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export async function serveMetrics(host: string, port: number, snapshot: () => MetricsSnapshot): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(renderMetrics(snapshot()));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found: try /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
