import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../../lib/config';
import { objectStoreOf } from '../../lib/storage';
import { generatedBytes } from './generated-bytes';

/**
 * Streams a generated object of `megabytes` MB into the configured store and back out in its own
 * process, sampling the peak RSS, then prints {written, readSha256, readBytes, baselineRssMb, peakRssMb}
 * as JSON (baseline: with every module loaded, before the first byte).
 * Arguments: key, megabytes. The configuration comes from the environment (STORAGE, S3_*, DATA_DIR).
 */
async function main(): Promise<void> {
  const [key, megabytes] = process.argv.slice(2);
  const store = objectStoreOf(loadConfig());
  const baseline = process.memoryUsage.rss();
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const written = await store.put(key, generatedBytes(Number(megabytes)));
  const hash = createHash('sha256');
  let readBytes = 0;
  await pipeline(
    await store.get(key),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        readBytes += chunk.length;
        done();
      },
    }),
  );
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage.rss());
  console.log(JSON.stringify({ written: { ...written }, readSha256: hash.digest('hex'), readBytes, baselineRssMb: Math.round(baseline / 1024 / 1024), peakRssMb: Math.round(peak / 1024 / 1024) }));
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
