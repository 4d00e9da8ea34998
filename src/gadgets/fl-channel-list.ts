import { LitElement, css, html } from 'lit';
import { ContextConsumer } from '@lit/context';
import { storageContext } from '../controllers';
import type { Doc } from '../storage';

interface ChannelRow {
  id: string;
  doc: Doc;
}

/**
 * The channels in local storage, each plotted with <fl-channel-chart>.
 * Gadget methods: `reload()` lists the channels again (after a sync or the demo seed).
 */
export class FlChannelList extends LitElement {
  static override properties = { channels: { state: true }, error: { state: true } };

  declare channels: ChannelRow[] | undefined;
  declare error: string | undefined;

  readonly #storage = new ContextConsumer(this, {
    context: storageContext,
    subscribe: true,
    callback: () => void this.reload(),
  });

  static override styles = css`
    :host { display: grid; gap: 1rem; }
    p { margin: 0; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  async reload(): Promise<void> {
    const storage = this.#storage.value;
    if (!storage) return;
    try {
      const result = await storage.allDocs({ query: 'type:channel', include_docs: true, sort_on: [['title', 'ascending']] });
      this.channels = result.rows.map((row) => ({ id: row.id, doc: row.doc! }));
      this.error = undefined;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  override render() {
    if (this.error) return html`<p role="alert">${this.error}</p>`;
    if (!this.channels) return html`<p>Loading channels…</p>`;
    if (this.channels.length === 0) return html`<p>No channels on this device yet.</p>`;
    return this.channels.map(
      (channel) =>
        html`<fl-channel-chart
          .array=${String(channel.doc.array)}
          .label=${String(channel.doc.title ?? channel.id)}
          .unit=${String(channel.doc.unit ?? '')}
        ></fl-channel-chart>`,
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-channel-list': FlChannelList;
  }
}
