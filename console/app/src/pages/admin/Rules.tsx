import { FormEvent, useRef, useState } from 'react';
import { ApiError, uploadFile } from '../../api';
import { Empty, ErrorBanner, Field } from '../../ui';
import type { RuleRow } from '../../types';
import { useResource } from './common';

export function RulesAdmin() {
  const { list, refresh } = useResource<RuleRow>('rules');
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
  return (
    <section aria-labelledby="rules-h">
      <h2 id="rules-h">Rules</h2>
      {list.data?.length === 0 ? (
        <Empty title="No rules imported">Releases follow the built-in 2022 eBOOK limits. Import a rules .nfo to use another.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Title</th><th scope="col">Section</th><th scope="col">Year</th><th scope="col">Volume sizes (MB)</th><th scope="col">Name length</th></tr></thead>
            <tbody>
              {(list.data ?? []).map((r) => (
                <tr key={r.id}><td>{r.title}</td><td>{r.section}</td><td>{r.year}</td><td>{r.limits.volumeSizesMb.join(', ')}</td><td>{r.limits.dirnameMaxLength}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
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
