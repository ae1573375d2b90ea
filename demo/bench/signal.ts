/** The project's signal server (packages/signal-server) as the demo and the benchmark run it. */
import { attachContributions, createSignalServer, registerOembedRoute, type Contributions, type OembedConfig } from 'spk-signal-server';

export interface RunningSignal {
  /** WebSocket URL to give players as their tracker. */
  signalUrl: string;
  /** HTTP base of the signal server's API (`/api/p2p/stats`, `/api/p2p/rooms/:cid`, contributions). */
  httpUrl: string;
  port: number;
  /** Serves `GET /oembed` for embeds of the given player page (known only once the site is up). */
  serveOembed(config: OembedConfig): void;
  close(): Promise<void>;
}

export interface SignalOptions {
  port?: number;
  host?: string;
  logLevel?: string;
  /** Serve the contributions API (for the dashboard) from this SQLite file (`:memory:` allowed); off when unset. */
  contributionsDb?: string;
}

export async function startSignal(options: SignalOptions = {}): Promise<RunningSignal> {
  const server = createSignalServer({ logLevel: options.logLevel ?? 'warn' });
  let contributions: Contributions | undefined;
  try {
    // Every demo viewer runs on this machine, so the per-address pair cap would credit nobody.
    if (options.contributionsDb) {
      contributions = await attachContributions(server, { sqlitePath: options.contributionsDb, credit: { sameAddressPairCapBytes: Infinity } });
    }
    const address = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    return {
      signalUrl: address.signalUrl,
      httpUrl: address.url,
      port: address.port,
      serveOembed: (config) => registerOembedRoute(server.router, config),
      close: async () => {
        await server.close();
        await contributions?.close();
      },
    };
  } catch (error) {
    await server.close().catch(() => {});
    await contributions?.close().catch(() => {});
    throw error;
  }
}
