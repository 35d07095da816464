import type { QueryBuilder, Model, Page } from 'objection';
import { z } from 'zod';
import { intText } from '../lib/strict-numbers';

export const MAX_PAGE_SIZE = 100;
/** Far beyond any real list, and small enough that the row offset stays an exact integer everywhere. */
export const MAX_PAGE = 1_000_000;

/** `?page=&pageSize=` on every list, 1-based. */
export const pageQuery = z.object({
  page: intText(1, MAX_PAGE).default('1'),
  pageSize: intText(1, MAX_PAGE_SIZE).default('20'),
});
export type PageQuery = z.infer<typeof pageQuery>;

export interface Paginated<T> {
  items: T[];
  pagination: { page: number; pageSize: number; total: number; pages: number };
}

/** How long a list's counted total answers the same list again (ListTotals). */
export const LIST_TOTAL_TTL_MS = 250;
/** Lists whose totals one process keeps at most; past it, the expired ones go (all, if none has). */
const LIST_TOTAL_KEYS = 1000;

/**
 * Totals of busy lists, each counted at most once per LIST_TOTAL_TTL_MS per key (requests
 * arriving while it is counted wait for that count): a page of a large list reads its rows each
 * time, but not every matching row to count them. The key must name everything the count depends
 * on, the filter and whose rows the caller may see; two callers share a total only when the same
 * rows are counted for both. A total is at most the window old (in this process).
 */
export class ListTotals {
  private readonly totals = new Map<string, { total: Promise<number>; at?: number }>();

  constructor(private readonly ttlMs = LIST_TOTAL_TTL_MS) {}

  count(key: string, counter: () => Promise<number>, options: { fresh?: boolean } = {}): Promise<number> {
    const known = this.totals.get(key);
    if (known && !options.fresh && (known.at === undefined || performance.now() - known.at < this.ttlMs)) return known.total;
    if (this.totals.size >= LIST_TOTAL_KEYS) this.prune();
    const entry: { total: Promise<number>; at?: number } = { total: counter() };
    this.totals.set(key, entry);
    entry.total.then(
      () => {
        entry.at = performance.now();
      },
      () => {
        if (this.totals.get(key) === entry) this.totals.delete(key);
      },
    );
    return entry.total;
  }

  private prune(): void {
    const now = performance.now();
    for (const [key, entry] of this.totals) if (entry.at !== undefined && now - entry.at >= this.ttlMs) this.totals.delete(key);
    if (this.totals.size >= LIST_TOTAL_KEYS) this.totals.clear();
  }
}

/**
 * A page of a query's rows with the total. With `totals`, the total comes from the page when the
 * page is the list's last (fewer rows than asked for: exact, nothing counted), else from the cache
 * under `key`, counted again when the cached total is below the rows the page has just shown.
 */
export async function paginate<M extends Model>(query: QueryBuilder<M, M[]>, { page, pageSize }: PageQuery, totals?: { cache: ListTotals; key: string }): Promise<Paginated<M>> {
  if (!totals) {
    const { results, total } = (await query.page(page - 1, pageSize)) as Page<M>;
    return { items: results, pagination: { page, pageSize, total, pages: Math.ceil(total / pageSize) } };
  }
  const offset = (page - 1) * pageSize;
  const items = await query.clone().offset(offset).limit(pageSize);
  const lastPage = items.length < pageSize && (items.length > 0 || offset === 0);
  let total = lastPage ? offset + items.length : await totals.cache.count(totals.key, () => query.resultSize());
  if (total < offset + items.length) total = await totals.cache.count(totals.key, () => query.resultSize(), { fresh: true });
  return { items, pagination: { page, pageSize, total, pages: Math.ceil(total / pageSize) } };
}
