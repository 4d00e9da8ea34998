import { LitElement, css, html, nothing } from 'lit';
import { baseStyles, controlStyles } from './design/styles';

/**
 * Signs in to the companion server (POST /api/session; the server sets the session cookie the
 * app's requests carry). Gadget methods: attribute `legend` (what signing in is for); fires
 * `fl-signed-in` (bubbles, composed) with `{username, role}` once signed in.
 */
export class FlSignIn extends LitElement {
  static override properties = { legend: { type: String }, error: { state: true }, busy: { state: true } };

  declare legend: string;
  declare error: string | undefined;
  declare busy: boolean;

  constructor() {
    super();
    this.legend = 'Sign in';
    this.busy = false;
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      fieldset { gap: var(--sl-spacing-medium); }
      .row { display: grid; gap: var(--sl-spacing-medium); grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }
      [role='alert'] { color: var(--fl-danger); margin: 0; }
    `,
  ];

  async #submit(event: Event): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    this.busy = true;
    const response = await fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
    }).catch(() => undefined);
    this.busy = false;
    if (!response?.ok) {
      this.error = !response ? 'The server cannot be reached.' : response.status === 429 ? 'Too many attempts: wait a minute.' : 'Sign-in refused: check the user name and password.';
      return;
    }
    this.error = undefined;
    const { user } = (await response.json()) as { user: { username: string; role: string } };
    this.dispatchEvent(new CustomEvent('fl-signed-in', { detail: user, bubbles: true, composed: true }));
  }

  override render() {
    return html`<form aria-label="Sign in" @submit=${(event: Event) => void this.#submit(event)}>
      <fieldset>
        <legend>${this.legend}</legend>
        <div class="row">
          <sl-input name="username" label="User name" autocomplete="username" required></sl-input>
          <sl-input name="password" label="Password" type="password" autocomplete="current-password" required></sl-input>
        </div>
        ${this.error ? html`<p role="alert">${this.error}</p>` : nothing}
        <div><sl-button type="submit" variant="primary" ?loading=${this.busy} ?disabled=${this.busy}>Sign in</sl-button></div>
      </fieldset>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-sign-in': FlSignIn;
  }
}
