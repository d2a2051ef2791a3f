/**
 * A modal dialog on the native `<dialog>` element: focus moves in and is trapped by the browser, Escape closes, and
 * focus returns to where it was.
 */
import { useEffect, useRef, type ReactNode } from 'react';

/** Props of {@link Dialog}. */
export interface DialogProps {
  readonly title: string;
  readonly onClose: () => void;
  readonly children: ReactNode;
  readonly className?: string;
  readonly role?: 'dialog' | 'alertdialog';
}

/** Shows its children modally while mounted. */
export function Dialog({ title, onClose, children, className, role }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    if (dialog && !dialog.open) dialog.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault();
      closeRef.current();
    };
    dialog?.addEventListener('cancel', onCancel);
    return () => {
      dialog?.removeEventListener('cancel', onCancel);
      if (dialog?.open) dialog.close();
      before?.focus();
    };
  }, []);
  return (
    <dialog ref={ref} className={className ? `dialog ${className}` : 'dialog'} aria-label={title} role={role}>
      <h2 className="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}
