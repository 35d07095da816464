import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Layers import downward only: lib <- db <- jobs <- api, worker, scheduler, console. The console is
 * part of the API process (mounted by api/app.ts), so those two may use each other.
 */
const ROOT = path.resolve(__dirname, '../..');
const RANK: Record<string, number> = { lib: 0, db: 1, jobs: 2, api: 3, worker: 3, scheduler: 3, console: 3, cli: 3 };
const SAME_PROCESS = new Set(['api>console', 'console>api']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

function relativeImports(source: string): string[] {
  const found: string[] = [];
  const pattern = /(?:from\s+|import\(\s*|require\(\s*)'(\.{1,2}\/[^']+)'/g;
  for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

function layerViolations(root: string): string[] {
  const violations: string[] = [];
  for (const layer of Object.keys(RANK)) {
    if (!fs.existsSync(path.join(root, layer))) continue;
    for (const file of sourceFiles(path.join(root, layer))) {
      for (const spec of relativeImports(fs.readFileSync(file, 'utf8'))) {
        const target = path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep)[0];
        if (!(target in RANK) || target === layer) continue;
        const downward = RANK[target] < RANK[layer];
        if (!downward && !SAME_PROCESS.has(`${layer}>${target}`)) {
          violations.push(`${path.relative(root, file)} imports ${spec} (${layer} may not import ${target})`);
        }
      }
    }
  }
  return violations;
}

describe('layering', () => {
  it('has no import from a lower layer to a higher or sibling one', () => {
    expect(layerViolations(ROOT)).toEqual([]);
  });

  it('would report an upward import (the check itself can fail)', () => {
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-layers-'));
    try {
      fs.mkdirSync(path.join(tree, 'lib'));
      fs.mkdirSync(path.join(tree, 'jobs'));
      fs.writeFileSync(path.join(tree, 'jobs', 'job-queue.ts'), "import { config } from '../lib/config';\n");
      fs.writeFileSync(path.join(tree, 'lib', 'config.ts'), "import { JobQueue } from '../jobs/job-queue';\n");
      expect(layerViolations(tree)).toEqual(['lib/config.ts imports ../jobs/job-queue (lib may not import jobs)']);
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
    }
  });
});
