import { FormEvent, useRef, useState } from 'react';
import { ApiError, uploadFile } from '../../api';
import { Empty, ErrorBanner, Field } from '../../ui';
import type { RuleRow } from '../../types';
import { BOOK_FORMATS } from '../../../../../lib/domain/embedded-metadata';
import { fieldError, numberOrText, otherError, useEditing, useResource } from './common';

type Limits = RuleRow['limits'];
type Format = Limits['formats'][number];
const NUMBERS = [
  ['nfoWidth', 'NFO width (columns)'],
  ['dizWidth', 'DIZ width (columns)'],
  ['dizLines', 'DIZ lines'],
  ['maxVolumes', 'Most volumes'],
  ['dirnameMaxLength', 'Longest name (characters)'],
] as const;
type NumberLimit = (typeof NUMBERS)[number][0];
/** The limits as typed: numbers stay text until sent, so the API judges them and names the field. */
type LimitsForm = { title: string; volumeSizesMb: string; formats: Format[] } & Record<NumberLimit, string>;
const EMPTY: LimitsForm = { title: '', volumeSizesMb: '', formats: [], nfoWidth: '', dizWidth: '', dizLines: '', maxVolumes: '', dirnameMaxLength: '' };
const formOf = (r: RuleRow): LimitsForm => ({
  title: r.title,
  volumeSizesMb: r.limits.volumeSizesMb.join(', '),
  formats: r.limits.formats,
  ...(Object.fromEntries(NUMBERS.map(([k]) => [k, String(r.limits[k])])) as Record<NumberLimit, string>),
});

export function RulesAdmin() {
  const { list, update, refresh } = useResource<RuleRow>('rules');
  const editing = useEditing<RuleRow, LimitsForm>(EMPTY, formOf, [update]);
  const { form, setForm } = editing;
  const file = useRef<HTMLInputElement>(null);
  const [report, setReport] = useState<{ rule: RuleRow; missing: string[] }>();
  const [error, setError] = useState<ApiError>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const chosen = file.current?.files?.[0];
    if (!chosen) return;
    setError(undefined);
    try {
      setReport((await uploadFile('/rules/import', 'file', chosen, () => undefined).done) as typeof report);
      void refresh();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!editing.item) return;
    const limits = {
      ...Object.fromEntries(NUMBERS.map(([k]) => [k, numberOrText(form[k])])),
      volumeSizesMb: form.volumeSizesMb.split(/[\s,]+/).filter(Boolean).map(numberOrText),
      formats: form.formats,
    };
    update.mutate({ id: editing.item.id, body: { title: form.title, limits } }, { onSuccess: editing.saved });
  };
  return (
    <section aria-labelledby="rules-h">
      <h2 id="rules-h">Rules</h2>
      {list.data?.length === 0 ? (
        <Empty title="No rules imported">Releases follow the built-in 2022 eBOOK limits. Import a rules .nfo to use another.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Title</th><th scope="col">Section</th><th scope="col">Year</th><th scope="col">Volume sizes (MB)</th><th scope="col">NFO width</th><th scope="col">Name length</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {(list.data ?? []).map((r) => (
                <tr key={r.id} className={editing.item?.id === r.id ? 'selected' : undefined}>
                  <td>{r.title}</td><td>{r.section}</td><td>{r.year}</td><td>{r.limits.volumeSizesMb.join(', ')}</td><td>{r.limits.nfoWidth}</td><td>{r.limits.dirnameMaxLength}</td>
                  <td><button type="button" onClick={() => editing.open(r)} aria-label={`Edit limits of ${r.title}`}>Edit limits</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing.savedNote && <p role="status" className="banner">Limits saved.</p>}
      {editing.item && (
      <form ref={editing.formRef} className="card grid" onSubmit={save} aria-label="Edit limits">
        <h3 className="wide">Limits of {editing.item.title}</h3>
        <Field label="Title" wide error={fieldError(update.error, 'title')}>{(p) => <input {...p} value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} required />}</Field>
        {NUMBERS.map(([key, label]) => (
          <Field key={key} label={label} error={fieldError(update.error, `limits.${key}`)}>{(p) => <input {...p} inputMode="numeric" value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />}</Field>
        ))}
        <Field label="Volume sizes (MB)" hint="allowed sizes, comma-separated" error={fieldError(update.error, 'limits.volumeSizesMb')}>{(p) => <input {...p} value={form.volumeSizesMb} onChange={(e) => setForm({ ...form, volumeSizesMb: e.target.value })} />}</Field>
        <fieldset className="wide">
          <legend>Formats</legend>
          {BOOK_FORMATS.map((f) => (
            <label key={f} className="check">
              <input type="checkbox" checked={form.formats.includes(f)} onChange={(e) => setForm({ ...form, formats: e.target.checked ? [...form.formats, f] : form.formats.filter((x) => x !== f) })} /> {f}
            </label>
          ))}
          {fieldError(update.error, 'limits.formats') && <small id="formats-error" className="field-error" role="alert">{fieldError(update.error, 'limits.formats')}</small>}
        </fieldset>
        <div className="actions wide">
          <button type="submit" className="primary" disabled={update.isPending}>Save limits</button>
          <button type="button" onClick={editing.close}>Cancel editing</button>
        </div>
        <ErrorBanner error={otherError(update.error)} />
      </form>
      )}
      <form className="card" onSubmit={submit} aria-label="Import rules">
        <h3>Import a rules .nfo</h3>
        <Field label="Rules file">{(p) => <input {...p} ref={file} type="file" accept=".nfo,.txt" required />}</Field>
        <div className="actions"><button type="submit" className="primary">Import</button></div>
        <ErrorBanner error={error} />
      </form>
      {report && (
        <section className="card" role="status" aria-label="Import report">
          <h3>Imported: {report.rule.title}</h3>
          <p>Volume sizes {report.rule.limits.volumeSizesMb.join(', ')} MB; names up to {report.rule.limits.dirnameMaxLength} characters.</p>
          {report.missing.length ? <p>Not found in the file (defaults kept): {report.missing.join(', ')}</p> : <p>Every limit was read from the file.</p>}
        </section>
      )}
    </section>
  );
}
