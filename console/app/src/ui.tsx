import { ReactNode, useEffect, useId, useRef } from 'react';
import { ApiError } from './api';
import type { Release } from './types';

/** A labelled control with its hint and the API's error about it, tied by aria-describedby. */
export function Field({ label, hint, error, children, wide }: { label: string; hint?: ReactNode; error?: string; children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode; wide?: boolean }) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={wide ? 'field wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': described, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** An error answer the page could not attach to a field. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  return (
    <p className="banner error" role="alert">
      {message}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children && <p>{children}</p>}
    </div>
  );
}

/** A confirmation as a modal <dialog> (focus trapped and Esc handled by the browser). */
export function Confirm({ open, title, children, confirmLabel, danger, onConfirm, onCancel, busy }: { open: boolean; title: string; children?: ReactNode; confirmLabel: string; danger?: boolean; onConfirm: () => void; onCancel: () => void; busy?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} onCancel={onCancel} aria-labelledby={`${title}-title`}>
      <h2 id={`${title}-title`}>{title}</h2>
      <div>{children}</div>
      <div className="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function Progress({ value, label }: { value: number; label: string }) {
  return <progress max={100} value={Math.round(value)} aria-label={label} />;
}

export const STATE_TONE: Record<string, string> = { done: 'ok', failed: 'bad', cancelled: 'muted', review: 'warn' };

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge ${STATE_TONE[state] ?? 'busy'}`}>{state}</span>;
}

/** How a release is called before it has a name (it gets one when packed): its book's title, else its state and id. */
export function releaseLabel(r: Pick<Release, 'id' | 'name' | 'state' | 'metadata'>): string {
  if (r.name) return r.name;
  const title = (r.metadata as { record?: { title?: string } } | null)?.record?.title;
  return title ? `${title} (not named yet)` : `(${r.state}) ${r.id.slice(0, 8)}`;
}
