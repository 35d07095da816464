import { FormEvent, useState } from 'react';
import type { z } from 'zod';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { useSession } from '../../session';
import { Empty, ErrorBanner, Field } from '../../ui';
import type { RoleRow, User } from '../../types';
import type { createBody } from '../../../../../api/routes/users';
import { fieldError, otherError, useResource } from './common';

export function UsersAdmin() {
  const { can } = useSession();
  const { list, create, update } = useResource<User>('users');
  const roles = useResource<RoleRow>('roles');
  const [form, setForm] = useState<z.input<typeof createBody>>({ email: '', password: '', role: 'operator' });
  const reset = useMutation({ mutationFn: ({ id, password }: { id: number; password: string }) => api('POST', `/users/${id}/password`, { password }) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(form, { onSuccess: () => setForm({ email: '', password: '', role: 'operator' }) });
  };
  return (
    <section aria-labelledby="users-h">
      <h2 id="users-h">Users</h2>
      {list.data?.length === 0 && <Empty title="No users">Create the first below.</Empty>}
      <div className="table-wrap">
        <table>
          <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {(list.data ?? []).map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>
                  <select aria-label={`Role of ${u.email}`} value={u.role} disabled={!can('users:WRITE')} onChange={(e) => update.mutate({ id: u.id, body: { role: e.target.value } })}>
                    {(roles.list.data ?? []).map((r) => <option key={r.id}>{r.name}</option>)}
                  </select>
                </td>
                <td>{u.disabled ? 'disabled' : 'active'}</td>
                <td>
                  {can('users:WRITE') && (
                    <>
                      <button type="button" onClick={() => update.mutate({ id: u.id, body: { disabled: !u.disabled } })}>{u.disabled ? 'Enable' : 'Disable'}</button>{' '}
                      <button type="button" onClick={() => { const password = window.prompt(`New password for ${u.email} (10+ characters)`); if (password) reset.mutate({ id: u.id, password }); }}>Reset password</button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorBanner error={update.error ?? reset.error} />
      {reset.isSuccess && <p className="banner" role="status">Password changed.</p>}
      {can('users:WRITE') && (
        <form className="card grid" onSubmit={submit} aria-label="New user">
          <h3 className="wide">New user</h3>
          <Field label="Email" error={fieldError(create.error, 'email')}>{(p) => <input {...p} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required />}</Field>
          <Field label="Password" hint="10 characters or more" error={fieldError(create.error, 'password')}>{(p) => <input {...p} type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required />}</Field>
          <Field label="Role" error={fieldError(create.error, 'role')}>
            {(p) => <select {...p} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>{(roles.list.data ?? []).map((r) => <option key={r.id}>{r.name}</option>)}</select>}
          </Field>
          <div className="actions wide"><button type="submit" className="primary" disabled={create.isPending}>Create user</button></div>
          <ErrorBanner error={otherError(create.error)} />
        </form>
      )}
    </section>
  );
}
