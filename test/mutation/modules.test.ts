import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// The mutation modules are read by stryker.config.mjs for every `npm run mutate` and by CI's
// mutation smoke; a renamed source or test file must fail here, in the ordinary suite, rather than
// make Stryker refuse its configuration.
const root = path.resolve(__dirname, '../..');

interface MutationModule { mutate: string[]; tests: string[]; goal: number }

function loadModules(): Record<string, MutationModule> {
  const script = "import('./test/mutation/modules.mjs').then((m) => process.stdout.write(JSON.stringify(m.MODULES)))";
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }));
}

describe('mutation modules', () => {
  const modules = loadModules();

  it.each(Object.keys(modules))('%s names files that exist', (name) => {
    const module = modules[name];
    expect(module.goal).toBeGreaterThanOrEqual(80);
    for (const entry of module.mutate.filter((m) => !m.startsWith('!'))) {
      const [file, range] = entry.split(':');
      if (file.includes('*')) continue; // globs are matched by Stryker itself
      expect(fs.existsSync(path.join(root, file))).toBe(true);
      if (range) {
        const [start, end] = range.split('-').map(Number);
        const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n').length;
        expect(start).toBeGreaterThan(0);
        expect(end).toBeGreaterThanOrEqual(start);
        expect(end).toBeLessThanOrEqual(lines);
      }
    }
    for (const test of module.tests.filter((t) => !t.includes('*'))) expect(fs.existsSync(path.join(root, test))).toBe(true);
  });

  it.each([
    ['jobs/pack/engine', 'pack-engine-'],
    ['api/services', 'api-services-'],
  ])('measures every source file of %s in exactly one of its parts', (folder, prefix) => {
    const sources = fs.readdirSync(path.join(root, folder)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => `${folder}/${f}`);
    // A part may also measure a file from elsewhere that its services moved down (lib/domain).
    const measured = Object.entries(modules)
      .filter(([name]) => name.startsWith(prefix))
      .flatMap(([, module]) => module.mutate)
      .filter((file) => file.startsWith(`${folder}/`));
    expect([...measured].sort()).toEqual(sources.sort());
  });
});
