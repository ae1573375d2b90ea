/**
 * Receipts: the whole segments this viewer received from each peer (after the core validated
 * them). They are what confirms a peer's uploads on the signal server, which credits a pair once
 * per segment; bare byte counts confirm nothing there.
 */
import type { Segment, SegmentLoadDetails, SegmentStartDetails } from 'p2p-media-loader-core';
import { segmentIdentity } from '../segment-identity.js';

export type ReceiptSink = (peerId: string, segment: string, bytes: number) => void;

export class ReceiptRecorder {
  /** The core downloads one segment at a time from a peer, so the peer names the segment. */
  private readonly inFlight = new Map<string, Segment>();

  constructor(
    private readonly masterUrl: string,
    private readonly sink: ReceiptSink,
  ) {}

  readonly onSegmentStart = ({ segment, downloadSource, peerId }: SegmentStartDetails): void => {
    if (downloadSource === 'p2p' && peerId !== undefined) this.inFlight.set(peerId, segment);
  };

  readonly onSegmentLoaded = ({ segmentUrl, bytesLength, downloadSource, peerId }: SegmentLoadDetails): void => {
    if (downloadSource !== 'p2p' || peerId === undefined) return;
    const segment = this.inFlight.get(peerId);
    this.inFlight.delete(peerId);
    if (!segment || segment.url !== segmentUrl || bytesLength <= 0) return;
    this.sink(peerId, segmentIdentity(this.masterUrl, segment.url, segment.byteRange), bytesLength);
  };
}
