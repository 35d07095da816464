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

export async function paginate<M extends Model>(query: QueryBuilder<M, M[]>, { page, pageSize }: PageQuery): Promise<Paginated<M>> {
  const { results, total } = (await query.page(page - 1, pageSize)) as Page<M>;
  return { items: results, pagination: { page, pageSize, total, pages: Math.ceil(total / pageSize) } };
}
