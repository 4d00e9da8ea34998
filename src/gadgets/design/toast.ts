/**
 * The one way the app says "saved" or "failed": a Shoelace toast (sl-alert.toast() stacks it in the
 * top corner, announces it to screen readers as an alert, and removes it after `duration`).
 */
import type SlAlert from '@shoelace-style/shoelace/dist/components/alert/alert.js';

export type ToastVariant = 'success' | 'danger' | 'warning' | 'primary' | 'neutral';

const iconOf: Record<ToastVariant, string> = {
  success: 'check2-circle',
  danger: 'exclamation-octagon',
  warning: 'exclamation-triangle',
  primary: 'info-circle',
  neutral: 'info-circle',
};

/**
 * Shows `message` as a toast and resolves with its element once shown. Failures stay until closed
 * (duration Infinity) unless told otherwise, so nobody misses why a save did not happen; others
 * go after 4 s. Rejects only if the alert component is not registered (design/components.ts).
 */
export async function toast(message: string, options: { variant?: ToastVariant; duration?: number } = {}): Promise<SlAlert> {
  const variant = options.variant ?? 'primary';
  const alert = document.createElement('sl-alert');
  alert.variant = variant;
  alert.closable = true;
  alert.duration = options.duration ?? (variant === 'danger' ? Infinity : 4000);
  const icon = document.createElement('sl-icon');
  icon.slot = 'icon';
  icon.name = iconOf[variant];
  alert.append(icon, document.createTextNode(message));
  alert.dataset.variant = variant;
  await customElements.whenDefined('sl-alert');
  // toast() resolves when the toast closes; resolve once it starts to show instead.
  const shown = new Promise((resolve) => alert.addEventListener('sl-show', resolve, { once: true }));
  void alert.toast();
  await shown;
  return alert;
}

/** "Saved" toast (success). */
export function toastSaved(message = 'Saved'): Promise<SlAlert> {
  return toast(message, { variant: 'success' });
}

/** "Failed" toast (danger) with the reason, e.g. toastFailed('Not saved', error). */
export function toastFailed(message: string, error?: unknown): Promise<SlAlert> {
  const reason = error === undefined ? '' : `: ${error instanceof Error ? error.message : String(error)}`;
  return toast(`${message}${reason}`, { variant: 'danger' });
}
