// Rollup plugin: `import text from 'x.css'` gives the stylesheet as a string. @font-face rules
// are dropped: fonts declared inside a shadow root are ignored, and <spk-player> uses
// Video.js's SVG icons, so the embedded icon font would only be dead weight.
import { readFile } from 'node:fs/promises';

export function stripFontFaces(css) {
  return css.replace(/@font-face\s*\{[^}]*\}/g, '');
}

export default function cssText() {
  return {
    name: 'spk-css-text',
    async load(id) {
      if (!id.endsWith('.css')) return null;
      const css = stripFontFaces(await readFile(id, 'utf8'));
      return { code: `export default ${JSON.stringify(css)};`, map: { mappings: '' } };
    },
  };
}
