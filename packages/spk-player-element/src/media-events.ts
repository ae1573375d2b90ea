/**
 * HTMLMediaElement events the element re-dispatches from its Video.js player, so pages can
 * listen on `<spk-player>` as they would on `<video>`. `error` is not here: the element
 * dispatches its own, richer `error` only when it shows its error state (a gateway that fails
 * over to the next one is not an error for the page).
 */
export const FORWARDED_MEDIA_EVENTS: readonly string[] = Object.freeze([
  'loadstart',
  'loadedmetadata',
  'loadeddata',
  'canplay',
  'canplaythrough',
  'play',
  'playing',
  'pause',
  'waiting',
  'seeking',
  'seeked',
  'timeupdate',
  'durationchange',
  'progress',
  'ratechange',
  'volumechange',
  'ended',
]);
