/** Whether VHS can play here through Media Source Extensions (or ManagedMediaSource, iOS 17.1+, when allowed). */
export function mseAvailable(allowManaged: boolean): boolean {
  const scope = globalThis as { MediaSource?: unknown; WebKitMediaSource?: unknown; ManagedMediaSource?: unknown };
  if (typeof scope.MediaSource === 'function' || typeof scope.WebKitMediaSource === 'function') return true;
  return allowManaged && typeof scope.ManagedMediaSource === 'function';
}
