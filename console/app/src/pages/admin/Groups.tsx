import { FormEvent } from 'react';
import type { z } from 'zod';
import { ErrorBanner, Field, Empty } from '../../ui';
import type { DestinationRow, GroupRow, RuleRow, TemplateRow, User } from '../../types';
import type { createBody } from '../../../../../api/routes/groups';
import { fieldError, numberOrText, otherError, SaveActions, useEditing, useResource } from './common';

/** Numbers are kept as typed, so the API (not the browser) judges them and its message shows at the field. */
type GroupForm = Omit<z.input<typeof createBody>, 'volumeSizeMb' | 'confidenceThreshold' | 'watchFolder'> & { volumeSizeMb: string; confidenceThreshold: string };
type Listed = GroupRow & { members?: { id: number; email?: string }[]; destinations?: { id: number; name: string }[] };
const EMPTY: GroupForm = { tag: '', name: '', memberIds: [], destinationIds: [], ruleId: null, nfoTemplateId: null, volumeSizeMb: '', authorSeparator: '.', tagCase: 'mixed', ebookTag: 'eBook', publisherFirst: false, approvalRequired: false, confidenceThreshold: '0', retailProofRequired: true };

const formOf = (g: Listed): GroupForm => ({
  tag: g.tag,
  name: g.name,
  memberIds: (g.members ?? []).map((m) => m.id),
  destinationIds: (g.destinations ?? []).map((d) => d.id),
  ruleId: g.ruleId,
  nfoTemplateId: g.nfoTemplateId,
  volumeSizeMb: g.volumeSizeMb === null ? '' : String(g.volumeSizeMb),
  authorSeparator: g.authorSeparator,
  tagCase: g.tagCase,
  ebookTag: g.ebookTag,
  publisherFirst: g.publisherFirst,
  approvalRequired: g.approvalRequired,
  confidenceThreshold: String(g.confidenceThreshold),
  retailProofRequired: g.retailProofRequired,
});

/** An item's name from a list still loading ("…") or without it (its id). */
function nameIn<T extends { id: number }>(list: T[] | undefined, id: number, name: (item: T) => string): string {
  if (!list) return '…';
  const item = list.find((x) => x.id === id);
  return item ? name(item) : `#${id}`;
}

/** Groups: the list, and one form that creates a group or edits the one picked. */
export function GroupsAdmin() {
  const { list, create, update } = useResource<Listed>('groups');
  const users = useResource<User>('users');
  const rules = useResource<RuleRow>('rules');
  const templates = useResource<TemplateRow>('templates');
  const destinations = useResource<DestinationRow>('destinations');
  const editing = useEditing<Listed, GroupForm>(EMPTY, formOf, [create, update]);
  const { form, setForm } = editing;
  const saving = editing.item ? update : create;
  const error = saving.error;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // An empty volume size means "the rule's default".
    const body = { ...form, volumeSizeMb: form.volumeSizeMb.trim() === '' ? null : numberOrText(form.volumeSizeMb), confidenceThreshold: numberOrText(form.confidenceThreshold) };
    if (editing.item) update.mutate({ id: editing.item.id, body }, { onSuccess: editing.saved });
    else create.mutate(body, { onSuccess: editing.saved });
  };
  const pick = (key: 'ruleId' | 'nfoTemplateId') => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value ? Number(e.target.value) : null });
  const many = (key: 'memberIds' | 'destinationIds') => (e: { target: HTMLSelectElement }) => setForm({ ...form, [key]: [...e.target.selectedOptions].map((o) => Number(o.value)) });
  return (
    <section aria-labelledby="groups-h">
      <h2 id="groups-h">Groups</h2>
      {list.data?.length === 0 ? (
        <Empty title="No groups yet">Create one below; its tag ends every release name it packs.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Tag</th><th scope="col">Name</th><th scope="col">Members</th><th scope="col">Defaults</th><th scope="col">Naming</th><th scope="col">Review</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {(list.data ?? []).map((g) => (
                <tr key={g.id} className={editing.item?.id === g.id ? 'selected' : undefined}>
                  <td><strong>{g.tag}</strong></td>
                  <td>{g.name}</td>
                  <td>{(g.members ?? []).map((m) => m.email ?? `user ${m.id}`).join(', ') || '—'}</td>
                  <td>
                    {[
                      g.ruleId ? `rule: ${nameIn(rules.list.data, g.ruleId, (r) => r.title)}` : '',
                      g.nfoTemplateId ? `template: ${nameIn(templates.list.data, g.nfoTemplateId, (t) => t.name)}` : '',
                      g.volumeSizeMb ? `${g.volumeSizeMb} MB volumes` : '',
                      (g.destinations ?? []).length ? `to ${(g.destinations ?? []).map((d) => d.name).join(', ')}` : '',
                    ].filter(Boolean).join('; ') || '—'}
                  </td>
                  <td><code>{g.authorSeparator} {g.tagCase} {g.ebookTag}{g.publisherFirst ? ' publisher-first' : ''}</code></td>
                  <td>{g.approvalRequired ? 'every release' : 'when needed'}</td>
                  <td><button type="button" onClick={() => editing.open(g)} aria-label={`Edit ${g.tag}`}>Edit</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form ref={editing.formRef} className="card grid" onSubmit={submit} aria-label={editing.item ? `Edit group ${editing.item.tag}` : 'New group'}>
        <h3 className="wide">{editing.item ? `Edit group ${editing.item.tag}` : 'New group'}</h3>
        <Field label="Tag" hint="2 to 20 letters or digits" error={fieldError(error, 'tag')}>{(p) => <input {...p} value={form.tag} onChange={(e) => setForm({ ...form, tag: e.target.value })} required />}</Field>
        <Field label="Name" error={fieldError(error, 'name')}>{(p) => <input {...p} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />}</Field>
        <Field label="Members" error={fieldError(error, 'memberIds')}>
          {(p) => (
            <select {...p} multiple value={(form.memberIds ?? []).map(String)} onChange={many('memberIds')}>
              {(users.list.data ?? []).map((u) => <option key={u.id} value={u.id}>{u.email}</option>)}
            </select>
          )}
        </Field>
        <Field label="Destinations" hint="where finished releases are sent" error={fieldError(error, 'destinationIds')}>
          {(p) => (
            <select {...p} multiple value={(form.destinationIds ?? []).map(String)} onChange={many('destinationIds')}>
              {(destinations.list.data ?? []).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
            </select>
          )}
        </Field>
        <Field label="Default rule" error={fieldError(error, 'ruleId')}>
          {(p) => (
            <select {...p} value={form.ruleId ?? ''} onChange={pick('ruleId')}>
              <option value="">the configured default (else 2022 eBOOK)</option>
              {(rules.list.data ?? []).map((r) => <option key={r.id} value={r.id}>{r.title}</option>)}
            </select>
          )}
        </Field>
        <Field label="NFO template" error={fieldError(error, 'nfoTemplateId')}>
          {(p) => (
            <select {...p} value={form.nfoTemplateId ?? ''} onChange={pick('nfoTemplateId')}>
              <option value="">the configured default (else built in)</option>
              {(templates.list.data ?? []).map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </select>
          )}
        </Field>
        <Field label="Volume size (MB)" hint="empty: the rule's default" error={fieldError(error, 'volumeSizeMb')}>{(p) => <input {...p} inputMode="numeric" value={form.volumeSizeMb} onChange={(e) => setForm({ ...form, volumeSizeMb: e.target.value })} />}</Field>
        <Field label="Author separator">
          {(p) => <select {...p} value={form.authorSeparator} onChange={(e) => setForm({ ...form, authorSeparator: e.target.value as GroupForm['authorSeparator'] })}><option value=".">.</option><option value=".-.">.-.</option></select>}
        </Field>
        <Field label="Tag case">
          {(p) => <select {...p} value={form.tagCase} onChange={(e) => setForm({ ...form, tagCase: e.target.value as GroupForm['tagCase'] })}><option value="mixed">mixed (RETAiL)</option><option value="upper">upper (RETAIL)</option></select>}
        </Field>
        <Field label="eBook tag">
          {(p) => <select {...p} value={form.ebookTag} onChange={(e) => setForm({ ...form, ebookTag: e.target.value as GroupForm['ebookTag'] })}><option>eBook</option><option>eBOOK</option></select>}
        </Field>
        <Field label="Confidence threshold" hint="0 to 1: releases whose facts are less sure wait in review" error={fieldError(error, 'confidenceThreshold')}>
          {(p) => <input {...p} inputMode="decimal" value={form.confidenceThreshold} onChange={(e) => setForm({ ...form, confidenceThreshold: e.target.value })} />}
        </Field>
        <label className="check"><input type="checkbox" checked={!!form.publisherFirst} onChange={(e) => setForm({ ...form, publisherFirst: e.target.checked })} /> Publisher first</label>
        <label className="check"><input type="checkbox" checked={!!form.approvalRequired} onChange={(e) => setForm({ ...form, approvalRequired: e.target.checked })} /> Every release waits for approval</label>
        <label className="check"><input type="checkbox" checked={form.retailProofRequired !== false} onChange={(e) => setForm({ ...form, retailProofRequired: e.target.checked })} /> RETAiL needs a proof URL</label>
        <SaveActions editing={editing} pending={saving.isPending} createLabel="Create group" saveLabel="Save group" />
        <ErrorBanner error={otherError(error)} />
      </form>
    </section>
  );
}
