/**
 * How segment bytes are checked:
 * - `auto`: against the video's IPFS CID when it is known and a gateway serves its blocks, else
 *   against the sha256 map, else not at all, and then no segment is downloaded from peers;
 * - `cid` / `sha256`: only that source (no P2P download when it is unavailable);
 * - `off`: nothing is checked and peers are trusted.
 * Kept apart from the verifier so the options check does not pull the IPFS format libraries
 * into the first-frame bundle.
 */
export type IntegrityPolicy = 'auto' | 'cid' | 'sha256' | 'off';
export const INTEGRITY_POLICIES: readonly IntegrityPolicy[] = ['auto', 'cid', 'sha256', 'off'];
