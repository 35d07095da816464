import { samplePackInput } from '../../jobs/pack/fixtures/sample-pack';
import { packRelease } from '../../jobs/pack/engine/pack-release';

/**
 * Packs one book in its own process (so a test can watch its system calls), then prints the
 * result as JSON. Arguments: source path, releases folder, volume size in MB.
 */
async function main(): Promise<void> {
  const result = await packRelease(samplePackInput(process.argv.slice(2)));
  console.log(JSON.stringify({ dir: result.dir, sfvPath: result.sfvPath, files: result.files.map((f) => f.fileName) }));
}

void main();
