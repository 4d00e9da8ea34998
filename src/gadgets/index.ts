// Public surface of the gadgets layer: the Lit components and their registration.
import { FlApp } from './fl-app';

export { FlApp };

/** Defines every Fieldline custom element once (safe to call twice). */
export function defineGadgets(registry: CustomElementRegistry = customElements): void {
  if (!registry.get('fl-app')) registry.define('fl-app', FlApp);
}
