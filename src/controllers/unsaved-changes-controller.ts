/**
 * The unsaved-changes guard. A form gadget creates one `UnsavedChangesController(host, {dirty})`;
 * while `dirty()` is true, closing or reloading the tab asks the browser's "leave site?" question
 * (beforeunload), and an in-app route change asks the user first (RouteController calls
 * `unsavedChanges()` and, when something is unsaved, shows its confirmation before leaving).
 * Guards find each other through a synchronous window event, so no module-level registry exists
 * and a disconnected form is simply no longer asked.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

const checkEvent = 'fl-unsaved-check';

interface CheckDetail {
  unsaved: string[];
}

/**
 * What is unsaved right now, one description per dirty form (empty when all is saved). Any code
 * about to drop the current view (route change, sign out) asks this first.
 */
export function unsavedChanges(target: EventTarget = window): string[] {
  const detail: CheckDetail = { unsaved: [] };
  target.dispatchEvent(new CustomEvent<CheckDetail>(checkEvent, { detail }));
  return detail.unsaved;
}

export interface UnsavedChangesOptions {
  /** Whether the form holds changes that are not saved yet. */
  dirty: () => boolean;
  /** What is unsaved, for the confirmation ("the notes of work order Pump 3"). */
  describe?: () => string;
  /** Where the checks arrive (default window; tests may pass their own target). */
  target?: EventTarget & Pick<Window, 'addEventListener' | 'removeEventListener'>;
}

/** Registers a form's dirty state with the guard while its host is connected. */
export class UnsavedChangesController implements ReactiveController {
  readonly #options: UnsavedChangesOptions;
  readonly #target: EventTarget;

  constructor(host: ReactiveControllerHost, options: UnsavedChangesOptions) {
    this.#options = options;
    this.#target = options.target ?? window;
    host.addController(this);
  }

  readonly #onCheck = (event: Event) => {
    if (!this.#options.dirty()) return;
    (event as CustomEvent<CheckDetail>).detail.unsaved.push(this.#options.describe?.() ?? 'unsaved changes');
  };

  readonly #onBeforeUnload = (event: Event) => {
    if (!this.#options.dirty()) return;
    // preventDefault is the standard; returnValue is what older Chromium still looks at.
    event.preventDefault();
    (event as BeforeUnloadEvent).returnValue = '';
  };

  hostConnected(): void {
    this.#target.addEventListener(checkEvent, this.#onCheck);
    this.#target.addEventListener('beforeunload', this.#onBeforeUnload);
  }

  hostDisconnected(): void {
    this.#target.removeEventListener(checkEvent, this.#onCheck);
    this.#target.removeEventListener('beforeunload', this.#onBeforeUnload);
  }
}
