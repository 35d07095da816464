import { monitorEventLoopDelay } from 'node:perf_hooks';
import { packRelease } from '../jobs/pack/engine/pack-release';

/** Child process of the benchmark: packs one book; prints seconds, peak RSS and event-loop delay as JSON. */
async function main(): Promise<void> {
  const [sourcePath, releasesDir, volumeSizeMb] = process.argv.slice(2);
  // How long the event loop is held up while packing: what other queues in the same worker would feel.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const started = performance.now();
  await packRelease({
    sourcePath,
    releasesDir,
    volumeSizeMb: Number(volumeSizeMb),
    facts: {
      name: 'Bench.Author.Bench.Title.2024.RETAiL.ePub.eBook-ESP',
      title: 'Bench Title',
      authors: ['Bench Author'],
      year: 2024,
      releaseDate: '2026-01-01',
      languageName: 'English',
      source: 'RETAIL',
      format: 'epub',
      group: 'ESP',
    },
  });
  const seconds = (performance.now() - started) / 1000;
  loopDelay.disable();
  console.log(JSON.stringify({ seconds, maxRssKb: process.resourceUsage().maxRSS, loopDelayMaxMs: loopDelay.max / 1e6 }));
}

void main();
