import { FormEvent } from 'react';
import type { z } from 'zod';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { Empty, ErrorBanner, Field } from '../../ui';
import type { DestinationRow } from '../../types';
import type { createBody } from '../../../../../api/routes/destinations';
import { fieldError, numberOrText, otherError, SaveActions, useEditing, useResource } from './common';

/** The port is kept as typed (the API judges it); the secret is empty unless a new one is typed. */
type DestinationForm = Omit<z.input<typeof createBody>, 'port' | 'hostFingerprint'> & { port: string; hostFingerprint: string };
const EMPTY: DestinationForm = { name: '', protocol: 'sftp', host: '', port: '', username: '', authType: 'password', secret: '', remotePath: '/incoming', tlsVerify: true, hostFingerprint: '', enabled: true };
const formOf = (d: DestinationRow): DestinationForm => ({
  name: d.name,
  protocol: d.protocol,
  host: d.host,
  port: String(d.port),
  username: d.username,
  authType: d.authType,
  secret: '',
  remotePath: d.remotePath,
  tlsVerify: d.tlsVerify,
  hostFingerprint: d.hostFingerprint ?? '',
  enabled: d.enabled,
});

export function DestinationsAdmin() {
  const { list, create, update } = useResource<DestinationRow>('destinations');
  const editing = useEditing<DestinationRow, DestinationForm>(EMPTY, formOf, [create, update]);
  const { form, setForm } = editing;
  const saving = editing.item ? update : create;
  const error = saving.error;
  const test = useMutation({ mutationFn: (id: number) => api<Record<string, unknown>>('POST', `/destinations/${id}/test`) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { secret, ...rest } = form;
    const body = {
      ...rest,
      port: form.port.trim() === '' ? undefined : numberOrText(form.port),
      hostFingerprint: form.hostFingerprint.trim() || null,
      // Write-only: an edit sends a secret only when a new one was typed.
      ...(secret || !editing.item ? { secret } : {}),
    };
    if (editing.item) update.mutate({ id: editing.item.id, body }, { onSuccess: editing.saved });
    else create.mutate(body, { onSuccess: editing.saved });
  };
  const set = (k: keyof DestinationForm) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  // Key authentication exists only for SFTP.
  const setProtocol = (e: { target: { value: string } }) => setForm({ ...form, protocol: e.target.value as DestinationForm['protocol'], authType: e.target.value === 'sftp' ? form.authType : 'password' });
  const check = (k: 'tlsVerify' | 'enabled') => (e: { target: { checked: boolean } }) => setForm({ ...form, [k]: e.target.checked });
  return (
    <section aria-labelledby="dest-h">
      <h2 id="dest-h">Destinations</h2>
      {list.data?.length === 0 ? (
        <Empty title="No destinations">Add an FTP, FTPS or SFTP target below; groups send their releases there.</Empty>
      ) : (
        <ul className="cards">
          {(list.data ?? []).map((d) => (
            <li key={d.id} className={editing.item?.id === d.id ? 'card selected' : 'card'}>
              <strong>{d.name}</strong> <code>{d.protocol}://{d.username}@{d.host}:{d.port}{d.remotePath}</code> {!d.enabled && <span className="badge muted">disabled</span>}{' '}
              <button type="button" onClick={() => test.mutate(d.id)} disabled={test.isPending}>Test {d.name}</button>{' '}
              <button type="button" onClick={() => editing.open(d)}>Edit {d.name}</button>
              {test.variables === d.id && (test.data || test.error) && (
                <p role="status" className={test.error ? 'field-error' : 'banner'} data-testid="destination-test">
                  {test.error ? (test.error as Error).message : JSON.stringify(test.data)}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      <form ref={editing.formRef} className="card grid" onSubmit={submit} aria-label={editing.item ? `Edit destination ${editing.item.name}` : 'New destination'}>
        <h3 className="wide">{editing.item ? `Edit destination ${editing.item.name}` : 'New destination'}</h3>
        <Field label="Name" error={fieldError(error, 'name')}>{(p) => <input {...p} value={form.name} onChange={set('name')} required />}</Field>
        <Field label="Protocol" error={fieldError(error, 'protocol')}>{(p) => <select {...p} value={form.protocol} onChange={setProtocol}><option value="sftp">SFTP</option><option value="ftps">FTPS</option><option value="ftp">FTP</option></select>}</Field>
        <Field label="Host" error={fieldError(error, 'host')}>{(p) => <input {...p} value={form.host} onChange={set('host')} required />}</Field>
        <Field label="Port" hint="empty: the protocol's default" error={fieldError(error, 'port')}>{(p) => <input {...p} inputMode="numeric" value={form.port} onChange={set('port')} />}</Field>
        <Field label="Username" error={fieldError(error, 'username')}>{(p) => <input {...p} value={form.username} onChange={set('username')} required />}</Field>
        {form.protocol === 'sftp' && (
          <Field label="Authentication" error={fieldError(error, 'authType')}>{(p) => <select {...p} value={form.authType} onChange={set('authType')}><option value="password">password</option><option value="key">private key</option></select>}</Field>
        )}
        <Field label={form.authType === 'key' ? 'Private key' : 'Password'} hint={editing.item ? 'Write-only: leave empty to keep the stored one.' : 'Write-only: it is never shown again.'} error={fieldError(error, 'secret')}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={form.secret} onChange={set('secret')} required={!editing.item} />}
        </Field>
        <Field label="Remote folder" error={fieldError(error, 'remotePath')}>{(p) => <input {...p} value={form.remotePath} onChange={set('remotePath')} required />}</Field>
        {form.protocol === 'sftp' && (
          <Field label="Host key fingerprint" hint="SHA256:… as ssh-keygen -lf prints it; empty: not pinned" error={fieldError(error, 'hostFingerprint')}>{(p) => <input {...p} value={form.hostFingerprint} onChange={set('hostFingerprint')} />}</Field>
        )}
        {form.protocol === 'ftps' && <label className="check"><input type="checkbox" checked={form.tlsVerify !== false} onChange={check('tlsVerify')} /> Verify the TLS certificate</label>}
        <label className="check"><input type="checkbox" checked={form.enabled !== false} onChange={check('enabled')} /> Enabled (groups send releases here)</label>
        <SaveActions editing={editing} pending={saving.isPending} createLabel="Add destination" saveLabel="Save destination" />
        <ErrorBanner error={otherError(error)} />
      </form>
    </section>
  );
}
