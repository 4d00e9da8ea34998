/**
 * Light or dark: follows the system (prefers-color-scheme) until the user picks one, and remembers
 * the pick on this device (localStorage). The theme is the class `sl-theme-dark` on <html>, which
 * switches Shoelace's tokens and ours (gadgets/design/theme.css) everywhere at once.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type ThemeChoice = 'system' | 'light' | 'dark';

const storageKey = 'fieldline-theme';
const choices: readonly ThemeChoice[] = ['system', 'light', 'dark'];

function remembered(): ThemeChoice {
  try {
    const value = localStorage.getItem(storageKey);
    return choices.find((choice) => choice === value) ?? 'system';
  } catch {
    return 'system'; // storage blocked (private mode, policy): follow the system
  }
}

/** Applies a choice to the document now (dark when chosen, or when `system` and the system is dark). */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): 'light' | 'dark' {
  const dark = choice === 'dark' || (choice === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  root.classList.toggle('sl-theme-dark', dark);
  root.classList.toggle('sl-theme-light', !dark);
  return dark ? 'dark' : 'light';
}

/** The theme the user chose and the one in effect; `choose()` switches and remembers. */
export class ThemeController implements ReactiveController {
  choice: ThemeChoice;
  effective: 'light' | 'dark' = 'light';
  readonly #host: ReactiveControllerHost;
  #media: MediaQueryList | undefined;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    this.choice = remembered();
    host.addController(this);
  }

  readonly #onSystemChange = () => {
    if (this.choice !== 'system') return;
    this.effective = applyTheme('system');
    this.#host.requestUpdate();
  };

  /** Switches to `choice` and remembers it on this device. */
  choose(choice: ThemeChoice): void {
    this.choice = choice;
    try {
      if (choice === 'system') localStorage.removeItem(storageKey);
      else localStorage.setItem(storageKey, choice);
    } catch {
      // Not remembered; it still applies now.
    }
    this.effective = applyTheme(choice);
    this.#host.requestUpdate();
  }

  hostConnected(): void {
    this.effective = applyTheme(this.choice);
    this.#media = matchMedia('(prefers-color-scheme: dark)');
    this.#media.addEventListener('change', this.#onSystemChange);
  }

  hostDisconnected(): void {
    this.#media?.removeEventListener('change', this.#onSystemChange);
  }
}
