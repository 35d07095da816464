import { packRelease } from '../../jobs/pack/engine/pack-release';

/**
 * Packs one book in its own process (so a test can watch its system calls), then prints the
 * result as JSON. Arguments: source path, releases folder, volume size in MB.
 */
async function main(): Promise<void> {
  const [sourcePath, releasesDir, volumeSizeMb] = process.argv.slice(2);
  const result = await packRelease({
    sourcePath,
    releasesDir,
    volumeSizeMb: Number(volumeSizeMb),
    facts: {
      name: 'Durable.Author.Durable.Title.2024.RETAiL.ePub.eBook-ESP',
      title: 'Durable Title',
      authors: ['Durable Author'],
      year: 2024,
      releaseDate: '2026-01-01',
      languageName: 'English',
      source: 'RETAIL',
      format: 'epub',
      group: 'ESP',
    },
  });
  console.log(JSON.stringify({ dir: result.dir, sfvPath: result.sfvPath, files: result.files.map((f) => f.fileName) }));
}

void main();
