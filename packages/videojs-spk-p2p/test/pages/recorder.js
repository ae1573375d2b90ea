// Records what a player and its spkP2p plugin report, for tests to read back through
// window.spkRecords[id]. A classic script, so pages load it the way sites load analytics.
(function () {
  const EVENTS = ['peerconnect', 'peerclose', 'segmentloaded', 'stats', 'modechange', 'integrityfailure', 'peerreport', 'coreready', 'optionserror', 'cdnfallback', 'sourcechange', 'swarmrejoin'];
  const records = (window.spkRecords = window.spkRecords || {});
  const warnings = (window.spkWarnings = window.spkWarnings || []);
  const warn = console.warn.bind(console);
  console.warn = (...args) => {
    warnings.push(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' '));
    warn(...args);
  };
  window.addEventListener('error', (event) => (window.spkPageErrors = window.spkPageErrors || []).push(String(event.message)));
  window.addEventListener('unhandledrejection', (event) => (window.spkPageErrors = window.spkPageErrors || []).push(String(event.reason)));

  /** Starts recording a player; `plugin` may be omitted while the plugin is not yet added. */
  window.recordPlayer = function (id, player) {
    const record = { events: [], errors: [], stalls: [], ended: false, firstPlaying: null, attached: false };
    records[id] = record;
    record.attach = function (plugin) {
      if (record.attached) return;
      record.attached = true;
      for (const name of EVENTS) {
        plugin.on(name, (_event, data) => {
          const { plugin: _p, instance: _i, name: _n, ...rest } = data || {};
          record.events.push({ type: name, at: performance.now(), ...rest });
        });
      }
    };
    player.on('error', () => record.errors.push(String(player.error() && player.error().message)));
    window.spkWatchStalls(player, record.stalls);
    player.on('playing', () => { if (record.firstPlaying === null) record.firstPlaying = performance.now(); });
    player.on('ended', () => { record.ended = true; });
    player.on('loadstart', () => { record.ended = false; });
    return record;
  };

  /** A JSON-safe snapshot of one recorded player. */
  window.spkState = function (id) {
    const player = window.videojs.getPlayer(id);
    const record = records[id];
    const plugin = player && player.usingPlugin('spkP2p') ? player.spkP2p() : undefined;
    return {
      currentTime: player ? player.currentTime() : 0,
      ended: record.ended,
      errors: record.errors.concat(window.spkPageErrors || []),
      stalls: record.stalls,
      stats: plugin ? plugin.stats() : null,
      mode: plugin ? plugin.mode : null,
      videoCid: (plugin && plugin.videoCid) || null,
      warnings: window.spkWarnings,
      playing: record.firstPlaying !== null,
    };
  };
  window.spkEvents = function (id, type) {
    return records[id].events.filter((event) => event.type === type);
  };
})();
