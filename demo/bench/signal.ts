/** The project's signal server (packages/signal-server) as the demo and the benchmark run it. */
import { attachContributions, createSignalServer } from 'spk-signal-server';

export interface RunningSignal {
  /** WebSocket URL to give players as their tracker. */
  signalUrl: string;
  /** HTTP base of the signal server's API (`/api/p2p/stats`, `/api/p2p/rooms/:cid`). */
  httpUrl: string;
  port: number;
  close(): Promise<void>;
}

export async function startSignal(port = 0, host = '127.0.0.1', logLevel = 'warn'): Promise<RunningSignal> {
  const server = createSignalServer({ logLevel });
  // Contributions API for the dashboard: every demo viewer runs on this machine (no same-address
  // cap), and each run gets its own in-memory database unless SPK_DEMO_CONTRIBUTIONS_DB names a file.
  const contributions = await attachContributions(server, {
    sqlitePath: process.env.SPK_DEMO_CONTRIBUTIONS_DB ?? ':memory:',
    credit: { sameAddressPairCapBytes: Infinity },
  });
  const address = await server.listen(port, host);
  return {
    signalUrl: address.signalUrl,
    httpUrl: address.url,
    port: address.port,
    close: () => server.close().then(() => contributions.close()),
  };
}
