/**
 * Browsers end ICE gathering with an `icecandidate` event whose candidate is null; the
 * node-datachannel polyfill (webrtc-polyfill) only changes `iceGatheringState`. simple-peer, which
 * the core's tracker client uses without trickle, sends its offer or answer only at that null
 * candidate, or after a 5 s timeout: every browser that met the seeder waited those 5 s. Here
 * the null candidate is given to the handler when gathering completes. Only the handler is
 * called (no event is dispatched), so the polyfill's own candidate list is left as it is.
 */
import { RTCPeerConnection } from 'webrtc-polyfill';

type Handler = ((event: { candidate: null }) => void) | null | undefined;

const prototype = RTCPeerConnection.prototype as unknown as EventTarget & { iceGatheringState: string };
const dispatch = prototype.dispatchEvent;
prototype.dispatchEvent = function (this: EventTarget & { iceGatheringState: string; onicecandidate?: Handler }, event: Event): boolean {
  const result = dispatch.call(this, event);
  if (event.type === 'icegatheringstatechange' && this.iceGatheringState === 'complete') this.onicecandidate?.({ candidate: null });
  return result;
};
