/**
 * Styles every gadget shares (add `static styles = [baseStyles, css`…`]`): type scale, spacing,
 * surfaces, visible focus, 44 px touch targets for our own links and buttons, and small layout
 * helpers. They use the theme's tokens only (theme.css), so light and dark both follow.
 */
import { css } from 'lit';

export const baseStyles = css`
  :host {
    color: var(--fl-text);
    font-family: var(--sl-font-sans);
    font-size: var(--sl-font-size-medium);
    line-height: var(--sl-line-height-normal);
  }
  h1, h2, h3, h4 { line-height: var(--sl-line-height-dense); margin: 0; font-weight: var(--sl-font-weight-semibold); }
  h2 { font-size: var(--sl-font-size-x-large); }
  h3 { font-size: var(--sl-font-size-large); }
  h4 { font-size: var(--sl-font-size-medium); }
  p { margin: 0; }
  a { color: var(--fl-link); text-underline-offset: 0.15em; }
  a:focus-visible, button:focus-visible, [tabindex]:focus-visible, summary:focus-visible {
    outline: var(--sl-focus-ring);
    outline-offset: var(--sl-focus-ring-offset);
    border-radius: var(--sl-border-radius-small);
  }
  .stack { display: grid; gap: var(--sl-spacing-medium); align-content: start; }
  .row { display: flex; gap: var(--sl-spacing-small); flex-wrap: wrap; align-items: center; }
  .muted { color: var(--fl-text-muted); }
  .small { font-size: var(--sl-font-size-small); }
  .panel {
    background: var(--fl-surface);
    border: 1px solid var(--fl-border);
    border-radius: var(--fl-radius);
    padding: var(--sl-spacing-medium);
  }
  .touch { min-height: var(--fl-touch); min-width: var(--fl-touch); display: inline-flex; align-items: center; }
  [role='alert'].error, .error { color: var(--fl-danger); }
  .tiles { display: grid; gap: var(--sl-spacing-medium); grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: start; padding: var(--sl-spacing-x-small) var(--sl-spacing-small); border-bottom: 1px solid var(--fl-border); }
  th { font-weight: var(--sl-font-weight-semibold); color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
  .numeric { font-variant-numeric: tabular-nums; text-align: end; }
`;
