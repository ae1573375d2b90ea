/**
 * Registers the `spkP2p` Video.js plugin. Loaded in parallel with Video.js, and only when
 * P2P is on; the plugin itself loads the P2P core when the first segment is requested.
 */
import 'videojs-spk-p2p';

export const registered = true;
