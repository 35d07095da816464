import { packRelease } from '../jobs/pack/engine/pack-release';

/** Child process of the benchmark: packs one book and prints seconds and peak RSS as JSON. */
async function main(): Promise<void> {
  const [sourcePath, releasesDir, volumeSizeMb] = process.argv.slice(2);
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
  console.log(JSON.stringify({ seconds, maxRssKb: process.resourceUsage().maxRSS }));
}

void main();
