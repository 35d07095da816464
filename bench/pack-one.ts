import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { packRelease } from '../jobs/pack/engine/pack-release';
import { SAMPLE_FACTS, samplePackInput } from '../jobs/pack/fixtures/sample-pack';

/**
 * Child process of the benchmark: packs one book as the pack job does (the upload's recorded
 * SHA-256 is trusted, not recomputed); prints seconds, peak RSS and the longest event-loop hold
 * as JSON. A worker process is long-lived, so one small book is packed first: the first pack's
 * module loading and compilation are not what other queues in that process feel on every book.
 */
const RECORDED_SHA256 = 'a'.repeat(64);

async function warmUp(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-pack-warm-'));
  try {
    const book = path.join(dir, 'warm.epub');
    fs.writeFileSync(book, Buffer.alloc(64 * 1024, 1));
    await packRelease({ sourcePath: book, releasesDir: path.join(dir, 'releases'), volumeSizeMb: 5, facts: SAMPLE_FACTS, knownSha256: RECORDED_SHA256 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const input = samplePackInput(process.argv.slice(2));
  await warmUp();
  // How long the event loop is held up while packing: what other queues in the same worker would feel.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const started = performance.now();
  await packRelease({ ...input, knownSha256: RECORDED_SHA256 });
  const seconds = (performance.now() - started) / 1000;
  loopDelay.disable();
  console.log(JSON.stringify({ seconds, maxRssKb: process.resourceUsage().maxRSS, loopDelayMaxMs: loopDelay.max / 1e6 }));
}

void main();
