import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { Confirm, releaseLabel as label } from '../ui';
import type { Permission, Release, ReleaseListItem } from '../types';

/**
 * Bulk actions on the releases list. Each release is sent to its own route (the same call, checks
 * and error answer as on its page), a few at a time, and each outcome is shown as it arrives:
 * some may be refused for their state or the user's rights while the others go through.
 */
interface Action {
  verb: string;
  permission: Permission;
  question: (n: number) => string;
  explain: string;
  done: string;
  danger?: boolean;
  call: (id: string) => Promise<{ release?: Release } | undefined>;
}

type ActionName = 'approve' | 'retry' | 'delete';
const BULK_ACTIONS: Record<ActionName, Action> = {
  approve: { verb: 'Approve', permission: 'releases:WRITE', question: (n) => `Approve and pack ${n} release${n === 1 ? '' : 's'}?`, explain: 'Releases in review are packed; others are refused.', done: 'approved, packing', call: (id) => api<{ release: Release }>('POST', `/releases/${id}/approve`) },
  retry: { verb: 'Retry', permission: 'releases:WRITE', question: (n) => `Request ${n} release${n === 1 ? '' : 's'} again?`, explain: 'Failed and cancelled releases are requested again with the same book and options, each as a new release replacing the old one; others are refused.', done: 'requested again', call: (id) => api<{ release: Release }>('POST', `/releases/${id}/retry`) },
  delete: { verb: 'Delete', permission: 'releases:DELETE', danger: true, question: (n) => `Delete ${n} release${n === 1 ? '' : 's'}?`, explain: 'Settled releases go with their published folders, files and SFVs; this cannot be undone. Releases still running are refused.', done: 'deleted', call: (id) => api<undefined>('DELETE', `/releases/${id}`) },
};

type Outcome = { release: ReleaseListItem; state: 'working' } | { release: ReleaseListItem; state: 'done'; next?: Release } | { release: ReleaseListItem; state: 'refused'; message: string };

const AT_ONCE = 4;

/** Calls `each` for every item, at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, each: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await each(item);
  }));
}

export function BulkActions({ selected, onSettled }: { selected: ReleaseListItem[]; onSettled: (refused: string[]) => void }) {
  const { can } = useSession();
  const client = useQueryClient();
  const [asking, setAsking] = useState<ActionName>();
  const [run, setRun] = useState<{ action: ActionName; outcomes: Record<string, Outcome> }>();
  const running = run !== undefined && Object.values(run.outcomes).some((o) => o.state === 'working');
  const allowed = (Object.keys(BULK_ACTIONS) as ActionName[]).filter((a) => can(BULK_ACTIONS[a].permission));
  if (allowed.length === 0) return null;

  const start = async (name: ActionName) => {
    const action = BULK_ACTIONS[name];
    const targets = selected;
    setAsking(undefined);
    const set = (outcome: Outcome) => setRun((r) => r && { ...r, outcomes: { ...r.outcomes, [outcome.release.id]: outcome } });
    setRun({ action: name, outcomes: Object.fromEntries(targets.map((release) => [release.id, { release, state: 'working' } as Outcome])) });
    const refused: string[] = [];
    await inBatches(targets, AT_ONCE, async (release) => {
      try {
        const answer = await action.call(release.id);
        set({ release, state: 'done', next: answer?.release && answer.release.id !== release.id ? answer.release : undefined });
      } catch (err) {
        refused.push(release.id);
        set({ release, state: 'refused', message: err instanceof ApiError ? `${err.message} (${err.status === 0 ? err.code : `${err.status} ${err.code}`})` : String(err) });
      }
    });
    onSettled(refused);
    await client.invalidateQueries({ queryKey: ['releases'] });
  };

  const outcomes = run ? Object.values(run.outcomes) : [];
  const refusedCount = outcomes.filter((o) => o.state === 'refused').length;
  return (
    <>
      <div className="actions bulk" role="toolbar" aria-label="Bulk actions">
        <span aria-live="polite">{selected.length} selected</span>
        {allowed.map((name) => (
          <button key={name} type="button" className={BULK_ACTIONS[name].danger ? 'danger' : undefined} disabled={selected.length === 0 || running} onClick={() => setAsking(name)}>
            {BULK_ACTIONS[name].verb} selected
          </button>
        ))}
      </div>
      {run && (
        <section className="card" aria-labelledby="bulk-outcome-h">
          <h2 id="bulk-outcome-h">
            {BULK_ACTIONS[run.action].verb}: {running ? 'working…' : `${outcomes.length - refusedCount} done, ${refusedCount} refused`}
          </h2>
          <div className="table-wrap">
            <table aria-label="Bulk outcome">
              <thead><tr><th scope="col">Release</th><th scope="col">Outcome</th></tr></thead>
              <tbody>
                {outcomes.map((o) => (
                  <tr key={o.release.id}>
                    <td>{o.state === 'done' && run.action === 'delete' ? label(o.release) : <Link to={`/releases/${o.release.id}`}>{label(o.release)}</Link>}</td>
                    <td data-testid="bulk-outcome" className={o.state === 'refused' ? 'field-error' : undefined}>
                      {o.state === 'working' && 'working…'}
                      {o.state === 'done' && (o.next ? <>{BULK_ACTIONS[run.action].done}: <Link to={`/releases/${o.next.id}`}>new release</Link></> : BULK_ACTIONS[run.action].done)}
                      {o.state === 'refused' && `refused: ${o.message}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!running && <button type="button" onClick={() => setRun(undefined)}>Dismiss</button>}
        </section>
      )}
      <Confirm
        open={!!asking}
        title={asking ? BULK_ACTIONS[asking].question(selected.length) : ''}
        confirmLabel={asking ? BULK_ACTIONS[asking].verb : ''}
        danger={asking ? Boolean(BULK_ACTIONS[asking].danger) : false}
        onCancel={() => setAsking(undefined)}
        onConfirm={() => asking && void start(asking)}
      >
        {asking && (
          <>
            <p>{BULK_ACTIONS[asking].explain}</p>
            <ul>{selected.map((r) => <li key={r.id}>{label(r)}</li>)}</ul>
          </>
        )}
      </Confirm>
    </>
  );
}
