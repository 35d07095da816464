import { FormEvent, useState } from 'react';
import { useSession } from '../../session';
import { ErrorBanner, Field } from '../../ui';
import type { RoleRow } from '../../types';
import { fieldError, otherError, useResource } from './common';

const RESOURCES = ['releases', 'rules', 'templates', 'users', 'roles', 'groups', 'destinations', 'configurations', 'queues'] as const;
const ACTIONS = ['READ', 'WRITE', 'MOD', 'DELETE'] as const;
type WithPermissions = RoleRow & { permissions?: ({ resource: string; action: string } | string)[] };
const has = (role: WithPermissions, p: string) => role.name === 'admin' || (role.permissions ?? []).some((x) => (typeof x === 'string' ? x : `${x.resource}:${x.action}`) === p);

/** Roles as a permission matrix: one row per resource, one column per action. */
export function RolesAdmin() {
  const { can } = useSession();
  const { list, create, update } = useResource<WithPermissions>('roles');
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<string[]>(['releases:READ']);
  const toggle = (role: WithPermissions, p: string) => {
    const now = ACTIONS.flatMap((a) => RESOURCES.map((r) => `${r}:${a}`)).filter((x) => has(role, x));
    update.mutate({ id: role.id, body: { permissions: now.includes(p) ? now.filter((x) => x !== p) : [...now, p] } });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, permissions: picked }, { onSuccess: () => setName('') });
  };
  return (
    <section aria-labelledby="roles-h">
      <h2 id="roles-h">Roles</h2>
      {(list.data ?? []).map((role) => (
        <div key={role.id} className="table-wrap">
          <table className="matrix">
            <caption>
              {role.name} {role.builtin ? '(built in)' : ''} {role.description}
            </caption>
            <thead><tr><th scope="col">Resource</th>{ACTIONS.map((a) => <th key={a} scope="col">{a}</th>)}</tr></thead>
            <tbody>
              {RESOURCES.map((r) => (
                <tr key={r}>
                  <th scope="row">{r}</th>
                  {ACTIONS.map((a) => (
                    <td key={a}>
                      <input type="checkbox" aria-label={`${role.name}: ${r} ${a}`} checked={has(role, `${r}:${a}`)} disabled={role.name === 'admin' || !can('roles:WRITE')} onChange={() => toggle(role, `${r}:${a}`)} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <ErrorBanner error={update.error} />
      {can('roles:WRITE') && (
        <form className="card" onSubmit={submit} aria-label="New role">
          <h3>New role</h3>
          <Field label="Name" hint="lower-case, e.g. reviewer" error={fieldError(create.error, 'name')}>{(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}</Field>
          <fieldset>
            <legend>Permissions</legend>
            <div className="perm-grid">
              {RESOURCES.flatMap((r) => ACTIONS.map((a) => `${r}:${a}`)).map((p) => (
                <label key={p} className="check">
                  <input type="checkbox" checked={picked.includes(p)} onChange={(e) => setPicked(e.target.checked ? [...picked, p] : picked.filter((x) => x !== p))} />
                  {p}
                </label>
              ))}
            </div>
          </fieldset>
          <div className="actions"><button type="submit" className="primary">Create role</button></div>
          <ErrorBanner error={otherError(create.error)} />
        </form>
      )}
    </section>
  );
}
