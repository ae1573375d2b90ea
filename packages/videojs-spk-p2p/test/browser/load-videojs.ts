/**
 * Video.js's own build, loaded once as a page loads it (a classic script from node_modules), so
 * the browser specs drive the real player, VHS and xhr. Resolves with `window.videojs`.
 */
export async function loadVideojs<T>(): Promise<T> {
  const global = window as unknown as { videojs?: T };
  if (!global.videojs) {
    const script = document.createElement('script');
    script.src = '/node_modules/video.js/dist/video.min.js';
    await new Promise((resolve, reject) => {
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
  }
  return global.videojs!;
}
