import type { SourceSession } from './source-session.js';
import { SegmentXhr } from './segment-xhr.js';
import { gatewayOfUrl, recordGateway } from './gateway-health.js';
import type { VhsHandle, VhsRequest, VhsRequestOptions, VhsResponse } from './videojs-types.js';

/**
 * VHS times a segment request out after 1.5 target durations and then drops to the lowest
 * rendition. A stand-in request may rightly wait longer (the core holds far-ahead segments until
 * peers have them), and the loader's watchdog already guarantees delivery before the buffer runs
 * dry, so VHS's own timeout is only kept as a last resort.
 */
const STAND_IN_TIMEOUT_MS = 60_000;

/**
 * VHS's request hooks for one source: media segment requests the session's engine can answer get
 * a stand-in XHR (VHS keeps its own timeout, ABR and append logic), everything else goes out as
 * VHS made it; responses VHS fetched itself are counted.
 */
export class VhsInterception {
  constructor(
    private readonly vhs: VhsHandle,
    private readonly session: SourceSession,
  ) {
    vhs.xhr.onRequest(this.onRequest);
    vhs.xhr.onResponse(this.onResponse);
  }

  detach(): void {
    this.vhs.xhr.offRequest(this.onRequest);
    this.vhs.xhr.offResponse(this.onResponse);
  }

  private readonly onRequest = (options: VhsRequestOptions): VhsRequestOptions => {
    if (options.requestType === 'hls-playlist') this.session.playlistRequested(options.xhr !== undefined);
    if (options.requestType !== 'segment') return options;
    // Seen by the session even when another hook already answers it (`<spk-player>`'s early
    // fetch of the first segment): the first segment request is what starts the engine.
    const routed = this.session.mapForEngine(options.uri, options.headers?.Range, options.xhr !== undefined);
    // That answer stands. Its bytes still reach onResponse (they are not a SegmentXhr), so they
    // are counted, checked and kept in the persistent cache like any segment VHS fetched itself.
    if (options.xhr) return options;
    if (!routed) {
      const waitMs = this.session.engineWaitMs();
      if (waitMs > 0) {
        options.timeout = Math.max(Number(options.timeout) || 0, STAND_IN_TIMEOUT_MS);
        options.xhr = new SegmentXhr(this.session.waitForEngine(options.uri, options.headers?.Range, waitMs));
        return options;
      }
      const fromCache = this.session.fromPersistentCache(options.uri, options.headers?.Range);
      if (fromCache) options.xhr = new SegmentXhr(fromCache);
      return options;
    }
    const { mapped, loader } = routed;
    options.timeout = Math.max(Number(options.timeout) || 0, STAND_IN_TIMEOUT_MS);
    options.xhr = new SegmentXhr(async (signal) => {
      const loaded = await loader.load(mapped.segment, signal);
      this.session.recordEngineSegment(loaded, mapped.segment.url);
      return loaded;
    });
    return options;
  };

  private readonly onResponse = (request: VhsRequest, error: unknown, response: VhsResponse) => {
    if (request.requestType !== 'segment' || request instanceof SegmentXhr || request.aborted) return;
    const body = response?.body;
    // Segments only: `<spk-player>` records the playlists VHS fetches (see gateway-health.ts).
    const gateway = gatewayOfUrl(request.uri ?? '');
    if (error || !(body instanceof ArrayBuffer) || body.byteLength === 0) {
      recordGateway(gateway, false);
      return;
    }
    const durationMs = request.requestTime ? Date.now() - request.requestTime : 0;
    recordGateway(gateway, durationMs);
    this.session.recordOwnFetch(body, request.uri ?? '', rangeOf(response), durationMs);
  };
}

/**
 * The byte range a response holds, for checking it: `null` for a partial response whose range
 * cannot be read (a gateway that does not expose Content-Range to scripts), which is then not checked.
 */
function rangeOf(response: VhsResponse): { start: number; end: number } | undefined | null {
  if (response.statusCode !== 206) return undefined;
  const match = /^bytes (\d+)-(\d+)\//.exec(response.headers?.['content-range'] ?? '');
  return match ? { start: Number(match[1]), end: Number(match[2]) } : null;
}
