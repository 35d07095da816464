import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { emptyDir, ensureTool, flushDisk, makeRandomFile, MB, timedShell } from './files';
import { mb, median, ms, Report, seconds } from './report';

interface PackFigures {
  seconds: number;
  rssMb: number;
  loopDelayMaxMs: number;
}

/** One pack of `book` by the packer in its own process (bench/pack-one.ts). */
function packOnce(book: string, out: string, volumeMb: number): PackFigures {
  emptyDir(out);
  flushDisk();
  const result = spawnSync(process.execPath, [path.join(__dirname, 'pack-one.js'), book, out, String(volumeMb)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pack-one failed: ${result.stderr.slice(0, 300)}`);
  const figures = JSON.parse(result.stdout) as { seconds: number; maxRssKb: number; loopDelayMaxMs: number };
  return { seconds: figures.seconds, rssMb: figures.maxRssKb / 1024, loopDelayMaxMs: figures.loopDelayMaxMs };
}

function peerOnce(command: string, out: string): { seconds: number; rssMb: number } {
  emptyDir(out);
  flushDisk();
  return timedShell(command, out);
}

/**
 * Packing goals: a book of `bookMb` into `volumeMb` volumes, our packer and each peer in turn,
 * `runs` times (paired, so a busy moment hits all of them), medians compared; then peak RSS on a
 * small and a large book for flatness.
 */
export function benchPacking(report: Report, work: string, options: { bookMb: number; volumeMb: number; runs: number; flatMb: [number, number] }): void {
  ensureTool('7z', 'p7zip-full');
  ensureTool('zip', 'zip');
  const { bookMb, volumeMb, runs } = options;
  const out = path.join(work, 'pack-out');
  const book = makeRandomFile(work, bookMb * MB);
  const ours: PackFigures[] = [];
  const sevenZip: number[] = [];
  const sevenZipDurable: number[] = [];
  const infoZip: number[] = [];
  const copy: number[] = [];
  const copyDurable: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      ours.push(packOnce(book, out, volumeMb));
      sevenZip.push(peerOnce(`7z a -bd -mx0 -v${volumeMb}m s.7z ${book} >/dev/null`, out).seconds);
      // The packer makes its volumes durable (fsync) before it publishes them; 7-Zip does not.
      sevenZipDurable.push(peerOnce(`7z a -bd -mx0 -v${volumeMb}m s.7z ${book} >/dev/null && sync s.7z.*`, out).seconds);
      infoZip.push(peerOnce(`zip -q -0 -s ${volumeMb}m z.zip ${book}`, out).seconds);
      copy.push(peerOnce(`cp ${book} copy`, out).seconds);
      // The floor for any packer that makes its output durable: the bytes copied, then written back.
      copyDurable.push(peerOnce(`cp ${book} copy && sync copy`, out).seconds);
    }
  } finally {
    emptyDir(out);
  }
  const oursSeconds = median(ours.map((o) => o.seconds));
  const label = `pack ${bookMb} MB into ${volumeMb} MB volumes (median of ${runs})`;
  /** Our time, and how many times the peer's it is. */
  const timesPeer = (peerSeconds: number) => `${seconds(oursSeconds)} (${(oursSeconds / peerSeconds).toFixed(2)}x)`;
  report.add({ goal: `${label}: <= 7-Zip`, peer: '7z a -mx0 -v', peerFigure: seconds(median(sevenZip)), ours: seconds(oursSeconds), pass: oursSeconds <= median(sevenZip) });
  report.add({ goal: `${label}: <= 7-Zip with its volumes synced`, peer: '7z a -mx0 -v; sync', peerFigure: seconds(median(sevenZipDurable)), ours: seconds(oursSeconds), pass: oursSeconds <= median(sevenZipDurable) });
  report.add({ goal: `${label}: <= 1/3 of Info-ZIP`, peer: 'zip -0 -s', peerFigure: seconds(median(infoZip)), ours: seconds(oursSeconds), pass: oursSeconds <= median(infoZip) / 3 });
  report.add({ goal: `${label}: <= 2.5x cp`, peer: 'cp', peerFigure: seconds(median(copy)), ours: timesPeer(median(copy)), pass: oursSeconds <= 2.5 * median(copy) });
  report.add({
    goal: `${label}: against a copy made durable (information)`,
    peer: 'cp; sync',
    peerFigure: seconds(median(copyDurable)),
    ours: timesPeer(median(copyDurable)),
  });
  const loopMax = Math.max(...ours.map((o) => o.loopDelayMaxMs));
  report.add({ goal: 'packing holds the event loop <= 20 ms', peer: '-', peerFigure: '-', ours: ms(loopMax), pass: loopMax <= 20 });

  const [smallMb, largeMb] = options.flatMb;
  const rssOf = (sizeMb: number) => {
    const flatBook = sizeMb === bookMb ? book : makeRandomFile(work, sizeMb * MB);
    try {
      return packOnce(flatBook, out, volumeMb).rssMb;
    } finally {
      if (flatBook !== book) fs.rmSync(flatBook, { force: true });
      emptyDir(out);
    }
  };
  const small = rssOf(smallMb);
  const large = rssOf(largeMb);
  fs.rmSync(book, { force: true });
  const peak = Math.max(small, large, ...ours.map((o) => o.rssMb));
  report.add({ goal: 'packing peak RSS <= 128 MB', peer: '-', peerFigure: '-', ours: mb(peak), pass: peak <= 128 });
  report.add({
    goal: `packing RSS flat from ${smallMb} MB to ${largeMb} MB books (within 16 MB)`,
    peer: `${smallMb} MB book`,
    peerFigure: mb(small),
    ours: `${mb(large)} at ${largeMb} MB`,
    pass: large - small <= 16,
  });
}
