/**
 * Keeps a stream of work at or under a byte rate: after each chunk, `paced()` sleeps as long as the
 * bytes so far are ahead of the rate's schedule. With no rate (0 or undefined) it never waits.
 */
export class BytePacer {
  private readonly startedAt = performance.now();
  private bytes = 0;

  constructor(private readonly bytesPerSecond: number | undefined) {}

  async paced(chunkBytes: number): Promise<void> {
    this.bytes += chunkBytes;
    if (!this.bytesPerSecond) return;
    const dueAtMs = (this.bytes / this.bytesPerSecond) * 1000;
    const aheadMs = dueAtMs - (performance.now() - this.startedAt);
    if (aheadMs > 1) await new Promise((resolve) => setTimeout(resolve, aheadMs));
  }
}
