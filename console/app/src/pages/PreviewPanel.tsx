import type { Preview } from '../types';

/** An NFO as an NFO viewer shows it: CP437 box drawing in a monospace font, 80 columns. */
export function NfoView({ text, label }: { text: string; label: string }) {
  return (
    <pre className="nfo" aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}

/** What a request would publish: name, every rule check, the NFO, each DIZ and the zip names. */
export function PreviewPanel({ preview, stale }: { preview: Preview; stale: boolean }) {
  return (
    <section className={stale ? 'preview stale' : 'preview'} aria-label="Preview" aria-busy={stale}>
      <h3>Release name</h3>
      <p className="release-name" data-testid="preview-name">
        {preview.name}
      </p>
      <h3>Rule checks</h3>
      <ul className="checks">
        {preview.checks.map((c) => (
          <li key={c.check} className={c.passed ? 'pass' : 'fail'}>
            <span aria-hidden="true">{c.passed ? '✓' : '✗'}</span> {c.check}: {c.passed ? 'pass' : `fail — ${c.detail}`}
          </li>
        ))}
      </ul>
      {preview.reviewReasons.length > 0 && (
        <>
          <h3>Would wait for review</h3>
          <ul>
            {preview.reviewReasons.map((r) => (
              <li key={r.message}>{r.message}</li>
            ))}
          </ul>
        </>
      )}
      {preview.volumes && (
        <>
          <h3>
            Volumes ({preview.volumes.count} × up to {preview.volumes.sizeMb} MB)
          </h3>
          <ul className="zips">
            {preview.volumes.files.map((f, i) => (
              <li key={f.zip}>
                <code>{f.zip}</code>
                <details>
                  <summary>FILE_ID.DIZ of volume {i + 1}</summary>
                  <pre className="nfo diz">{f.diz}</pre>
                </details>
              </li>
            ))}
          </ul>
        </>
      )}
      {preview.nfo && (
        <>
          <h3>{preview.nfo.fileName}</h3>
          <NfoView text={preview.nfo.text} label="NFO preview" />
        </>
      )}
    </section>
  );
}
