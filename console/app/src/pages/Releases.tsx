import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { Empty, ErrorBanner, Field, Progress, releaseLabel, StateBadge } from '../ui';
import type { ReleaseListItem } from '../types';
import { BulkActions } from './BulkActions';

const STATES = ['queued', 'inspecting', 'enriching', 'review', 'packing', 'done', 'failed', 'cancelled'];
const FILTERS = ['q', 'state', 'group', 'userId', 'from', 'to', 'sort', 'page', 'pageSize'] as const;

/** Filters, sort and page live in the URL: a view can be bookmarked and shared. */
export function ReleasesPage() {
  const { search } = useLocation();
  const { can } = useSession();
  const params = new URLSearchParams();
  for (const key of FILTERS) if (search.get(key)) params.set(key, search.get(key)!);
  if (!params.has('pageSize')) params.set('pageSize', '20');
  const list = useQuery({
    queryKey: ['releases', params.toString()],
    queryFn: () => get<{ releases: ReleaseListItem[]; pagination: { page: number; pages: number; total: number } }>(`/releases?${params}`),
    placeholderData: keepPreviousData,
  });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'page') next.delete('page');
    navigate(`/releases${next.toString() ? `?${next}` : ''}`, true);
  };
  const page = list.data?.pagination;
  const rows = list.data?.releases ?? [];
  // The selection follows the user from page to page of one filter; another filter starts afresh.
  const [picked, setPicked] = useState<Map<string, ReleaseListItem>>(new Map());
  const filter = new URLSearchParams(params);
  filter.delete('page');
  useEffect(() => setPicked(new Map()), [filter.toString()]);
  const selected = [...picked.values()];
  const selectedHere = rows.filter((r) => picked.has(r.id)).length;
  const pick = (on: boolean, ...releases: ReleaseListItem[]) => setPicked((now) => {
    const next = new Map(now);
    for (const release of releases) {
      if (on) next.set(release.id, release);
      else next.delete(release.id);
    }
    return next;
  });
  const bulk = can('releases:WRITE') || can('releases:DELETE');
  return (
    <main>
      <h1>Releases</h1>
      <form className="filters grid" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Name contains">{(p) => <input {...p} type="search" defaultValue={search.get('q') ?? ''} onChange={(e) => set('q', e.target.value)} />}</Field>
        <Field label="State">
          {(p) => (
            <select {...p} value={search.get('state') ?? ''} onChange={(e) => set('state', e.target.value)}>
              <option value="">any</option>
              {STATES.map((s) => <option key={s}>{s}</option>)}
            </select>
          )}
        </Field>
        <Field label="Group">{(p) => <input {...p} defaultValue={search.get('group') ?? ''} onChange={(e) => set('group', e.target.value)} />}</Field>
        {can('releases:MOD') && <Field label="User id">{(p) => <input {...p} inputMode="numeric" defaultValue={search.get('userId') ?? ''} onChange={(e) => set('userId', e.target.value.replace(/\D/g, ''))} />}</Field>}
        <Field label="From">{(p) => <input {...p} type="date" value={search.get('from') ?? ''} onChange={(e) => set('from', e.target.value)} />}</Field>
        <Field label="To">{(p) => <input {...p} type="date" value={search.get('to') ?? ''} onChange={(e) => set('to', e.target.value)} />}</Field>
        <Field label="Sort">
          {(p) => (
            <select {...p} value={search.get('sort') ?? '-createdAt'} onChange={(e) => set('sort', e.target.value)}>
              <option value="-createdAt">newest first</option>
              <option value="createdAt">oldest first</option>
              <option value="name">name A–Z</option>
              <option value="-name">name Z–A</option>
              <option value="state">state</option>
              <option value="-updatedAt">recently changed</option>
            </select>
          )}
        </Field>
      </form>
      <ErrorBanner error={list.error} />
      {/* Refused releases stay selected, to be looked at or acted on otherwise. */}
      {bulk && <BulkActions selected={selected} onSettled={(refused) => setPicked((now) => new Map([...now].filter(([id]) => refused.includes(id))))} />}
      {bulk && selected.length > selectedHere && (
        <p className="hint" role="status">
          {selected.length - selectedHere} of the {selected.length} selected {selected.length - selectedHere === 1 ? 'is' : 'are'} on other pages.{' '}
          <button type="button" className="link" onClick={() => setPicked(new Map())}>Clear selection</button>
        </p>
      )}
      {list.data && list.data.releases.length === 0 ? (
        <Empty title="No releases match">{search.toString() ? 'Clear a filter to see more.' : 'Make one on the New release page.'}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="releases">
            <thead><tr>{bulk && <th scope="col"><SelectAll rows={rows} selected={selectedHere} onChange={(on) => pick(on, ...rows)} /></th>}<th scope="col">Name</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Requested</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} className={picked.has(r.id) ? 'selected' : undefined}>
                  {bulk && <td><input type="checkbox" aria-label={`Select ${releaseLabel(r)}`} checked={picked.has(r.id)} onChange={(e) => pick(e.target.checked, r)} /></td>}
                  <td><Link to={`/releases/${r.id}`}>{releaseLabel(r)}</Link></td>
                  <td><StateBadge state={r.state} /></td>
                  <td><Progress value={r.progress} label={`Progress of ${releaseLabel(r)}`} /></td>
                  <td>{new Date(r.createdAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && page.pages > 1 && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={page.page <= 1} onClick={() => set('page', String(page.page - 1))}>Previous</button>
          <span>Page {page.page} of {page.pages} ({page.total})</span>
          <button type="button" disabled={page.page >= page.pages} onClick={() => set('page', String(page.page + 1))}>Next</button>
        </nav>
      )}
    </main>
  );
}

function SelectAll({ rows, selected, onChange }: { rows: ReleaseListItem[]; selected: number; onChange: (on: boolean) => void }) {
  return (
    <input
      type="checkbox"
      aria-label="Select every release on this page"
      checked={rows.length > 0 && selected === rows.length}
      ref={(box) => {
        if (box) box.indeterminate = selected > 0 && selected < rows.length;
      }}
      onChange={(e) => onChange(e.target.checked)}
    />
  );
}
