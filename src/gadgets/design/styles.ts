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

/**
 * Native form controls (button, input, select, textarea, progress, meter) drawn with Shoelace's
 * own tokens, so they look and size exactly like sl-button / sl-input next to them: 44 px high,
 * the same borders, radius, focus ring and colours in both themes. For gadgets whose controls
 * other code drives as native elements; new forms use the sl-* components directly.
 * A `type="submit"` button (or `.primary`) is the primary action; `.danger` a destructive one.
 */
export const controlStyles = css`
  button, input, select, textarea { font: inherit; font-size: var(--sl-input-font-size-medium); color: var(--sl-input-color); box-sizing: border-box; }
  input:not([type='checkbox']):not([type='radio']):not([type='file']), select, textarea {
    min-height: var(--sl-input-height-medium);
    padding: 0 var(--sl-input-spacing-medium);
    background: var(--sl-input-background-color);
    border: solid var(--sl-input-border-width) var(--sl-input-border-color);
    border-radius: var(--sl-input-border-radius-medium);
    transition: var(--sl-transition-fast) border-color, var(--sl-transition-fast) box-shadow;
  }
  textarea { padding: var(--sl-spacing-x-small) var(--sl-input-spacing-medium); min-height: 6rem; line-height: var(--sl-line-height-normal); width: 100%; }
  input:hover:not(:disabled), select:hover:not(:disabled), textarea:hover:not(:disabled) { border-color: var(--sl-input-border-color-hover); }
  input:focus-visible, select:focus-visible, textarea:focus-visible {
    outline: none;
    border-color: var(--sl-input-border-color-focus);
    box-shadow: 0 0 0 var(--sl-focus-ring-width) var(--sl-input-focus-ring-color);
  }
  input[type='checkbox'], input[type='radio'] { width: 1.25rem; height: 1.25rem; accent-color: var(--sl-color-primary-600); }
  input[type='file'] { min-height: var(--fl-touch); }
  input[type='file']::file-selector-button { font: inherit; min-height: var(--fl-touch); margin-inline-end: var(--sl-spacing-small); padding: 0 var(--sl-spacing-medium); border-radius: var(--sl-input-border-radius-medium); border: solid 1px var(--sl-color-neutral-300); background: var(--sl-color-neutral-0); color: var(--sl-color-neutral-700); cursor: pointer; }
  label { font-size: var(--sl-input-label-font-size-medium); color: var(--sl-input-label-color); }
  button {
    display: inline-flex; align-items: center; justify-content: center; gap: var(--sl-spacing-x-small);
    min-height: var(--sl-input-height-medium); min-width: var(--fl-touch); padding: 0 var(--sl-spacing-medium);
    border-radius: var(--sl-input-border-radius-medium); border: solid var(--sl-input-border-width) var(--sl-color-neutral-300);
    background: var(--sl-color-neutral-0); color: var(--sl-color-neutral-700);
    font-weight: var(--sl-font-weight-semibold); cursor: pointer;
    transition: var(--sl-transition-fast) background-color, var(--sl-transition-fast) border-color, var(--sl-transition-fast) color;
  }
  button:hover:not(:disabled) { background: var(--sl-color-primary-50); border-color: var(--sl-color-primary-300); color: var(--sl-color-primary-700); }
  button:focus-visible { outline: var(--sl-focus-ring); outline-offset: var(--sl-focus-ring-offset); }
  button[type='submit'], button.primary { background: var(--sl-color-primary-600); border-color: var(--sl-color-primary-600); color: var(--sl-color-neutral-0); }
  button[type='submit']:hover:not(:disabled), button.primary:hover:not(:disabled) { background: var(--sl-color-primary-700); border-color: var(--sl-color-primary-700); color: var(--sl-color-neutral-0); }
  button.danger, button.really { background: var(--sl-color-danger-600); border-color: var(--sl-color-danger-600); color: var(--sl-color-neutral-0); }
  button:disabled { opacity: 0.5; cursor: not-allowed; }
  progress, meter { width: 100%; max-width: 30rem; height: 0.75rem; accent-color: var(--sl-color-primary-600); }
  fieldset { border: 1px solid var(--fl-border); border-radius: var(--fl-radius); padding: var(--sl-spacing-medium); margin: 0; display: grid; gap: var(--sl-spacing-small); background: var(--fl-surface); }
  legend { font-weight: var(--sl-font-weight-semibold); padding: 0 var(--sl-spacing-2x-small); }
  code { font-family: var(--sl-font-mono); font-size: 0.9em; background: var(--sl-color-neutral-100); padding: 0 var(--sl-spacing-3x-small); border-radius: var(--sl-border-radius-small); }
  pre { font-family: var(--sl-font-mono); font-size: var(--sl-font-size-small); background: var(--sl-color-neutral-100); color: var(--sl-color-neutral-900); padding: var(--sl-spacing-small); border-radius: var(--fl-radius); overflow-x: auto; }
  [role='alert'] { color: var(--fl-danger); }
`;
