import { FormEvent, useState } from 'react';
import type { z } from 'zod';
import { ErrorBanner, Field, Empty } from '../../ui';
import type { GroupRow, User } from '../../types';
import type { createBody } from '../../../../../api/routes/groups';
import { fieldError, otherError, useResource } from './common';

type GroupForm = z.input<typeof createBody>;
const EMPTY: GroupForm = { tag: '', name: '', memberIds: [], authorSeparator: '.', tagCase: 'mixed', ebookTag: 'eBook', publisherFirst: false, approvalRequired: false, retailProofRequired: true };

export function GroupsAdmin() {
  const { list, create } = useResource<GroupRow & { members?: { id: number; email: string }[] }>('groups');
  const users = useResource<User>('users');
  const [form, setForm] = useState<GroupForm>(EMPTY);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(form, { onSuccess: () => setForm(EMPTY) });
  };
  return (
    <section aria-labelledby="groups-h">
      <h2 id="groups-h">Groups</h2>
      {list.data?.length === 0 ? (
        <Empty title="No groups yet">Create one below; its tag ends every release name it packs.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Tag</th><th scope="col">Name</th><th scope="col">Members</th><th scope="col">Naming</th><th scope="col">Review</th></tr></thead>
            <tbody>
              {(list.data ?? []).map((g) => (
                <tr key={g.id}>
                  <td><strong>{g.tag}</strong></td>
                  <td>{g.name}</td>
                  <td>{(g.members ?? []).map((m) => m.email).join(', ') || '—'}</td>
                  <td><code>{g.authorSeparator} {g.tagCase} {g.ebookTag}{g.publisherFirst ? ' publisher-first' : ''}</code></td>
                  <td>{g.approvalRequired ? 'every release' : 'when needed'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="card grid" onSubmit={submit} aria-label="New group">
        <h3 className="wide">New group</h3>
        <Field label="Tag" hint="2 to 20 letters or digits" error={fieldError(create.error, 'tag')}>{(p) => <input {...p} value={form.tag} onChange={(e) => setForm({ ...form, tag: e.target.value })} required />}</Field>
        <Field label="Name" error={fieldError(create.error, 'name')}>{(p) => <input {...p} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />}</Field>
        <Field label="Members">
          {(p) => (
            <select {...p} multiple value={(form.memberIds ?? []).map(String)} onChange={(e) => setForm({ ...form, memberIds: [...e.target.selectedOptions].map((o) => Number(o.value)) })}>
              {(users.list.data ?? []).map((u) => <option key={u.id} value={u.id}>{u.email}</option>)}
            </select>
          )}
        </Field>
        <Field label="Author separator">
          {(p) => <select {...p} value={form.authorSeparator} onChange={(e) => setForm({ ...form, authorSeparator: e.target.value as GroupForm['authorSeparator'] })}><option value=".">.</option><option value=".-.">.-.</option></select>}
        </Field>
        <Field label="Tag case">
          {(p) => <select {...p} value={form.tagCase} onChange={(e) => setForm({ ...form, tagCase: e.target.value as GroupForm['tagCase'] })}><option value="mixed">mixed (RETAiL)</option><option value="upper">upper (RETAIL)</option></select>}
        </Field>
        <Field label="eBook tag">
          {(p) => <select {...p} value={form.ebookTag} onChange={(e) => setForm({ ...form, ebookTag: e.target.value as GroupForm['ebookTag'] })}><option>eBook</option><option>eBOOK</option></select>}
        </Field>
        <label className="check"><input type="checkbox" checked={!!form.publisherFirst} onChange={(e) => setForm({ ...form, publisherFirst: e.target.checked })} /> Publisher first</label>
        <label className="check"><input type="checkbox" checked={!!form.approvalRequired} onChange={(e) => setForm({ ...form, approvalRequired: e.target.checked })} /> Every release waits for approval</label>
        <label className="check"><input type="checkbox" checked={form.retailProofRequired !== false} onChange={(e) => setForm({ ...form, retailProofRequired: e.target.checked })} /> RETAiL needs a proof URL</label>
        <div className="actions wide"><button type="submit" className="primary" disabled={create.isPending}>Create group</button></div>
        <ErrorBanner error={otherError(create.error)} />
      </form>
    </section>
  );
}
