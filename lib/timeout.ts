/** How often the deadline looks at the clock: the most of one late timer it may count as waiting. */
const SLICE_MS = 50;

/**
 * Rejects when the promise does not settle within ms of time this process was free to wait. Time
 * the event loop spent busy or blocked does not count: a health probe whose database answered
 * while a long request held the loop must not report the database down. The deadline is kept in
 * slices; a slice whose timer fired late counts only its own length. The underlying work is not
 * cancelled.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let waited = 0;
    let timer: NodeJS.Timeout | undefined;
    const armSlice = () => {
      const slice = Math.min(SLICE_MS, ms - waited);
      const armedAt = performance.now();
      timer = setTimeout(() => {
        waited += Math.min(slice, performance.now() - armedAt);
        if (waited < ms) return armSlice();
        // After this turn's I/O: an answer that arrived while the loop was busy settles it first.
        setImmediate(() => reject(new Error(`${what} timed out after ${ms} ms`)));
      }, slice);
    };
    armSlice();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
