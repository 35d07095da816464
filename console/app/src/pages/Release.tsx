import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, formatBytes, get } from '../api';
import { navigate } from '../router';
import { useSession } from '../session';
import { useDestinations } from '../lookups';
import { Confirm, Empty, ErrorBanner, Field, Progress, StateBadge } from '../ui';
import { NfoView, PreviewPanel } from './PreviewPanel';
import type { FollowUp, Preview, Release } from '../types';

const STEPS = ['queued', 'inspecting', 'enriching', 'review', 'packing', 'done'];
type Candidate = { provider: string; title?: string; authors?: string[]; year?: number; publisher?: string; isbn?: string; coverUrl?: string };

export function ReleasePage({ id }: { id: string }) {
  const { can, user } = useSession();
  const client = useQueryClient();
  const release = useQuery({ queryKey: ['release', id], queryFn: () => get<{ release: Release }>(`/releases/${id}`), select: (d) => d.release });
  const r = release.data;
  const preview = useQuery({ queryKey: ['release-preview', id, r?.state], queryFn: () => get<{ preview: Preview }>(`/releases/${id}/preview`), enabled: !!r && ['review', 'done'].includes(r.state), select: (d) => d.preview, retry: false });
  const validation = useQuery({
    queryKey: ['validation', id],
    queryFn: () => get<{ validation: { checks?: { check: string; passed: boolean; detail?: string }[] } & Record<string, unknown> }>(`/releases/${id}/validation`),
    enabled: r?.state === 'done',
    select: (d) => d.validation,
    retry: false,
  });
  const destinations = useDestinations();
  const [confirm, setConfirm] = useState<'delete' | 'cancel' | 'approve' | FollowUp['kind'] | undefined>();
  const [reason, setReason] = useState('');
  const act = useMutation({
    mutationFn: async (what: NonNullable<typeof confirm>) => {
      if (what === 'delete') return api('DELETE', `/releases/${id}`);
      if (what === 'cancel') return api('POST', `/releases/${id}/cancel`);
      if (what === 'approve') return api('POST', `/releases/${id}/approve`);
      return api<{ release: Release }>('POST', `/releases/${id}/follow-ups`, { kind: what, reason, changes: {} });
    },
    onSuccess: (answer, what) => {
      setConfirm(undefined);
      void client.invalidateQueries({ queryKey: ['releases'] });
      if (what === 'delete') navigate('/releases');
      else if (answer && typeof answer === 'object' && 'release' in answer && (answer as { release: Release }).release.id !== id) navigate(`/releases/${(answer as { release: Release }).release.id}`);
      else void client.invalidateQueries({ queryKey: ['release', id] });
    },
  });
  const resend = useMutation({ mutationFn: (destinationId: number) => api('POST', `/releases/${id}/distributions/${destinationId}`), onSuccess: () => client.invalidateQueries({ queryKey: ['release', id] }) });

  if (release.error) return <main><h1>Release</h1><ErrorBanner error={release.error} /></main>;
  if (!r) return <main><h1>Release</h1><p className="loading">Loading…</p></main>;
  const mine = r.userId === user.id || can('releases:MOD');
  const settled = ['done', 'failed', 'cancelled', 'review'].includes(r.state);
  const reached = STEPS.indexOf(r.state);

  return (
    <main className="release-page">
      <h1 className="release-title">{r.name ?? preview.data?.name ?? 'Release in progress'}</h1>
      <p>
        <StateBadge state={r.state} /> <Progress value={r.progress} label="Release progress" /> <span data-testid="release-state">{r.state}</span>
        {r.step && <span className="hint"> · step {r.step}</span>}
      </p>
      {r.error && <p className="banner error">{r.error}</p>}
      <ol className="timeline" aria-label="Steps">
        {STEPS.filter((s) => s !== 'review' || r.state === 'review' || (r.reviewReasons ?? []).length > 0).map((s) => (
          <li key={s} className={STEPS.indexOf(s) < reached || r.state === 'done' ? 'past' : s === r.state ? 'now' : 'future'} aria-current={s === r.state ? 'step' : undefined}>
            {s}
          </li>
        ))}
      </ol>
      {(r.reviewReasons ?? []).length > 0 && r.state === 'review' && (
        <section className="card">
          <h2>Waiting for review</h2>
          <ul>
            {r.reviewReasons!.map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
          {mine && can('releases:WRITE') && <ReviewEditor id={id} />}
        </section>
      )}

      <div className="actions">
        {r.state === 'done' && <a className="button" href={`/api/releases/${id}/archive`} download>Download the release (zip)</a>}
        {r.state === 'review' && mine && can('releases:WRITE') && <button type="button" className="primary" onClick={() => setConfirm('approve')}>Approve</button>}
        {['queued', 'review'].includes(r.state) && mine && can('releases:WRITE') && <button type="button" onClick={() => setConfirm('cancel')}>Cancel</button>}
        {r.state === 'done' && mine && can('releases:WRITE') && (
          <details className="menu-button">
            <summary>Follow-up…</summary>
            <div className="menu">
              {(['PROPER', 'REPACK', 'NFOFiX', 'DiRFiX', 'READNFO'] as const).map((k) => (
                <button key={k} type="button" onClick={() => setConfirm(k)}>{k}</button>
              ))}
            </div>
          </details>
        )}
        {settled && mine && can('releases:DELETE') && <button type="button" className="danger" onClick={() => setConfirm('delete')}>Delete</button>}
      </div>
      <ErrorBanner error={act.error} />

      {r.files && r.files.length > 0 && (
        <section aria-labelledby="files-h">
          <h2 id="files-h">Files</h2>
          <div className="table-wrap">
            <table>
              <thead><tr><th scope="col">File</th><th scope="col">Kind</th><th scope="col" className="num">Size</th><th scope="col">CRC32</th></tr></thead>
              <tbody>
                {r.files.map((f) => (
                  <tr key={f.fileName}>
                    <td><a href={`/api/releases/${id}/files/${encodeURIComponent(f.fileName)}`} download>{f.fileName}</a></td>
                    <td>{f.kind}</td>
                    <td className="num">{formatBytes(f.size)}</td>
                    <td><code>{f.crc32}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {/* What the release row holds comes first; what loads after it comes below, so its arrival moves nothing already drawn. */}
      <section aria-labelledby="dist-h">
        <h2 id="dist-h">Distributions</h2>
        {(r.distributions ?? []).length === 0 ? (
          <Empty title="Not sent anywhere">Give the group destinations, or pick some when requesting.</Empty>
        ) : (
          <ul className="distributions">
            {r.distributions!.map((d) => (
              <li key={d.id}>
                {destinations.data?.find((x) => x.id === d.destinationId)?.name ?? `destination ${d.destinationId}`}: <StateBadge state={d.state} /> <Progress value={d.progress} label="Transfer" />
                {d.error && <span className="field-error"> {d.error}</span>}
                {r.state === 'done' && mine && can('releases:WRITE') && (
                  <button type="button" onClick={() => resend.mutate(d.destinationId)} disabled={resend.isPending}>Resend</button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      {r.state === 'review' && preview.data && <PreviewPanel preview={preview.data} stale={preview.isFetching} />}
      {(r.state === 'done' || validation.data) && (
        <section aria-labelledby="val-h">
          <h2 id="val-h">Validation</h2>
          {/* Drawn before the report arrives, at its usual height, so nothing moves when it does. */}
          <ul className="checks" aria-busy={!validation.data}>
            {validation.data ? (
              (validation.data.checks ?? []).map((c) => (
                <li key={c.check} className={c.passed ? 'pass' : 'fail'}>
                  {c.passed ? '✓' : '✗'} {c.check}
                  {c.detail ? ` — ${c.detail}` : ''}
                </li>
              ))
            ) : (
              <li className="loading">Checking the release against its rule…</li>
            )}
          </ul>
        </section>
      )}
      {preview.data?.nfo && r.state === 'done' && (
        <section aria-labelledby="nfo-h">
          <h2 id="nfo-h">NFO</h2>
          <NfoView text={preview.data.nfo.text} label="NFO viewer" />
        </section>
      )}

      <Confirm
        open={!!confirm}
        title={confirm === 'delete' ? 'Delete this release?' : confirm === 'cancel' ? 'Cancel this release?' : confirm === 'approve' ? 'Approve and pack?' : `Make a ${confirm}?`}
        confirmLabel={confirm === 'delete' ? 'Delete' : confirm === 'cancel' ? 'Cancel release' : confirm === 'approve' ? 'Approve' : `Make ${confirm}`}
        danger={confirm === 'delete'}
        busy={act.isPending}
        onCancel={() => setConfirm(undefined)}
        onConfirm={() => confirm && act.mutate(confirm)}
      >
        {confirm === 'delete' && <p>Its published folder, files and SFV are removed. This cannot be undone.</p>}
        {confirm && !['delete', 'cancel', 'approve'].includes(confirm) && (
          <Field label="Reason (printed in the NFO)" error={act.error instanceof ApiError ? act.error.about('reason') : undefined}>
            {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
          </Field>
        )}
      </Confirm>
    </main>
  );
}

/** Edit the facts of a release in review, and ask the catalogues again. */
function ReviewEditor({ id }: { id: string }) {
  const client = useQueryClient();
  const [facts, setFacts] = useState({ title: '', authors: '', year: '', proofUrl: '' });
  const [query, setQuery] = useState('');
  const edit = useMutation({
    mutationFn: () =>
      api('PATCH', `/releases/${id}`, {
        ...(facts.title ? { title: facts.title } : {}),
        ...(facts.authors ? { authors: facts.authors.split(',').map((s) => s.trim()) } : {}),
        ...(facts.year ? { year: Number(facts.year) } : {}),
        ...(facts.proofUrl ? { proofUrl: facts.proofUrl } : {}),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['release', id] }),
  });
  const rematch = useMutation({
    mutationFn: () => api<{ candidates: Candidate[] }>('POST', `/releases/${id}/rematch`, /^[0-9Xx -]{10,17}$/.test(query) ? { isbn: query } : { title: query }),
  });
  const err = edit.error instanceof ApiError ? edit.error : undefined;
  return (
    <>
      <form className="grid" onSubmit={(e) => (e.preventDefault(), edit.mutate())} aria-label="Edit facts">
        <Field label="Title" error={err?.about('title')}>{(p) => <input {...p} value={facts.title} onChange={(e) => setFacts({ ...facts, title: e.target.value })} />}</Field>
        <Field label="Authors" error={err?.about('authors')}>{(p) => <input {...p} value={facts.authors} onChange={(e) => setFacts({ ...facts, authors: e.target.value })} />}</Field>
        <Field label="Year" error={err?.about('year')}>{(p) => <input {...p} inputMode="numeric" value={facts.year} onChange={(e) => setFacts({ ...facts, year: e.target.value })} />}</Field>
        <Field label="Proof URL" error={err?.about('proofUrl')}>{(p) => <input {...p} type="url" value={facts.proofUrl} onChange={(e) => setFacts({ ...facts, proofUrl: e.target.value })} />}</Field>
        <div className="actions"><button type="submit" disabled={edit.isPending}>Save facts</button></div>
      </form>
      {err && !err.details?.fields && <ErrorBanner error={err} />}
      <form className="rematch" onSubmit={(e) => (e.preventDefault(), rematch.mutate())} aria-label="Rematch">
        <Field label="Rematch by ISBN or title">{(p) => <input {...p} value={query} onChange={(e) => setQuery(e.target.value)} />}</Field>
        <button type="submit" disabled={!query || rematch.isPending}>Search the catalogues</button>
      </form>
      <ErrorBanner error={rematch.error} />
      {rematch.data && (
        <ul className="candidates">
          {rematch.data.candidates.length === 0 && <li>No catalogue knows this book.</li>}
          {rematch.data.candidates.map((c, i) => (
            <li key={i} className="candidate card">
              {c.coverUrl ? <img src={c.coverUrl} alt="" width={60} height={90} /> : <div className="cover" aria-hidden="true" />}
              <div>
                <strong>{c.title}</strong>
                <p>{(c.authors ?? []).join(', ')} · {c.year ?? '?'} · {c.publisher ?? '?'}</p>
                <button type="button" onClick={() => { setFacts({ ...facts, title: c.title ?? '', authors: (c.authors ?? []).join(', '), year: c.year ? String(c.year) : '' }); }}>Use these facts</button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
