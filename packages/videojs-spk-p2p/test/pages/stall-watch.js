// One definition of a stall for every test page: playback that had begun waits for data (not
// for a seek) and resumes at least MIN_STALL_MS later. Shorter waits are a late frame, which
// Chromium reports as `waiting` on a busy machine, not a pause a viewer sees. A classic script
// (site pages load it like analytics); ES module pages import it for its side effect.
(function () {
  const MIN_STALL_MS = 50;
  /**
   * Pushes each stall's milliseconds onto `stalls`. `media` is a media element or a Video.js
   * player: both give the same events, one as properties, the other as methods.
   */
  window.spkWatchStalls = function (media, stalls) {
    const read = (name) => (typeof media[name] === 'function' ? media[name]() : media[name]);
    const on = (type, listener) => (media.addEventListener ? media.addEventListener(type, listener) : media.on(type, listener));
    let waitingSince;
    on('waiting', () => {
      if (read('currentTime') > 0.5 && !read('seeking')) waitingSince = performance.now();
    });
    on('seeking', () => { waitingSince = undefined; });
    const resumed = () => {
      if (waitingSince === undefined || read('paused') || read('readyState') < 3) return;
      const ms = performance.now() - waitingSince;
      waitingSince = undefined;
      if (ms >= MIN_STALL_MS) stalls.push(ms);
    };
    on('playing', resumed);
    on('timeupdate', resumed);
  };
})();
