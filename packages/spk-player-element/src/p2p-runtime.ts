/**
 * Registers the `spkP2p` Video.js plugin. Loaded in parallel with Video.js, and only when
 * P2P is on; the plugin itself loads the P2P core after playback has started.
 */
import 'videojs-spk-p2p';

export const registered = true;
