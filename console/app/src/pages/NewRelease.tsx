import { DragEvent, useCallback, useMemo, useRef, useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, formatBytes, get, uploadFile, UploadProgress } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { useDebounced, useDestinations, useGroups, useRules, useTemplates } from '../lookups';
import { Empty, ErrorBanner, Field, Progress, StateBadge } from '../ui';
import { PreviewPanel } from './PreviewPanel';
import type { Preview, Release, ReleaseOptionsInput, Upload } from '../types';

type Overrides = NonNullable<ReleaseOptionsInput['overrides']>;

interface Row {
  key: string;
  file: File;
  progress?: UploadProgress;
  uploadId?: string;
  error?: ApiError;
  cancel?: () => void;
  /** The row's own facts and proof (they beat the book's and the catalogues'). */
  overrides: Overrides;
  proofUrl: string;
  releaseId?: string;
  requestError?: ApiError;
}

interface Bulk {
  group: string;
  source: 'RETAIL' | 'SCAN' | 'HYBRID';
  ruleId: string;
  templateId: string;
  volumeSizeMb: string;
  destinationIds: number[];
  extraTags: string;
  proofUrl: string;
}

const FACTS: { key: keyof Overrides; label: string; numeric?: boolean; list?: boolean }[] = [
  { key: 'title', label: 'Title' },
  { key: 'authors', label: 'Authors (comma-separated)', list: true },
  { key: 'publisher', label: 'Publisher' },
  { key: 'year', label: 'Year', numeric: true },
  { key: 'language', label: 'Language (ISO 639)' },
  { key: 'isbn', label: 'ISBN' },
  { key: 'edition', label: 'Edition' },
];

/** The request body of a row: bulk options, the row's proof and facts. Empty fields are left out. */
function optionsOf(bulk: Bulk, row: Row): ReleaseOptionsInput {
  const tags = bulk.extraTags.split(/[\s,]+/).filter(Boolean);
  const proofUrl = row.proofUrl || bulk.proofUrl;
  return {
    group: bulk.group,
    source: bulk.source,
    ...(bulk.ruleId ? { ruleId: Number(bulk.ruleId) } : {}),
    ...(bulk.templateId ? { templateId: Number(bulk.templateId) } : {}),
    ...(bulk.volumeSizeMb ? { volumeSizeMb: Number(bulk.volumeSizeMb) } : {}),
    ...(bulk.destinationIds.length ? { destinationIds: bulk.destinationIds } : {}),
    ...(tags.length ? { extraTags: tags } : {}),
    ...(proofUrl ? { proofUrl } : {}),
    overrides: row.overrides,
  };
}

function useUpload(uploadId?: string) {
  return useQuery({
    queryKey: ['upload', uploadId],
    queryFn: () => get<{ upload: Upload }>(`/uploads/${uploadId}`),
    enabled: !!uploadId,
    // Live events say when the inspection ends; this is the fallback.
    refetchInterval: (q) => (q.state.data?.upload.status === 'stored' ? 3000 : false),
    select: (d) => d.upload,
  });
}

export function NewReleasePage() {
  const { can, user } = useSession();
  const groups = useGroups();
  const rules = useRules();
  const templates = useTemplates();
  const destinations = useDestinations();
  const [rows, setRows] = useState<Row[]>([]);
  const [selected, setSelected] = useState<string>();
  const [dragging, setDragging] = useState(false);
  const myGroups = (groups.data ?? []).filter((g) => !g.members || g.members.some((m) => m.id === user.id));
  const [bulk, setBulk] = useState<Bulk>({ group: '', source: 'RETAIL', ruleId: '', templateId: '', volumeSizeMb: '', destinationIds: [], extraTags: '', proofUrl: '' });
  const group = bulk.group || myGroups[0]?.tag || '';
  const effectiveBulk = { ...bulk, group };
  const update = useCallback((key: string, change: Partial<Row> | ((row: Row) => Partial<Row>)) => {
    setRows((all) => all.map((r) => (r.key === key ? { ...r, ...(typeof change === 'function' ? change(r) : change) } : r)));
  }, []);
  const input = useRef<HTMLInputElement>(null);

  const addFiles = (files: FileList | File[]) => {
    const added = [...files].map((file) => ({ key: `${file.name}-${file.size}-${Math.random().toString(36).slice(2)}`, file, overrides: {}, proofUrl: '' }));
    setRows((all) => [...all, ...added]);
    setSelected((s) => s ?? added[0]?.key);
    for (const row of added) {
      const upload = uploadFile('/uploads', 'file', row.file, (progress) => update(row.key, { progress }));
      update(row.key, { cancel: upload.cancel });
      upload.done.then(
        (body) => update(row.key, { uploadId: (body as { upload: Upload }).upload.id, cancel: undefined }),
        (error: ApiError) => update(row.key, { error, cancel: undefined }),
      );
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length) addFiles(e.dataTransfer.files);
  };
  const queryClient = useQueryClient();
  const requestAll = async () => {
    for (const row of rows.filter((r) => r.uploadId && !r.releaseId)) {
      try {
        const { release } = await api<{ release: Release }>('POST', '/releases', { uploadId: row.uploadId, options: optionsOf(effectiveBulk, row) });
        queryClient.setQueryData(['release', release.id], { release });
        update(row.key, { releaseId: release.id, requestError: undefined });
      } catch (err) {
        update(row.key, { requestError: err as ApiError });
      }
    }
  };
  const current = rows.find((r) => r.key === selected);
  const ready = rows.filter((r) => r.uploadId && !r.releaseId).length;

  if (!can('releases:WRITE')) {
    return (
      <main>
        <h1>New release</h1>
        <Empty title="Your role cannot make releases">Ask an admin for the releases:WRITE permission.</Empty>
      </main>
    );
  }

  return (
    <main className="new-release">
      <h1>New release</h1>
      <div
        className={dragging ? 'dropzone dragging' : 'dropzone'}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p>
          Drop EPUB, PDF, MOBI/AZW3 or CBZ books here, or{' '}
          <button type="button" className="link" onClick={() => input.current?.click()}>
            choose files
          </button>
          .
        </p>
        <label className="visually-hidden" htmlFor="book-files">
          Books to upload
        </label>
        <input id="book-files" ref={input} type="file" multiple accept=".epub,.pdf,.mobi,.azw3,.cbz" className="visually-hidden" onChange={(e) => e.target.files && addFiles(e.target.files)} />
      </div>

      <section aria-labelledby="bulk-title" className="card">
        <h2 id="bulk-title">Options for every book</h2>
        <div className="grid">
          <Field label="Group" hint={myGroups.length === 0 ? 'You are in no group yet: an admin adds you to one.' : undefined}>
            {(p) => (
              <select {...p} value={group} onChange={(e) => setBulk({ ...bulk, group: e.target.value })}>
                {myGroups.map((g) => (
                  <option key={g.id} value={g.tag}>
                    {g.tag} — {g.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Source">
            {(p) => (
              <select {...p} value={bulk.source} onChange={(e) => setBulk({ ...bulk, source: e.target.value as Bulk['source'] })}>
                <option value="RETAIL">RETAiL</option>
                <option value="HYBRID">HYBRiD</option>
                <option value="SCAN">SCAN</option>
              </select>
            )}
          </Field>
          <Field label="Type">{(p) => <select {...p} value="EBOOK" disabled onChange={() => undefined}><option value="EBOOK">eBook</option></select>}</Field>
          <Field label="Rule">
            {(p) => (
              <select {...p} value={bulk.ruleId} onChange={(e) => setBulk({ ...bulk, ruleId: e.target.value })}>
                <option value="">Group default</option>
                {(rules.data ?? []).map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.title} ({r.year})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="NFO template">
            {(p) => (
              <select {...p} value={bulk.templateId} onChange={(e) => setBulk({ ...bulk, templateId: e.target.value })}>
                <option value="">Group default</option>
                {(templates.data ?? []).map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Volume size (MB)">
            {(p) => <input {...p} inputMode="numeric" value={bulk.volumeSizeMb} placeholder="rule default" onChange={(e) => setBulk({ ...bulk, volumeSizeMb: e.target.value.replace(/\D/g, '') })} />}
          </Field>
          <Field label="Extra tags" hint="e.g. iNTERNAL, space-separated">
            {(p) => <input {...p} value={bulk.extraTags} onChange={(e) => setBulk({ ...bulk, extraTags: e.target.value })} />}
          </Field>
          <Field label="Proof URL (all books)" hint="A store page; each book can have its own below.">
            {(p) => <input {...p} type="url" value={bulk.proofUrl} onChange={(e) => setBulk({ ...bulk, proofUrl: e.target.value })} />}
          </Field>
          <fieldset className="field">
            <legend>Destinations</legend>
            {(destinations.data ?? []).length === 0 ? <small className="hint">None (the group's, if any)</small> : null}
            {(destinations.data ?? []).map((d) => (
              <label key={d.id} className="check">
                <input
                  type="checkbox"
                  checked={bulk.destinationIds.includes(d.id)}
                  onChange={(e) => setBulk({ ...bulk, destinationIds: e.target.checked ? [...bulk.destinationIds, d.id] : bulk.destinationIds.filter((x) => x !== d.id) })}
                />
                {d.name}
              </label>
            ))}
          </fieldset>
        </div>
      </section>

      {rows.length === 0 ? (
        <Empty title="No books yet">Drop one or many books above: each gets its own row, preview and release.</Empty>
      ) : (
        <section aria-labelledby="files-title">
          <h2 id="files-title">Books ({rows.length})</h2>
          <div className="table-wrap">
            <table className="files">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Upload</th>
                  <th scope="col">Release</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <FileRow key={row.key} row={row} selected={row.key === selected} onSelect={() => setSelected(row.key)} onRemove={() => setRows((all) => all.filter((r) => r.key !== row.key))} />
                ))}
              </tbody>
            </table>
          </div>
          <div className="actions">
            <button type="button" className="primary" disabled={ready === 0 || !group} onClick={requestAll}>
              Request {ready === 1 ? 'release' : `${ready} releases`}
            </button>
          </div>
        </section>
      )}
      {current && <BookDetails key={current.key} row={current} bulk={effectiveBulk} onChange={(change) => update(current.key, change)} />}
    </main>
  );
}

function FileRow({ row, selected, onSelect, onRemove }: { row: Row; selected: boolean; onSelect: () => void; onRemove: () => void }) {
  const upload = useUpload(row.uploadId);
  const release = useQuery({ queryKey: ['release', row.releaseId], queryFn: () => get<{ release: Release }>(`/releases/${row.releaseId}`), enabled: !!row.releaseId, select: (d) => d.release });
  const p = row.progress;
  const percent = p && p.total ? (p.loaded / p.total) * 100 : 0;
  return (
    <tr className={selected ? 'selected' : undefined} data-file={row.file.name}>
      <th scope="row">
        <button type="button" className="link" onClick={onSelect} aria-pressed={selected}>
          {row.file.name}
        </button>
        <small className="hint"> {formatBytes(row.file.size)}</small>
      </th>
      <td>
        {row.error ? (
          <span className="field-error">{row.error.message}</span>
        ) : row.uploadId ? (
          <span data-testid="upload-status">{upload.data?.status === 'stored' ? 'inspecting…' : upload.data?.status === 'rejected' ? `rejected: ${upload.data.error}` : upload.data?.status ?? 'uploaded'}</span>
        ) : (
          <span className="upload-progress">
            <Progress value={percent} label={`Upload of ${row.file.name}`} />
            <small>
              {Math.round(percent)}% · {p ? `${formatBytes(p.speed)}/s` : '…'} · {p && Number.isFinite(p.eta) ? `${Math.ceil(p.eta)} s left` : ''}
            </small>
          </span>
        )}
      </td>
      <td>
        {row.requestError && <span className="field-error">{row.requestError.message}</span>}
        {release.data && (
          <span className="release-cell">
            <StateBadge state={release.data.state} /> <Progress value={release.data.progress} label={`Progress of ${row.file.name}`} />{' '}
            <Link to={`/releases/${release.data.id}`}>{release.data.name ?? 'open'}</Link>
          </span>
        )}
      </td>
      <td>
        {row.cancel ? (
          <button type="button" onClick={row.cancel}>
            Cancel upload
          </button>
        ) : !row.releaseId ? (
          <button type="button" onClick={onRemove} aria-label={`Remove ${row.file.name}`}>
            Remove
          </button>
        ) : null}
      </td>
    </tr>
  );
}

function BookDetails({ row, bulk, onChange }: { row: Row; bulk: Bulk; onChange: (change: Partial<Row>) => void }) {
  const upload = useUpload(row.uploadId);
  const inspected = upload.data?.status === 'inspected';
  const body = useMemo(() => ({ uploadId: row.uploadId, options: optionsOf(bulk, row) }), [row, bulk]);
  const debounced = useDebounced(body);
  const preview = useQuery({
    queryKey: ['preview', debounced],
    queryFn: ({ signal }) => api<{ preview: Preview }>('POST', '/releases/preview', debounced, signal),
    enabled: inspected && !!bulk.group && !row.releaseId,
    placeholderData: keepPreviousData,
    retry: false,
    select: (d) => d.preview,
  });
  const error = preview.error instanceof ApiError ? preview.error : undefined;
  const fields = preview.data?.metadata.fields ?? {};
  const setFact = (key: keyof Overrides, raw: string, numeric?: boolean, list?: boolean) => {
    const next: Record<string, unknown> = { ...row.overrides };
    if (raw.trim() === '') delete next[key];
    else next[key] = numeric ? Number(raw) : list ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
    onChange({ overrides: next as Overrides });
  };
  return (
    <section className="details" aria-labelledby="details-title">
      <h2 id="details-title">{row.file.name}</h2>
      {!row.uploadId ? (
        <Empty title="Uploading">The facts and the preview appear once the book is stored and inspected.</Empty>
      ) : !inspected ? (
        <Empty title={upload.data?.status === 'rejected' ? 'This file was refused' : 'Inspecting the book…'}>{upload.data?.error ?? 'Reading its embedded metadata.'}</Empty>
      ) : (
        <div className="two-columns">
          <form className="card facts" onSubmit={(e) => e.preventDefault()} aria-label="Facts of the book">
            <h3>Facts</h3>
            <p className="hint">Each field shows where its value comes from and how sure it is. What you type wins.</p>
            {FACTS.map(({ key, label, numeric, list }) => {
              const field = fields[key];
              const known = field?.value === undefined || field?.value === null ? '' : Array.isArray(field.value) ? field.value.join(', ') : String(field.value);
              const own = row.overrides[key];
              const value = own === undefined ? '' : Array.isArray(own) ? own.join(', ') : String(own);
              return (
                <Field
                  key={key}
                  label={label}
                  hint={field ? `${known || '—'} · from ${field.source} · confidence ${Math.round(field.confidence * 100)}%` : 'unknown'}
                  error={error?.about(key)}
                >
                  {(p) => <input {...p} name={key} value={value} placeholder={known} onChange={(e) => setFact(key, e.target.value, numeric, list)} />}
                </Field>
              );
            })}
            <Field label="Proof URL" error={error?.about('proofUrl')} hint="The store page a RETAiL release names in its NFO.">
              {(p) => <input {...p} type="url" name="proofUrl" value={row.proofUrl} onChange={(e) => onChange({ proofUrl: e.target.value })} />}
            </Field>
          </form>
          <div>
            {error && !error.details?.fields && <ErrorBanner error={error} />}
            {preview.data ? <PreviewPanel preview={preview.data} stale={preview.isFetching || debounced !== body} /> : <p className="loading preview-placeholder">Preparing the preview…</p>}
          </div>
        </div>
      )}
    </section>
  );
}
