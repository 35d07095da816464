import { PROGRESS_AFTER_MS, progressGate } from './job-progress';

describe('progressGate', () => {
  it('holds reports back during a job’s first moments, then lets every later one through', () => {
    let clock = 1000;
    const due = progressGate(() => clock);
    expect(due()).toBe(false);
    clock += PROGRESS_AFTER_MS - 1;
    expect(due()).toBe(false);
    clock += 1;
    expect(due()).toBe(true);
    // Once open it stays open, so the end (100) follows any report made before it.
    clock = 0;
    expect(due()).toBe(true);
  });
});
