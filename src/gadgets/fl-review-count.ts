import { LitElement, css, html, nothing } from 'lit';
import { DocsController } from '../controllers';

/**
 * The count on the navigation's "To review" entry: done work orders on this device, waiting for an
 * engineer to verify or reopen them. Nothing when there are none. A gadget of its own because the
 * shell provides the storage it would read (a provider does not answer its own requests).
 * Gadget methods: none; it lists from the storage in context and follows syncs.
 */
export class FlReviewCount extends LitElement {
  readonly #done = new DocsController<{ status: string }>(this, { query: () => 'type:work_order AND status:"done"', prefixes: ['work_order/'] });

  static override styles = css`
    :host { display: inline-flex; }
    span {
      min-width: 1.25rem; padding: 0 var(--sl-spacing-2x-small); border-radius: var(--sl-border-radius-pill); text-align: center;
      font-size: var(--sl-font-size-x-small); font-weight: var(--sl-font-weight-semibold); line-height: 1.25rem;
      background: var(--sl-color-primary-600); color: var(--sl-color-neutral-0);
    }
  `;

  /** How many done work orders wait (0 until listed). */
  get count(): number {
    return (this.#done.docs ?? []).filter((order) => order.status === 'done').length;
  }

  override render() {
    const count = this.count;
    return count > 0 ? html`<span data-count=${count} aria-label=${`${count} waiting`}>${count}</span>` : nothing;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-review-count': FlReviewCount;
  }
}
