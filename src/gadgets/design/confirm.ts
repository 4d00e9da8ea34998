/**
 * Asks a yes/no question in a Shoelace dialog (focus is trapped inside, Escape answers no) and
 * resolves with the answer; the dialog is removed afterwards. Used by the unsaved-changes guard.
 */
export async function confirmDialog(options: { label: string; message: string; confirm: string; cancel: string; danger?: boolean }): Promise<boolean> {
  await customElements.whenDefined('sl-dialog');
  const dialog = document.createElement('sl-dialog');
  dialog.label = options.label;
  dialog.dataset.confirm = '';
  const text = document.createElement('p');
  text.textContent = options.message;
  text.style.margin = '0';
  const cancel = document.createElement('sl-button');
  cancel.slot = 'footer';
  cancel.textContent = options.cancel;
  cancel.dataset.answer = 'cancel';
  const confirm = document.createElement('sl-button');
  confirm.slot = 'footer';
  confirm.variant = options.danger ? 'danger' : 'primary';
  confirm.textContent = options.confirm;
  confirm.dataset.answer = 'confirm';
  confirm.style.marginInlineStart = 'var(--sl-spacing-small)';
  dialog.append(text, cancel, confirm);
  document.body.append(dialog);
  const answer = await new Promise<boolean>((resolve) => {
    let answered = false;
    const settle = (value: boolean) => {
      if (answered) return;
      answered = true;
      resolve(value);
      void dialog.hide();
    };
    cancel.addEventListener('click', () => settle(false));
    confirm.addEventListener('click', () => settle(true));
    // Escape, the close button or a click outside: the cautious answer.
    dialog.addEventListener('sl-request-close', () => settle(false));
    dialog.addEventListener('sl-after-hide', () => dialog.remove(), { once: true });
    void dialog.show();
  });
  return answer;
}
