import { useMemo, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, ApiError, get } from '../../api';
import { useDebounced } from '../../lookups';
import { useSession } from '../../session';
import { ErrorBanner, Field, releaseLabel } from '../../ui';
import { NfoView } from '../PreviewPanel';
import type { Release, TemplateRow } from '../../types';
import { fieldError, useResource } from './common';

const STARTER = `{{title}}\nby {{authors}}\n\nPublisher......: {{publisher}}\nYear...........: {{year}}\n`;
const lineOf = (problem: string) => Number(/line (\d+)/.exec(problem)?.[1] ?? 0);
/** Releases to preview with: the most recently changed ones that have a book record (enriched). */
const RECENT = 50;
const enriched = (r: Release) => Boolean((r.metadata as { record?: { title?: string } } | null)?.record?.title);

/** The NFO template editor: line numbers, each problem at its line, and a live preview with sample data or a release's own. */
export function TemplatesAdmin() {
  const { can } = useSession();
  const { list, create, update } = useResource<TemplateRow>('templates');
  const [releaseId, setReleaseId] = useState('');
  const releases = useQuery({
    queryKey: ['releases', 'enriched'],
    queryFn: () => get<{ releases: Release[] }>(`/releases?pageSize=${RECENT}&sort=-updatedAt`),
    enabled: can('releases:READ'),
    select: (d) => d.releases.filter(enriched),
  });
  const chosen = releases.data?.find((r) => r.id === releaseId);
  const [editing, setEditing] = useState<TemplateRow>();
  const [name, setName] = useState('');
  const [body, setBody] = useState(STARTER);
  const draft = useDebounced(body);
  const preview = useQuery({
    queryKey: ['template-preview', draft, releaseId],
    queryFn: () => api<{ preview: { text: string; problems: string[]; width: number; lines: number } }>('POST', '/templates/preview', { body: draft, ...(releaseId ? { releaseId } : {}) }),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const previewError = preview.error instanceof ApiError ? preview.error : undefined;
  const problems = useMemo(
    () => [...(preview.data?.preview.problems ?? []), ...((previewError?.details?.problems as string[] | undefined) ?? (previewError ? [previewError.message] : []))],
    [preview.data, previewError],
  );
  const lines = body.split('\n');
  const open = (t?: TemplateRow) => {
    setEditing(t);
    setName(t?.name ?? '');
    setBody(t?.body ?? STARTER);
  };
  const save = () => (editing ? update.mutate({ id: editing.id, body: { body } }) : create.mutate({ name, body }));
  const saveError = (editing ? update.error : create.error) as ApiError | undefined;
  return (
    <section aria-labelledby="templates-h">
      <h2 id="templates-h">NFO templates</h2>
      <ul className="chips">
        {(list.data ?? []).map((t) => (
          <li key={t.id}><button type="button" aria-pressed={editing?.id === t.id} onClick={() => open(t)}>{t.name}</button></li>
        ))}
        <li><button type="button" aria-pressed={!editing} onClick={() => open()}>New template</button></li>
      </ul>
      <div className="two-columns">
        <div className="card">
          {!editing && <Field label="Template name" error={fieldError(saveError, 'name')}>{(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}</Field>}
          <label htmlFor="template-body">Template</label>
          <div className="editor">
            <ol className="gutter" aria-hidden="true">
              {lines.map((_, i) => (
                <li key={i} className={problems.some((p) => lineOf(p) === i + 1) ? 'bad' : undefined}>{i + 1}</li>
              ))}
            </ol>
            <textarea id="template-body" spellCheck={false} value={body} rows={Math.max(12, lines.length + 1)} onChange={(e) => setBody(e.target.value)} aria-describedby="template-problems" />
          </div>
          <ul id="template-problems" className="problems" aria-live="polite">
            {problems.map((p) => (
              <li key={p} className="field-error">{lineOf(p) ? <strong>Line {lineOf(p)}: </strong> : null}{p.replace(/^line \d+: /, '')}</li>
            ))}
          </ul>
          <div className="actions"><button type="button" className="primary" onClick={save}>{editing ? 'Save template' : 'Create template'}</button></div>
          <ErrorBanner error={saveError && !saveError.details?.fields ? saveError : undefined} />
          {(create.isSuccess || update.isSuccess) && <p role="status" className="banner">Saved.</p>}
        </div>
        <div>
          {can('releases:READ') && (
            <Field label="Preview with" hint={`sample data, or one of the ${RECENT} most recently changed releases that have a book record`}>
              {(p) => (
                <select {...p} value={releaseId} onChange={(e) => setReleaseId(e.target.value)}>
                  <option value="">sample data</option>
                  {(releases.data ?? []).map((r) => <option key={r.id} value={r.id}>{releaseLabel(r)}</option>)}
                </select>
              )}
            </Field>
          )}
          <h3>Preview with {chosen ? releaseLabel(chosen) : 'sample data'}</h3>
          {preview.data && (
            <div className={preview.isPlaceholderData ? 'preview stale' : 'preview'} aria-busy={preview.isPlaceholderData}>
              <p className="hint" data-testid="template-preview-size">{preview.data.preview.width} columns, {preview.data.preview.lines} lines</p>
              <NfoView text={preview.data.preview.text} label="Template preview" />
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
