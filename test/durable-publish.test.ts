import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv, fromSources } from './support/worker-process';

/**
 * A power cut must never publish a folder of empty files: every file of a release and its folder
 * are flushed (fsync) before the rename that publishes them, and the parent after it. Watched
 * from the outside with strace on a real packing process.
 */

interface Call {
  name: string;
  args: string;
  /** Index of the line on which the call returned: the order calls finished in. */
  returnedAt: number;
  ok: boolean;
}

/** Reads an `strace -f -y` log, joining calls that other threads interrupted ("unfinished ... resumed"). */
function parseStrace(log: string): Call[] {
  const calls: Call[] = [];
  const pending = new Map<string, { name: string; args: string }>();
  log.split('\n').forEach((line, index) => {
    const unfinished = line.match(/^(\d+)\s+(\w+)\((.*) <unfinished \.\.\.>$/);
    if (unfinished) {
      pending.set(`${unfinished[1]}:${unfinished[2]}`, { name: unfinished[2], args: unfinished[3] });
      return;
    }
    const resumed = line.match(/^(\d+)\s+<\.\.\. (\w+) resumed>(.*)\)\s+= (-?\d+)/);
    if (resumed) {
      const start = pending.get(`${resumed[1]}:${resumed[2]}`);
      if (start) calls.push({ name: start.name, args: start.args + resumed[3], returnedAt: index, ok: resumed[4] === '0' });
      return;
    }
    const whole = line.match(/^(\d+)\s+(\w+)\((.*)\)\s+= (-?\d+)/);
    if (whole) calls.push({ name: whole[2], args: whole[3], returnedAt: index, ok: whole[4] === '0' });
  });
  return calls;
}

const flushed = (calls: Call[], target: string, before: number) =>
  calls.some((c) => (c.name === 'fsync' || c.name === 'fdatasync') && c.ok && c.args.includes(`<${target}>`) && c.returnedAt < before);

describe('durable publish', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-durable-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('flushes every file and the folder before the publishing rename, and the parent after it', () => {
    expect(spawnSync('strace', ['-V']).status).toBe(0);
    const book = path.join(work, 'book.epub');
    fs.writeFileSync(book, randomBytes(12 * 1024 * 1024));
    const releases = path.join(work, 'releases');
    fs.mkdirSync(releases);
    const log = path.join(work, 'strace.log');
    const output = execFileSync(
      'strace',
      ['-f', '-y', '-qq', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', '-o', log, process.execPath, ...fromSources('test/support/pack-once.ts'), book, releases, '5'],
      { env: childEnv(process.env), encoding: 'utf8', timeout: 120_000 },
    );
    const packed = JSON.parse(output.trim().split('\n').pop()!) as { dir: string; sfvPath: string; files: string[] };
    expect(packed.files.filter((f) => f.endsWith('.zip'))).toHaveLength(3);
    expect(fs.readdirSync(packed.dir).sort()).toEqual([...packed.files].sort());

    const calls = parseStrace(fs.readFileSync(log, 'utf8'));
    const renames = calls.filter((c) => c.name.startsWith('rename') && c.ok);
    const publish = renames.find((c) => c.args.includes(`"${packed.dir}"`));
    expect(publish).toBeDefined();
    const staging = publish!.args.match(/"([^"]*\.incoming\/[^"]+)"/)![1];

    for (const file of packed.files) expect([file, flushed(calls, path.join(staging, file), publish!.returnedAt)]).toEqual([file, true]);
    expect(flushed(calls, staging, publish!.returnedAt)).toBe(true);
    expect(flushed(calls, releases, Infinity) && calls.some((c) => c.name === 'fsync' && c.args.includes(`<${releases}>`) && c.returnedAt > publish!.returnedAt)).toBe(true);

    // The SFV beside the folder: its temp file is flushed before it is renamed into place.
    const manifest = renames.find((c) => c.args.includes(`"${packed.sfvPath}"`));
    expect(manifest).toBeDefined();
    const manifestTemp = manifest!.args.match(/"([^"]+\.tmp)"/)![1];
    expect(flushed(calls, manifestTemp, manifest!.returnedAt)).toBe(true);
  });
});
