import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * What the API process loads at start. It stores uploads but never reads books, so it must not load
 * the book readers and their language detection (tinyld: about 45 MB), nor the AWS SDK when the
 * store is local folders (about 7 MB); PM2 runs several API processes, each paying for them. The
 * bench's upload row (API RSS under 150 MB while uploading) depends on this.
 */
const ROOT = path.resolve(__dirname, '../..');

function modulesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`;
  const out = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(out) as string[]).map((file) => path.relative(ROOT, file));
}

it('loads no book reader, no language detection and no AWS SDK', () => {
  const loaded = modulesLoadedBy('./api/app.ts');
  expect(loaded).toContain('api/services/upload-service.ts');
  const heavy = loaded.filter((file) => /^jobs\/inspect\/(read-book|pdf|epub|mobi)\.ts$|node_modules\/(tinyld|@aws-sdk)\//.test(file));
  expect(heavy).toEqual([]);
}, 60_000);
