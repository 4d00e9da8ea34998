// Shared by the work order list's browser tests: a host that provides the app's storage context
// to <fl-work-orders> (as fl-app does), and helpers that drive its Shoelace controls the way a
// user's input does (value set, then the component's own event).
import { LitElement, html } from 'lit';
import { ContextProvider } from '@lit/context';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { storageContext } from '../../../src/controllers';
import type { FlWorkOrders } from '../../../src/gadgets';
import type { Role } from '../../../src/core';
import type { Storage } from '../../../src/storage';

/** fl-app's part for these tests: the storage in context, the signed-in user on the gadget. */
export class OrdersHost extends LitElement {
  static override properties = { storage: { attribute: false }, username: { attribute: false }, userRole: { attribute: false } };
  declare storage: Storage | undefined;
  declare username: string | undefined;
  declare userRole: Role | undefined;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return html`<fl-work-orders .username=${this.username} .userRole=${this.userRole}></fl-work-orders>`;
  }
}
if (!customElements.get('orders-host')) customElements.define('orders-host', OrdersHost);

/** Mounts the list over `storage` as `username`. */
export function mountOrders(storage: Storage, username: string | undefined = 'ana', userRole: Role = 'technician'): OrdersHost {
  const host = document.createElement('orders-host') as OrdersHost;
  host.storage = storage;
  host.username = username;
  host.userRole = userRole;
  document.body.append(host);
  return host;
}

export const gadgetOf = (host: OrdersHost): FlWorkOrders => host.shadowRoot!.querySelector('fl-work-orders')!;
export const rootOf = (host: OrdersHost): ShadowRoot => gadgetOf(host).shadowRoot!;

/** The rows in the DOM (a virtualized list holds only those near the screen). */
export const rowsOf = (host: OrdersHost): HTMLAnchorElement[] => [...rootOf(host).querySelectorAll<HTMLAnchorElement>('a.order')];
export const rowTitles = (host: OrdersHost): string[] => rowsOf(host).map((row) => row.querySelector('.title')!.textContent!.trim());
export const countOf = (host: OrdersHost): { shown: number; total: number; text: string } => {
  const count = rootOf(host).querySelector<HTMLElement>('.count')!;
  return { shown: Number(count.dataset.shown), total: Number(count.dataset.total), text: count.textContent!.trim() };
};

/** Types into an sl-input (or sl-textarea) as a user does: the value, then sl-input. */
export async function typeInto(input: SlInput | HTMLElement & { value: string }, text: string): Promise<void> {
  input.value = text;
  input.dispatchEvent(new CustomEvent('sl-input', { bubbles: true, composed: true }));
}

/** Chooses an option of an sl-select as a click does: the value, then sl-change. */
export async function chooseIn(select: SlSelect, value: string): Promise<void> {
  select.value = value;
  select.dispatchEvent(new CustomEvent('sl-change', { bubbles: true, composed: true }));
}

/** An sl-select / sl-input of `scope` by its label. */
export function control<T extends Element>(scope: ParentNode, tag: 'sl-select' | 'sl-input' | 'sl-textarea', label: string): T {
  const found = [...scope.querySelectorAll(tag)].find((candidate) => candidate.getAttribute('label') === label);
  if (!found) throw new Error(`no ${tag} labelled ${label}`);
  return found as unknown as T;
}

/** The New work order dialog's form (open it first with the button). */
export const formOf = (host: OrdersHost): HTMLFormElement => rootOf(host).querySelector('form[aria-label="New work order"]')!;

/** Clicks "New work order" and waits for the dialog to be open. */
export async function openNewForm(host: OrdersHost): Promise<HTMLFormElement> {
  const button = [...rootOf(host).querySelectorAll('sl-button')].find((candidate) => candidate.textContent?.trim() === 'New work order') as HTMLElement;
  button.click();
  await gadgetOf(host).updateComplete;
  const dialog = rootOf(host).querySelector('sl-dialog')!;
  if (!dialog.open) throw new Error('the New work order dialog did not open');
  return formOf(host);
}

/** Clicks the form's Create button. */
export function submitNewForm(host: OrdersHost): void {
  const create = [...formOf(host).querySelectorAll('sl-button')].find((candidate) => candidate.textContent?.trim() === 'Create') as HTMLElement;
  create.click();
}
