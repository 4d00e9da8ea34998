import { LitElement, css, unsafeCSS, type CSSResult } from 'lit';

/**
 * The frame of the explorer's canvas figures (the spectrogram, the XY scatter): a canvas of the
 * host's width and a fixed height, drawn again after every update, on every resize and when the
 * theme changes (a class on <html>: canvas colours cannot follow CSS by themselves), and the
 * legend's look. Subclasses render a `<canvas>` and implement `draw()`.
 */
export abstract class CanvasFigure extends LitElement {
  #resize: ResizeObserver | undefined;
  #theme: MutationObserver | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize = new ResizeObserver(() => this.draw());
    this.#theme = new MutationObserver(() => this.draw());
    this.#theme.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#theme?.disconnect();
  }

  protected override firstUpdated(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    if (canvas) this.#resize?.observe(canvas);
  }

  protected override updated(): void {
    this.draw();
  }

  /** Paints the figure onto its canvas (at the canvas's width, in the theme's colours now). */
  protected abstract draw(): void;
}

/** The styles of a canvas figure `height` CSS px high, with its colour legend. */
export function canvasFigureStyles(height: number): CSSResult {
  return css`
    :host { display: block; }
    canvas { display: block; width: 100%; height: ${unsafeCSS(height)}px; }
    .legend { display: grid; grid-template-columns: max-content max-content minmax(8rem, 20rem) max-content; justify-content: start; align-items: center; gap: var(--sl-spacing-x-small); margin-top: var(--sl-spacing-x-small); font-size: var(--sl-font-size-small); color: var(--fl-text-muted); }
    .bar { height: 0.75rem; border-radius: 2px; border: 1px solid var(--fl-border); }
  `;
}
