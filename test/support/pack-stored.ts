import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config';
import { remoteStorage, packStored } from '../../jobs/stored-files';
import { SAMPLE_FACTS } from '../../jobs/pack/fixtures/sample-pack';
import { generatedBytes } from './generated-bytes';

/**
 * Packs a book of the configured store (STORAGE, S3_*, DATA_DIR come from the environment) in its
 * own process, sampling its RSS and the bytes held in files under TMPDIR and DATA_DIR, then prints
 * {name, files, volumes, baselineRssMb, peakRssMb, peakLocalBytes} as JSON (baseline: every module
 * loaded, before the first byte; peakLocalBytes: the most those folders held beyond what they held then). Arguments: `put <upload id> <megabytes>` stores a generated book as that
 * upload first (a process of its own, so its memory does not count) and prints what the store
 * measured; `pack <upload id> <volume MB> <its SHA-256>` packs it, trusting that SHA-256 as the pack
 * job trusts the upload's.
 */
async function main(): Promise<void> {
  const [command, uploadId, size, knownSha256] = process.argv.slice(2);
  const config = loadConfig();
  const remote = remoteStorage(config);
  if (!remote) throw new Error('STORAGE=s3 is needed');
  if (command === 'put') {
    const written = await remote.objects.put(`uploads/${uploadId}`, generatedBytes(Number(size)));
    console.log(JSON.stringify(written));
    return;
  }
  const watched = [os.tmpdir(), config.storage.dataDir];
  const baseline = process.memoryUsage.rss();
  let peakRss = 0;
  const localBytes = () => watched.reduce((sum, dir) => sum + bytesUnder(dir), 0);
  const localBaseline = localBytes();
  let peakLocalBytes = 0;
  const sample = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    peakLocalBytes = Math.max(peakLocalBytes, localBytes() - localBaseline);
  }, 20);
  const result = await packStored(config, { uploadId, knownSha256, volumeSizeMb: Number(size), facts: { ...SAMPLE_FACTS, name: `Sample.Stored.${uploadId.slice(0, 8)}.2024.RETAiL.ePub.eBook-ESP` } });
  clearInterval(sample);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  console.log(
    JSON.stringify({
      name: result.name,
      files: result.files,
      volumes: result.volumes,
      baselineRssMb: Math.round(baseline / 1024 / 1024),
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      peakLocalBytes,
    }),
  );
}

/** Bytes in the files under `dir` (logs excepted: they are not scratch). */
function bytesUnder(dir: string): number {
  let sum = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0; // a folder removed while it was listed
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (file.includes(`${path.sep}logs${path.sep}`)) continue;
    try {
      sum += fs.statSync(file).size;
    } catch {
      // removed between the listing and the stat
    }
  }
  return sum;
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
