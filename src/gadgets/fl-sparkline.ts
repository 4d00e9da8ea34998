import { LitElement, css, html, nothing, svg } from 'lit';

/**
 * A small line of recent values (SVG, no axes) for status tiles. Gadget methods: property
 * `values` (numbers, null for gaps), attribute `label` (what it shows, for screen readers).
 */
export class FlSparkline extends LitElement {
  static override properties = { values: { attribute: false }, label: { type: String } };

  declare values: Array<number | null>;
  declare label: string;

  constructor() {
    super();
    this.values = [];
    this.label = 'Recent values';
  }

  static override styles = css`
    :host { display: block; height: 2.5rem; color: var(--sl-color-primary-600); }
    svg { width: 100%; height: 100%; display: block; overflow: visible; }
    path { fill: none; stroke: currentColor; stroke-width: 1.5; vector-effect: non-scaling-stroke; stroke-linejoin: round; }
  `;

  override render() {
    const points = this.values;
    const finite = points.filter((value): value is number => value !== null && Number.isFinite(value));
    const min = Math.min(...finite);
    const max = Math.max(...finite);
    const span = max - min || 1;
    const step = points.length > 1 ? 100 / (points.length - 1) : 0;
    let path = '';
    let pen = false;
    points.forEach((value, index) => {
      if (value === null || !Number.isFinite(value)) {
        pen = false;
        return;
      }
      const x = (index * step).toFixed(2);
      const y = (30 - ((value - min) / span) * 28 - 1).toFixed(2);
      path += `${pen ? 'L' : 'M'}${x} ${y} `;
      pen = true;
    });
    return html`<svg viewBox="0 0 100 30" preserveAspectRatio="none" role="img" aria-label=${this.label}>${finite.length > 0 ? svg`<path d=${path.trim()}></path>` : nothing}</svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-sparkline': FlSparkline;
  }
}
