import path from 'node:path';
import cliProgress from 'cli-progress';
import { formatBytes, Output } from './output';

/** Per-file upload progress: bars with bytes, speed and ETA on a terminal, JSON events with --json. */
export class UploadProgress {
  private readonly bars?: cliProgress.MultiBar;

  constructor(private readonly out: Output) {
    if (!out.json && process.stderr.isTTY) {
      this.bars = new cliProgress.MultiBar(
        // Fits 80 columns: name, bar, percent, bytes, speed, time left ({eta} is cli-progress's own token, so ours is {left}).
        { format: '{file} {bar} {percentage}% {done}/{size} {speed} ETA {left}', barsize: 16, hideCursor: true, clearOnComplete: false, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  /** A reporter for one file, to pass to uploadFile. */
  track(file: string): (sent: number, total: number) => void {
    const name = path.basename(file);
    const started = Date.now();
    let bar: cliProgress.SingleBar | undefined;
    return (sent, total) => {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      const bytesPerSecond = Math.round(sent / seconds);
      this.out.event('progress', { file, bytes: sent, total, bytesPerSecond });
      if (!this.bars) return;
      const eta = bytesPerSecond > 0 ? `${Math.ceil((total - sent) / bytesPerSecond)}s` : '?';
      const payload = { file: name.slice(0, 18).padEnd(18), done: formatBytes(sent), size: formatBytes(total), speed: `${formatBytes(bytesPerSecond)}/s`, left: eta };
      bar ??= this.bars.create(total, 0, payload);
      bar.update(sent, payload);
    };
  }

  stop(): void {
    this.bars?.stop();
  }
}
