import { LitElement, html } from 'lit';
import { baseStyles } from './design/styles';

/**
 * The engineer's channel explorer (#/explore): channels picked from the asset tree or by search,
 * stacked panels on one shared time axis, analysis of the visible range, algorithms and export.
 * (Being built: see issue 16.)
 */
export class FlExplorer extends LitElement {
  static override styles = [baseStyles];

  override render() {
    return html`<p class="muted">Pick channels to explore.</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-explorer': FlExplorer;
  }
}
