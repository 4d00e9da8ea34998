import { LitElement, css, html, type PropertyValues } from 'lit';
import { EditorView, basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { Annotation, Compartment, EditorState } from '@codemirror/state';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { baseStyles } from './design/styles';

/** Marks a transaction that sets `value` from outside (no `fl-change` for it). */
const external = Annotation.define<boolean>();

/**
 * Colours of the code, from the theme's tokens: Shoelace's dark theme inverts its colour scales,
 * so the same variables keep their contrast in light and dark (CodeMirror's default style has
 * fixed colours that are unreadable on a dark surface).
 */
const tokenHighlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.definitionKeyword, tags.moduleKeyword], color: 'var(--sl-color-primary-700)', fontWeight: '600' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--sl-color-violet-700)' },
  { tag: [tags.string, tags.regexp], color: 'var(--sl-color-success-700)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--fl-text-muted)', fontStyle: 'italic' },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], color: 'var(--sl-color-sky-700)' },
  { tag: tags.definition(tags.variableName), color: 'var(--sl-color-amber-800)' },
  { tag: tags.invalid, color: 'var(--fl-danger)' },
]);

/** The editor's frame and gutters in the theme's tokens (surface, border, text, focus ring). */
const tokenTheme = EditorView.theme({
  '&': { backgroundColor: 'var(--sl-input-background-color)', color: 'var(--fl-text)', border: '1px solid var(--sl-input-border-color)', borderRadius: 'var(--sl-input-border-radius-medium)', fontSize: 'var(--sl-font-size-small)' },
  '&.cm-focused': { outline: 'none', borderColor: 'var(--sl-input-border-color-focus)', boxShadow: '0 0 0 var(--sl-focus-ring-width) var(--sl-input-focus-ring-color)' },
  '.cm-scroller': { fontFamily: 'var(--sl-font-mono)', lineHeight: '1.6' },
  '.cm-content': { caretColor: 'var(--fl-text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fl-text)' },
  '.cm-gutters': { backgroundColor: 'var(--fl-surface)', color: 'var(--fl-text-muted)', borderRight: '1px solid var(--fl-border)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--sl-color-primary-500) 8%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--sl-color-primary-500) 14%, transparent)', color: 'var(--fl-text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': { backgroundColor: 'color-mix(in srgb, var(--sl-color-primary-500) 30%, transparent)' },
  '.cm-matchingBracket': { backgroundColor: 'color-mix(in srgb, var(--sl-color-primary-500) 25%, transparent)', outline: 'none' },
  '.cm-tooltip': { backgroundColor: 'var(--fl-surface-raised)', color: 'var(--fl-text)', border: '1px solid var(--fl-border)' },
  '.cm-panels': { backgroundColor: 'var(--fl-surface)', color: 'var(--fl-text)' },
});

/**
 * A JavaScript editor for user kernels (CodeMirror 6 in the shadow root): line numbers, brackets,
 * history, search, JavaScript highlighting in the theme's tokens (light and dark), a visible label
 * that also names the editable region for screen readers.
 * Properties: `value` (the source; setting it replaces the text without an event), `label`.
 * Events: `fl-change` {value} (bubbles, composed) after every edit the user makes.
 * Method: `focus()` puts the caret in the editor. Attribute for tests: the editable region is
 * `.cm-content` in the shadow root.
 */
export class FlKernelEditor extends LitElement {
  static override properties = {
    value: { type: String },
    label: { type: String },
  };

  declare value: string;
  declare label: string;

  #view: EditorView | undefined;
  /** The content's accessible name follows `label` without rebuilding the editor. */
  readonly #labelled = new Compartment();

  constructor() {
    super();
    this.value = '';
    this.label = 'Kernel source';
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-2x-small); min-width: 0; }
      label { font-size: var(--sl-input-label-font-size-medium); color: var(--sl-input-label-color); }
      .host { min-width: 0; }
      .host .cm-editor { min-height: 16rem; max-height: 50vh; }
      .host .cm-scroller { min-height: 16rem; }
    `,
  ];

  override render() {
    return html`<label id="label" @click=${() => this.focus()}>${this.label}</label><div class="host"></div>`;
  }

  protected override firstUpdated(): void {
    const parent = this.renderRoot.querySelector<HTMLElement>('.host')!;
    this.#view = new EditorView({
      parent,
      // Inside a shadow root CodeMirror must know it, or it measures and styles the document instead.
      root: this.shadowRoot!,
      state: EditorState.create({
        doc: this.value,
        extensions: [
          basicSetup,
          javascript(),
          syntaxHighlighting(tokenHighlight),
          tokenTheme,
          this.#labelled.of(this.#contentAttributes()),
          EditorView.updateListener.of((update) => {
            // Only the user's edits are announced; a `value` set from outside is not an edit.
            if (!update.docChanged || update.transactions.every((transaction) => transaction.annotation(external) === true)) return;
            this.value = update.state.doc.toString();
            this.dispatchEvent(new CustomEvent('fl-change', { detail: { value: this.value }, bubbles: true, composed: true }));
          }),
        ],
      }),
    });
  }

  #contentAttributes() {
    // tabindex 0 changes nothing for the keyboard (the editable content is a tab stop anyway),
    // but checkers such as axe count only it as the scroller's focusable content.
    return EditorView.contentAttributes.of({ 'aria-label': this.label, tabindex: '0' });
  }

  protected override updated(changed: PropertyValues<this>): void {
    const view = this.#view;
    if (!view) return;
    if (changed.has('value') && view.state.doc.toString() !== this.value) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: this.value }, annotations: external.of(true) });
    }
    if (changed.has('label')) view.dispatch({ effects: this.#labelled.reconfigure(this.#contentAttributes()) });
  }

  override focus(): void {
    this.#view?.focus();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-kernel-editor': FlKernelEditor;
  }
}
