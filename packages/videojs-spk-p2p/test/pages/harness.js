// Test harness: creates a Video.js player with the plugin from options given by the test, and
// records what the plugin and the player report so the test can read it back.
import '/dist/videojs-spk-p2p.es.js';
import '/pages/stall-watch.js';

const EVENTS = ['peerconnect', 'peerclose', 'segmentloaded', 'stats', 'modechange', 'integrityfailure', 'peerreport', 'coreready', 'optionserror', 'cdnfallback', 'integrityproblem', 'gatewayintegrityfailure', 'persistentcachecorrupt', 'gatewayhedge'];

window.spkTest = {
  events: [],
  errors: [],
  stalls: [],
  ended: false,
  start({ src, options, rate = 1, pluginsOption = true, width = 320, height = 180 }) {
    const videojs = window.videojs;
    const playerOptions = { muted: true, autoplay: false, preload: 'auto' };
    if (pluginsOption) playerOptions.plugins = { spkP2p: options };
    const player = videojs('player', playerOptions);
    window.player = player;
    // VHS picks renditions by player size too: a bigger player pulls bigger segments.
    player.dimensions(width, height);
    const plugin = pluginsOption ? player.spkP2p() : player.spkP2p(options);
    for (const name of EVENTS) {
      plugin.on(name, (_event, data) => {
        const { plugin: _p, instance: _i, name: _n, ...rest } = data ?? {};
        this.events.push({ type: name, at: performance.now(), ...rest });
      });
    }
    player.on('error', () => this.errors.push(String(player.error()?.message)));
    window.spkWatchStalls(player, this.stalls);
    player.on('ended', () => { this.ended = true; });
    const requestedAt = performance.now();
    player.one('playing', () => { this.startupMs = performance.now() - requestedAt; });
    player.on('loadedmetadata', () => player.playbackRate(rate));
    player.on('ratechange', () => { if (player.playbackRate() !== rate) player.playbackRate(rate); });
    player.src({ src, type: 'application/x-mpegURL' });
    player.playbackRate(rate);
    void player.play();
    return true;
  },
  state() {
    const player = window.player;
    const plugin = player.spkP2p();
    return {
      currentTime: player.currentTime(),
      duration: player.duration(),
      ended: this.ended,
      paused: player.paused(),
      errors: this.errors,
      stalls: this.stalls,
      stats: plugin.stats(),
      mode: plugin.mode,
      session: plugin.session,
      usingVhs: Boolean(player.tech(true).vhs),
      startupMs: this.startupMs ?? null,
    };
  },
  eventsOf(type) {
    return this.events.filter((event) => event.type === type);
  },
};
window.spkReady = true;
