import { BytePacer } from './byte-pacer';

describe('BytePacer', () => {
  it('holds a stream of chunks to the byte rate it is given', async () => {
    const pacer = new BytePacer(1_000_000);
    const started = performance.now();
    for (let i = 0; i < 5; i++) await pacer.paced(100_000);
    // 500 kB at 1 MB/s is due after 500 ms; timers may fire late, never early.
    expect(performance.now() - started).toBeGreaterThanOrEqual(495);
  });

  it('never waits without a rate', async () => {
    const pacer = new BytePacer(0);
    const started = performance.now();
    for (let i = 0; i < 5; i++) await pacer.paced(1_000_000_000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
