/** Server-rendered pages of the operator console: plain HTML, inline CSS, no scripts, no CDN. */
import type { ReconcileReport } from '../jobs/reconcile-report';
import type { WatchOutcomeRow } from './watch-folder-outcomes';

const escape = (text: unknown) =>
  String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f4f6f9; }
  header { background: #1d2330; color: #fff; padding: 10px 24px; display: flex; gap: 24px; align-items: center; }
  header a, header button { color: #cfe0ff; background: none; border: 0; font: inherit; cursor: pointer; text-decoration: none; }
  main { padding: 20px 24px; display: grid; gap: 20px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
  section { background: #fff; border-radius: 6px; padding: 14px 18px; box-shadow: 0 1px 2px #0001; }
  h1 { font-size: 16px; margin: 0; } h2 { font-size: 15px; margin: 0 0 10px; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef0f4; }
  .bad { color: #b3261e; font-weight: 600; } .ok { color: #1b7f3b; font-weight: 600; }
  form.login { max-width: 320px; margin: 80px auto; background: #fff; padding: 24px; border-radius: 6px; display: grid; gap: 10px; }
  input, .login button { font: inherit; padding: 8px; } .error { color: #b3261e; }`;

function page(title: string, body: string, nav = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escape(title)} - eBook Scene Packer</title><style>${STYLE}</style></head><body>${nav}${body}</body></html>`;
}

export function loginPage(error?: string): string {
  return page(
    'Log in',
    `<form class="login" method="post" action="/admin/login">
  <h1>eBook Scene Packer console</h1>
  ${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
  <label>Email <input name="email" autocomplete="username" required></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>`,
  );
}

export interface DashboardData {
  user: string;
  queues: { name: string; waiting: number; active: number; failed: number; delayed: number; completedLastHour: number }[];
  releases: { id: string; name: string | null; state: string; step: string | null; progress: number; updatedAt: Date }[];
  failedJobs: { queue: string; id: string; name: string; reason: string; finishedOn?: number }[];
  components: { name: string; status: string; detail: string }[];
  system: { name: string; usedPercent: number }[];
  /** The last reconciler run (disk, database and queues made to agree); absent before the first. */
  reconcile?: ReconcileReport;
  /** The last files found in groups' watch folders and what became of each. */
  watchFolders: WatchOutcomeRow[];
}

const statusClass = (ok: boolean) => (ok ? 'ok' : 'bad');
const rows = (cells: string[][]) => cells.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');

export function dashboardPage(data: DashboardData): string {
  const nav = `<header><h1>eBook Scene Packer</h1><a href="/admin">Dashboard</a><a href="/admin/queues">Queues (Bull Board)</a>
<span style="margin-left:auto">${escape(data.user)}</span><form method="post" action="/admin/logout"><button type="submit">Log out</button></form></header>`;
  const body = `<main>
<section><h2>Queues</h2><table><tr><th>Queue</th><th>Waiting</th><th>Active</th><th>Failed</th><th>Delayed</th><th>Done (1 h)</th></tr>
${rows(data.queues.map((q) => [escape(q.name), String(q.waiting), String(q.active), `<span class="${statusClass(q.failed === 0)}">${q.failed}</span>`, String(q.delayed), String(q.completedLastHour)]))}</table></section>
<section><h2>Health</h2><table>${rows(data.components.map((c) => [escape(c.name), `<span class="${statusClass(c.status === 'up')}">${escape(c.status)}</span>`, escape(c.detail)]))}
${rows(data.system.map((s) => [escape(s.name), `<span class="${statusClass(s.usedPercent < 80)}">${s.usedPercent.toFixed(0)}%</span>`, 'alert at 80%']))}</table></section>
<section><h2>Recent releases</h2><table><tr><th>Release</th><th>State</th><th>Progress</th></tr>
${rows(data.releases.map((r) => [escape(r.name ?? r.id), `<span class="${statusClass(r.state !== 'failed')}">${escape(r.state)}${r.step && r.state === 'failed' ? ` (${escape(r.step)})` : ''}</span>`, `${r.progress}%`]))}</table></section>
<section><h2>Failed jobs</h2><table><tr><th>Queue</th><th>Job</th><th>Reason</th></tr>
${rows(data.failedJobs.map((j) => [escape(j.queue), `<a href="/admin/queues/queue/${encodeURIComponent(j.queue)}?status=failed">${escape(j.id)}</a>`, escape(j.reason)]))}</table></section>
${reconcileSection(data.reconcile)}
${watchFolderSection(data.watchFolders)}
</main>`;
  return page('Dashboard', body, nav);
}

function watchFolderSection(files: WatchOutcomeRow[]): string {
  if (!files.length) return '<section><h2>Watch folders</h2><p>No file has been found in a watch folder yet.</p></section>';
  return `<section><h2>Watch folders</h2><table><tr><th>Group</th><th>File</th><th>Outcome</th><th>Release</th></tr>
${rows(
  files.map((f) => [
    escape(f.group),
    escape(f.fileName) + (f.movedTo ? `<br><small>moved to ${escape(f.movedTo)}</small>` : ''),
    `<span class="${statusClass(f.state !== 'failed')}">${escape(f.state)}</span>${f.error ? `: ${escape(f.error)}` : ''}`,
    f.releaseId ? `${escape(f.releaseId)} (${escape(f.releaseState ?? 'deleted')})` : '',
  ]),
)}</table></section>`;
}

function reconcileSection(report: ReconcileReport | undefined): string {
  if (!report) return '<section><h2>Consistency</h2><p>The reconciler has not run yet.</p></section>';
  const list = (items: string[]) => (items.length ? escape(items.join(', ')) : 'none');
  const strays = report.foldersWithoutRow.length + report.rowsWithoutFolder.length;
  return `<section><h2>Consistency</h2><p>Last reconciler run ${escape(report.finishedAt)}</p><table>
${rows([
  ['Release folders with no release row', `<span class="${statusClass(report.foldersWithoutRow.length === 0)}">${list(report.foldersWithoutRow)}</span>`],
  ['Done releases with no folder', `<span class="${statusClass(report.rowsWithoutFolder.length === 0)}">${list(report.rowsWithoutFolder.map((r) => `${r.name} (${r.id})`))}</span>`],
  ['Stranded releases failed', list(report.releasesFailed.map((r) => `${r.id}: ${r.reason}`))],
  ['Staging entries removed', list(report.stagingRemoved)],
  // Absent from reports saved before the field existed.
  ['Stored uploads without a row removed', list(report.uploadsRemoved ?? [])],
  ['Trash entries emptied', list(report.trashEmptied)],
  ['Job runs of dead workers closed', String(report.jobRunsClosed)],
])}</table>${strays ? '<p class="bad">Strays are left for an operator to look at.</p>' : ''}</section>`;
}
