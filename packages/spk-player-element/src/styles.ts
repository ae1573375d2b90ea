import { css } from 'lit';

/**
 * The element's own look. Theming goes through custom properties (all prefixed `--spk-`) and
 * the parts listed in the README; Video.js's stylesheet is adopted underneath these rules.
 */
export const playerStyles = css`
  :host {
    --_accent: var(--spk-accent, #e31337);
    --_radius: var(--spk-radius, 0px);
    display: block;
    position: relative;
    width: 100%;
    aspect-ratio: var(--_aspect-ratio, 16 / 9);
    background: var(--spk-background, #000);
    color: var(--spk-color, #fff);
    font-family: var(--spk-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    border-radius: var(--_radius);
    overflow: hidden;
    contain: content;
  }
  :host([hidden]) {
    display: none;
  }
  .frame,
  .stage,
  .overlay {
    position: absolute;
    inset: 0;
  }
  .stage .video-js {
    width: 100%;
    height: 100%;
    font-family: inherit;
  }
  .overlay {
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 0.75em;
    padding: 1em;
    box-sizing: border-box;
    text-align: center;
  }
  .placeholder {
    cursor: pointer;
    background: var(--spk-background, #000) center / cover no-repeat;
  }
  .placeholder img {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  .play-button {
    position: relative;
    width: 4.5em;
    height: 4.5em;
    border-radius: 50%;
    border: 0;
    background: var(--_accent);
    color: #fff;
    cursor: pointer;
    display: grid;
    place-items: center;
    box-shadow: 0 2px 12px rgb(0 0 0 / 40%);
  }
  .play-button svg {
    width: 45%;
    height: 45%;
    margin-left: 8%;
    fill: currentColor;
  }
  .play-button[aria-busy='true'] {
    opacity: 0.7;
  }
  .title {
    position: absolute;
    top: 0;
    left: 0;
    right: 0;
    margin: 0;
    padding: 0.75em 1em 1.5em;
    font-size: 1em;
    font-weight: 600;
    text-align: left;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
    background: linear-gradient(rgb(0 0 0 / 65%), transparent);
    pointer-events: none;
  }
  .error {
    background: var(--spk-error-background, #1b1b1f);
    color: var(--spk-error-color, #f5f5f5);
    z-index: 2;
  }
  .error-title {
    margin: 0;
    font-size: 1.1em;
    font-weight: 600;
  }
  .error-title::before {
    content: '⚠ ';
    color: var(--_accent);
  }
  .error-detail {
    margin: 0;
    max-width: 40em;
    font-size: 0.9em;
    opacity: 0.85;
    overflow-wrap: anywhere;
  }
  .retry {
    font: inherit;
    padding: 0.4em 1.2em;
    border-radius: 999px;
    border: 0;
    background: var(--_accent);
    color: #fff;
    cursor: pointer;
  }
  .retry:focus-visible,
  .play-button:focus-visible {
    outline: 2px solid #fff;
    outline-offset: 2px;
  }
  /* Video.js accents: progress, volume and the big play button follow --spk-accent. */
  .video-js .vjs-play-progress,
  .video-js .vjs-volume-level {
    background-color: var(--_accent);
  }
  .video-js .vjs-big-play-button {
    background-color: var(--_accent);
    border: 0;
    border-radius: 50%;
    width: 2em;
    height: 2em;
    line-height: 2em;
    margin-left: -1em;
    margin-top: -1em;
  }
  .video-js:hover .vjs-big-play-button,
  .video-js .vjs-big-play-button:focus {
    background-color: var(--_accent);
    filter: brightness(1.1);
  }
  .video-js .vjs-control-bar {
    background-color: var(--spk-control-bar-background, rgb(0 0 0 / 55%));
  }
  .video-js .vjs-svg-icon {
    fill: currentColor;
  }
`;
