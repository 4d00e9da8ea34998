/**
 * The number on the installed app's icon (Badging API: `navigator.setAppBadge`, Chromium and
 * Safari for installed apps): open, unshelved, in-service, unacknowledged alarms of the user's
 * sites (the ones on this device). Where the API is missing nothing happens; where it refuses
 * (not installed, no permission) the header's badge still shows the number.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The part of `navigator` the badge uses (tests pass their own). */
export interface BadgeApi {
  setAppBadge?: (contents?: number) => Promise<void>;
  clearAppBadge?: () => Promise<void>;
}

/** Sets the app icon's badge to `count` (clears it at 0). Resolves false where unsupported or refused. */
export async function setAppBadge(count: number, api: BadgeApi = navigator as unknown as BadgeApi): Promise<boolean> {
  try {
    if (count > 0 && typeof api.setAppBadge === 'function') {
      await api.setAppBadge(count);
      return true;
    }
    if (count === 0 && typeof api.clearAppBadge === 'function') {
      await api.clearAppBadge();
      return true;
    }
    if (count === 0 && typeof api.setAppBadge === 'function') {
      await api.setAppBadge(0); // the spec: 0 clears
      return true;
    }
  } catch {
    // Refused (e.g. a page that is not an installed app in some browsers): the header shows it.
  }
  return false;
}

export interface AppBadgeOptions {
  /** The count now (read after every host update). */
  count: () => number | undefined;
  /** Where the badge goes (read at each change; undefined: `navigator`). */
  api?: () => BadgeApi | undefined;
}

/** Keeps the app icon's badge at `count()`: calls the API only when the number changes. */
export class AppBadgeController implements ReactiveController {
  readonly #options: AppBadgeOptions;
  #shown: number | undefined;

  constructor(host: ReactiveControllerHost, options: AppBadgeOptions) {
    this.#options = options;
    host.addController(this);
  }

  /** The number last handed to the API (undefined: none yet). */
  get shown(): number | undefined {
    return this.#shown;
  }

  hostUpdated(): void {
    const count = this.#options.count();
    // Unknown (alarms not read yet) leaves the icon as it is, rather than clearing it on every start.
    if (count === undefined || count === this.#shown) return;
    this.#shown = count;
    void setAppBadge(count, this.#options.api?.());
  }
}
