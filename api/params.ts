import { z } from 'zod';
import { idText } from '../lib/strict-numbers';

/** Route parameters shared by the resource routes: ids are plain positive decimal numbers. */
export const idParam = z.object({ id: idText });
export const uuidParam = z.object({ id: z.string().uuid() });

// Date, or date and time to the millisecond with an optional zone, as in 2024-05-01T12:00:00Z.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10_000, 0, 1);

/** An ISO 8601 date in a query string, within the years both databases store. */
export const isoDateText = z
  .string()
  .regex(ISO_DATE, 'must be an ISO 8601 date such as 2024-05-01 or 2024-05-01T12:00:00Z')
  .refine(isCalendarDay, 'must be a real date between 1970 and 9999')
  .transform((text) => new Date(text))
  .refine((date) => date.getTime() >= EARLIEST && date.getTime() < LATEST, 'must be a real date between 1970 and 9999');

/** Whether the text's day exists: `new Date` reads 2024-02-30 as March 1 rather than refusing it. */
function isCalendarDay(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
