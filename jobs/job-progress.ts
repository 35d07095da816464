/**
 * Progress is worth reporting only once a job has run for a while: a small book's enrich and pack
 * steps end long before anyone could see a bar move, and each report costs a Redis script call and
 * a BullMQ event (which every live feed answers with a fresh snapshot of the release), and in the
 * pack job an SQL update. A step that ends sooner reports nothing; its end (the release's next
 * state, or `done` at 100%) says it all.
 */
export const PROGRESS_AFTER_MS = 250;

/**
 * Whether a job that started when the gate was made should report its progress now (`now` is the clock):
 * not during its first PROGRESS_AFTER_MS, always after, so the end (100) follows any report made
 * before it and nothing is left half-way.
 */
export function progressGate(now: () => number = () => performance.now()): () => boolean {
  const startedAt = now();
  let open = false;
  return () => (open ||= now() - startedAt >= PROGRESS_AFTER_MS);
}
