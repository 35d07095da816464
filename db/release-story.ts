import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import type { Config } from '../lib/config';
import { datedLogPattern } from '../lib/logger';
import { JobRun, Release } from './models';

type LogLine = Record<string, unknown>;

/** The lines jobs/run-job.ts writes for each attempt, and which end of it they tell. */
const ATTEMPT_LINES: Record<string, 'started' | 'finished'> = { 'job started': 'started', 'job completed': 'finished', 'job failed': 'finished' };

/** One moment of a release's story: a log line of any process, or a job attempt's start or end. */
export interface StoryEntry {
  at: Date;
  source: 'log' | 'job';
  level: string;
  text: string;
  requestId?: string;
  jobId?: string;
}

/**
 * Everything that happened to a release, in time order: every log line of every process (the log
 * files of all days since the release was asked for, gzipped ones too) that names the release, or
 * the request that started it, and its job attempts from `job_runs` where the logs do not tell of
 * them (logs of another host, or rotated away; MySQL keeps those times to the second only, so the
 * log's own lines are preferred). Lines are streamed, so a big log costs time, not memory.
 */
export async function releaseStory(config: Pick<Config, 'log'>, releaseId: string): Promise<StoryEntry[] | undefined> {
  const release = await Release.query().findById(releaseId);
  if (!release) return undefined;
  const entries: StoryEntry[] = [];
  /** `<jobId>#<attempt>#started|finished` of the attempts the logs tell of. */
  const logged = new Set<string>();
  const files = await logFilesSince(config.log.file, release.createdAt);
  // The requests that started the release's jobs are named on its job lines; their own lines
  // (the POST that asked for it) carry only the request id. Two passes keep memory flat.
  const requestIds = new Set<string>();
  await forEachLine(files, releaseId, (line) => {
    if (line.releaseId === releaseId && typeof line.requestId === 'string') requestIds.add(line.requestId);
  });
  await forEachLine(files, undefined, (line) => {
    if (line.releaseId !== releaseId && !requestIds.has(line.requestId as string)) return;
    const { timestamp, level, message, releaseId: _r, requestId, jobId, ...rest } = line;
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    entries.push({ at: new Date(String(timestamp)), source: 'log', level: String(level), text: `${message}${extra}`, requestId: requestId as string | undefined, jobId: jobId as string | undefined });
    const step = ATTEMPT_LINES[String(message)];
    if (step && jobId) logged.add(`${jobId}#${rest.attempt}#${step}`);
  });
  for (const run of await JobRun.query().where({ releaseId }).orderBy('id')) {
    const name = `${run.queue}/${run.jobName} attempt ${run.attempt}`;
    if (!logged.has(`${run.jobId}#${run.attempt}#started`)) entries.push({ at: run.startedAt, source: 'job', level: 'info', jobId: run.jobId, text: `${name} started` });
    if (run.finishedAt && !logged.has(`${run.jobId}#${run.attempt}#finished`)) {
      entries.push({ at: run.finishedAt, source: 'job', level: run.state === 'failed' ? 'warn' : 'info', jobId: run.jobId, text: `${name} ${run.state}${run.error ? `: ${run.error}` : ''}` });
    }
  }
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export function formatStory(entries: StoryEntry[]): string {
  return entries
    .map((e) => [e.at.toISOString(), e.level.padEnd(5), e.source.padEnd(3), e.jobId ? `[${e.jobId}]` : e.requestId ? `[request ${e.requestId}]` : '', e.text].filter(Boolean).join(' '))
    .join('\n');
}

/** The dated log files from `since`'s day on, oldest first (every process appends to the same ones). */
async function logFilesSince(logFile: string, since: Date): Promise<string[]> {
  const [stem, ext] = path.basename(datedLogPattern(logFile)).split('%DATE%');
  const dir = path.dirname(logFile);
  const firstDay = since.toISOString().slice(0, 10);
  const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter((name) => {
    const day = name.slice(stem.length, stem.length + 10);
    return name.startsWith(stem) && (name.endsWith(ext) || name.endsWith(`${ext}.gz`)) && /^\d{4}-\d{2}-\d{2}$/.test(day) && day >= firstDay;
  });
  return names.sort().map((name) => path.join(dir, name));
}

/** Streams the JSON lines of the files (only those containing `mustContain`, when given). */
async function forEachLine(files: string[], mustContain: string | undefined, visit: (line: LogLine) => void): Promise<void> {
  for (const file of files) {
    const raw = fs.createReadStream(file);
    const input = file.endsWith('.gz') ? raw.pipe(zlib.createGunzip()) : raw;
    for await (const text of readline.createInterface({ input, crlfDelay: Infinity })) {
      if (!text.startsWith('{') || (mustContain && !text.includes(mustContain))) continue;
      try {
        visit(JSON.parse(text) as LogLine);
      } catch {
        // A line cut by a crash is not part of anyone's story.
      }
    }
  }
}
