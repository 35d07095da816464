import { FormEvent, useState } from 'react';
import type { z } from 'zod';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { Empty, ErrorBanner, Field } from '../../ui';
import type { DestinationRow } from '../../types';
import type { createBody } from '../../../../../api/routes/destinations';
import { fieldError, otherError, useResource } from './common';

type DestinationForm = z.input<typeof createBody>;
const EMPTY: DestinationForm = { name: '', protocol: 'sftp', host: '', username: '', secret: '', remotePath: '/incoming' };

export function DestinationsAdmin() {
  const { list, create } = useResource<DestinationRow>('destinations');
  const [form, setForm] = useState<DestinationForm>(EMPTY);
  const test = useMutation({ mutationFn: (id: number) => api<Record<string, unknown>>('POST', `/destinations/${id}/test`) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ ...form, port: form.port || undefined }, { onSuccess: () => setForm(EMPTY) });
  };
  const set = (k: keyof DestinationForm) => (e: { target: { value: string } }) => setForm({ ...form, [k]: k === 'port' ? Number(e.target.value) || undefined : e.target.value });
  return (
    <section aria-labelledby="dest-h">
      <h2 id="dest-h">Destinations</h2>
      {list.data?.length === 0 ? (
        <Empty title="No destinations">Add an FTP, FTPS or SFTP target below; groups send their releases there.</Empty>
      ) : (
        <ul className="cards">
          {(list.data ?? []).map((d) => (
            <li key={d.id} className="card">
              <strong>{d.name}</strong> <code>{d.protocol}://{d.username}@{d.host}:{d.port}{d.remotePath}</code>
              <button type="button" onClick={() => test.mutate(d.id)} disabled={test.isPending}>Test {d.name}</button>
              {test.variables === d.id && (test.data || test.error) && (
                <p role="status" className={test.error ? 'field-error' : 'banner'} data-testid="destination-test">
                  {test.error ? (test.error as Error).message : JSON.stringify(test.data)}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      <form className="card grid" onSubmit={submit} aria-label="New destination">
        <h3 className="wide">New destination</h3>
        <Field label="Name" error={fieldError(create.error, 'name')}>{(p) => <input {...p} value={form.name} onChange={set('name')} required />}</Field>
        <Field label="Protocol">{(p) => <select {...p} value={form.protocol} onChange={set('protocol')}><option value="sftp">SFTP</option><option value="ftps">FTPS</option><option value="ftp">FTP</option></select>}</Field>
        <Field label="Host" error={fieldError(create.error, 'host')}>{(p) => <input {...p} value={form.host} onChange={set('host')} required />}</Field>
        <Field label="Port" hint="default for the protocol">{(p) => <input {...p} inputMode="numeric" value={form.port ?? ''} onChange={set('port')} />}</Field>
        <Field label="Username" error={fieldError(create.error, 'username')}>{(p) => <input {...p} value={form.username} onChange={set('username')} required />}</Field>
        <Field label="Password" hint="Write-only: it is never shown again." error={fieldError(create.error, 'secret')}>{(p) => <input {...p} type="password" autoComplete="new-password" value={form.secret} onChange={set('secret')} required />}</Field>
        <Field label="Remote folder" error={fieldError(create.error, 'remotePath')}>{(p) => <input {...p} value={form.remotePath} onChange={set('remotePath')} required />}</Field>
        <div className="actions wide"><button type="submit" className="primary" disabled={create.isPending}>Add destination</button></div>
        <ErrorBanner error={otherError(create.error)} />
      </form>
    </section>
  );
}
