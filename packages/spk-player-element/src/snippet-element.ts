import { LitElement, css, html, nothing } from 'lit';
import { buildEmbedSnippets, type EmbedSnippets } from './snippet.js';

/**
 * `<spk-embed-snippet v="owner/permlink" script-src=… embed-src=… oembed-src=…>`: shows the
 * three ways to embed a video, each with a copy button. Relative URLs resolve against the page.
 */
export class SpkEmbedSnippet extends LitElement {
  static override properties = {
    v: { type: String, reflect: true },
    cid: { type: String, reflect: true },
    scriptSrc: { type: String, reflect: true, attribute: 'script-src' },
    embedSrc: { type: String, reflect: true, attribute: 'embed-src' },
    oembedSrc: { type: String, reflect: true, attribute: 'oembed-src' },
    copied: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      font-family: var(--spk-font-family, system-ui, sans-serif);
    }
    label {
      display: block;
      font-weight: 600;
      margin: 0.75em 0 0.25em;
    }
    .row {
      display: flex;
      gap: 0.5em;
      align-items: flex-start;
    }
    textarea {
      flex: 1;
      font: 0.85em ui-monospace, monospace;
      resize: vertical;
      min-height: 3.2em;
    }
    button {
      font: inherit;
      padding: 0.3em 0.9em;
      border: 0;
      border-radius: 4px;
      background: var(--spk-accent, #e31337);
      color: #fff;
      cursor: pointer;
    }
    .error {
      color: var(--spk-error-color, #b00020);
    }
  `;

  declare v: string | null;
  declare cid: string | null;
  declare scriptSrc: string | null;
  declare embedSrc: string | null;
  declare oembedSrc: string | null;
  private declare copied: string | undefined;

  constructor() {
    super();
    this.v = null;
    this.cid = null;
    this.scriptSrc = null;
    this.embedSrc = null;
    this.oembedSrc = null;
  }

  /** The snippets for the current attributes, or an Error saying what is wrong. */
  get snippets(): EmbedSnippets | Error {
    try {
      const base = document.baseURI;
      return buildEmbedSnippets({
        v: this.v ?? undefined,
        cid: this.cid ?? undefined,
        scriptUrl: new URL(this.scriptSrc ?? 'spk-player.js', base).href,
        embedUrl: new URL(this.embedSrc ?? 'embed.html', base).href,
        oembedEndpoint: new URL(this.oembedSrc ?? '/oembed', base).href,
      });
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  protected override render() {
    const snippets = this.snippets;
    if (snippets instanceof Error) {
      return html`<p class="error" part="error" role="alert">Cannot build embed snippets: ${snippets.message}</p>`;
    }
    const rows: [keyof EmbedSnippets, string][] = [
      ['tag', 'Web page (one tag)'],
      ['iframe', 'Blog (iframe)'],
      ['embedPageUrl', 'Link (paste into an oEmbed-aware blog)'],
      ['oembedUrl', 'oEmbed URL'],
    ];
    return rows.map(
      ([key, label]) => html`
        <label part="label" for=${key}>${label}</label>
        <div class="row">
          <textarea id=${key} part="code" readonly rows=${key === 'tag' ? 2 : 1} .value=${snippets[key]}></textarea>
          <button part="copy" type="button" @click=${() => this.copy(key, snippets[key])}>
            ${this.copied === key ? 'Copied' : 'Copy'}
          </button>
        </div>
        ${nothing}
      `,
    );
  }

  private async copy(key: string, text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.copied = key;
    } catch {
      // Clipboard access can be denied (insecure context, permissions): select the text instead.
      const area = this.renderRoot.querySelector<HTMLTextAreaElement>(`#${key}`);
      area?.select();
    }
  }
}
