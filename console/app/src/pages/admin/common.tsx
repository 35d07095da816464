import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, get } from '../../api';

/** A managed resource's list (GET /api/<key>) and its create call, refreshing the list. */
export function useResource<T>(key: string, listKey = key) {
  const client = useQueryClient();
  const list = useQuery({ queryKey: [key], queryFn: () => get<Record<string, T[]>>(`/${key}?pageSize=100`), select: (d) => d[listKey] });
  const create = useMutation({ mutationFn: (body: unknown) => api('POST', `/${key}`, body), onSuccess: () => client.invalidateQueries({ queryKey: [key] }) });
  const update = useMutation({ mutationFn: ({ id, body }: { id: number | string; body: unknown }) => api('PATCH', `/${key}/${id}`, body), onSuccess: () => client.invalidateQueries({ queryKey: [key] }) });
  return { list, create, update, refresh: () => client.invalidateQueries({ queryKey: [key] }) };
}

/**
 * One form that creates an item or edits the one picked: `open(item)` fills it from the item
 * and brings it into view, `close()` empties it, `saved` ends either after a success. Switching
 * clears the errors of the last attempt, so an old error never shows against other values.
 */
export function useEditing<T extends { id: number }, F>(empty: F, formOf: (item: T) => F, mutations: { reset: () => void }[]) {
  const [item, setItem] = useState<T>();
  const [form, setForm] = useState<F>(empty);
  const [savedNote, setSavedNote] = useState('');
  const formRef = useRef<HTMLFormElement>(null);
  const [opened, setOpened] = useState(0);
  // After the render that shows the picked item's values (a form may appear only then).
  useEffect(() => {
    if (!opened) return;
    formRef.current?.scrollIntoView({ block: 'start' });
    formRef.current?.querySelector<HTMLElement>('input, select')?.focus();
  }, [opened]);
  const switchTo = (next: T | undefined) => {
    mutations.forEach((m) => m.reset());
    setItem(next);
    setForm(next ? formOf(next) : empty);
  };
  return {
    item,
    form,
    setForm: (next: F) => (setSavedNote(''), setForm(next)),
    formRef,
    savedNote,
    open(next: T) {
      switchTo(next);
      setSavedNote('');
      setOpened((n) => n + 1);
    },
    close: () => switchTo(undefined),
    saved: () => {
      switchTo(undefined);
      setSavedNote(item ? 'Saved.' : 'Created.');
    },
  };
}

/** A number when the text is one, else the text itself, so the API refuses it naming the field. */
export const numberOrText = (text: string): number | string => (/^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text);

export const fieldError = (error: unknown, field: string) => (error instanceof ApiError ? error.about(field) : undefined);
export const otherError = (error: unknown) => (error instanceof ApiError && error.details?.fields ? undefined : error);

/** The buttons of a create-or-edit form, and the note that the last save went through. */
export function SaveActions({ editing, pending, createLabel, saveLabel }: { editing: { item?: unknown; close: () => void; savedNote: string }; pending: boolean; createLabel: string; saveLabel: string }) {
  return (
    <div className="actions wide">
      <button type="submit" className="primary" disabled={pending}>{editing.item ? saveLabel : createLabel}</button>
      {editing.item !== undefined && <button type="button" onClick={editing.close}>Cancel editing</button>}
      {editing.savedNote && <span role="status">{editing.savedNote}</span>}
    </div>
  );
}
