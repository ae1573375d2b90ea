/**
 * Runs in every benchmark page before its own scripts (Playwright init script): notes, in
 * milliseconds from navigation start, when the page reaches each start-up phase that has no
 * resource-timing entry (video element created, transmux worker started, MediaSource opened,
 * first SourceBuffer, first append and its end, `playing`, first presented frame). The same
 * probe runs on every page, so it costs each player the same.
 */
export interface StartupMarks {
  videoCreated?: number;
  workerStarted?: number;
  mediaSourceAttached?: number;
  sourceBufferAdded?: number;
  firstAppend?: number;
  firstAppendEnd?: number;
  playing?: number;
  firstFrame?: number;
}

declare global {
  interface Window {
    spkStartup?: StartupMarks;
  }
}

/**
 * Added with \`page.addInitScript\` (a string, as the bundler's helpers would be missing from a
 * serialised function).
 */
export const STARTUP_PROBE_SCRIPT = `(() => {
  const marks = {};
  window.spkStartup = marks;
  const once = (name, at = performance.now()) => {
    if (marks[name] === undefined) marks[name] = at;
  };
  const watched = new WeakSet();
  const watch = (video) => {
    if (watched.has(video) || !(video instanceof HTMLVideoElement)) return;
    watched.add(video);
    video.addEventListener('playing', () => once('playing'));
    const frame = (_now, meta) => {
      if (video.currentTime > 0 || meta.presentedFrames > 0) once('firstFrame', meta.presentationTime);
      else video.requestVideoFrameCallback(frame);
    };
    video.requestVideoFrameCallback(frame);
  };
  const createElement = Document.prototype.createElement;
  Document.prototype.createElement = function (tag, options) {
    const element = createElement.call(this, tag, options);
    if (element instanceof HTMLVideoElement) {
      once('videoCreated');
      watch(element);
    }
    return element;
  };
  // Players that attach MSE to a <video> from the markup (hls.js) set its src to a blob URL.
  const srcProperty = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'src');
  Object.defineProperty(HTMLMediaElement.prototype, 'src', {
    ...srcProperty,
    set(value) {
      watch(this);
      if (String(value).startsWith('blob:')) once('mediaSourceAttached');
      srcProperty.set.call(this, value);
    },
  });
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(url, options) {
      once('workerStarted');
      super(url, options);
    }
  };
  const addSourceBuffer = MediaSource.prototype.addSourceBuffer;
  MediaSource.prototype.addSourceBuffer = function (type) {
    once('sourceBufferAdded');
    return addSourceBuffer.call(this, type);
  };
  const appendBuffer = SourceBuffer.prototype.appendBuffer;
  SourceBuffer.prototype.appendBuffer = function (data) {
    if (marks.firstAppend === undefined) {
      once('firstAppend');
      this.addEventListener('updateend', () => once('firstAppendEnd'), { once: true });
    }
    appendBuffer.call(this, data);
  };
})();`;
