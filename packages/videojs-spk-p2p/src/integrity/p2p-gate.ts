import type { Core } from 'p2p-media-loader-core';
import type { SegmentVerdict, SegmentVerifier } from './segment-verifier.js';

/** A verifier that failed to load leaves nothing checkable: treated like a video with no source of trust. */
export async function checkSegment(
  verifier: SegmentVerifier | undefined,
  url: string,
  byteRange: { start: number; end: number } | undefined,
  data: ArrayBuffer,
): Promise<SegmentVerdict> {
  return verifier ? verifier.verify(url, byteRange, data) : 'unverifiable';
}

/**
 * Turns peer downloads on once the video's bytes can be checked (or the policy trusts peers).
 * Uploads and HTTP are never gated: an unverifiable video is still served to peers that can check it.
 */
export async function enableVerifiedP2P(
  verifier: SegmentVerifier | undefined,
  core: Pick<Core, 'applyDynamicConfig'>,
  maxPeers: number,
  stillCurrent: () => boolean,
): Promise<void> {
  const source = verifier ? await verifier.source : 'none';
  if (source !== 'none' && stillCurrent()) core.applyDynamicConfig({ simultaneousP2PDownloads: maxPeers });
}
