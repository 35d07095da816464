import { z } from 'zod';

/** Archive volume sizes the 2022 eBook rules allow, in millions of bytes. */
export const ALLOWED_VOLUME_SIZES_MB = [5, 10, 50, 100, 150, 200, 250] as const;
export const SOURCES = ['RETAIL', 'SCAN', 'HYBRID'] as const;
export type Source = (typeof SOURCES)[number];

export const metadataOverridesSchema = z
  .object({
    title: z.string().trim().min(1).max(300),
    authors: z.array(z.string().trim().min(1).max(200)).min(1).max(20),
    publisher: z.string().trim().min(1).max(200),
    year: z.number().int().min(1400).max(2100),
    language: z.string().trim().regex(/^[a-z]{2,3}$/i, 'an ISO 639 code such as en, fr or ger'),
    isbn: z.string().trim().regex(/^[0-9Xx -]{10,17}$/, 'an ISBN-10 or ISBN-13'),
    edition: z.string().trim().min(1).max(60),
    description: z.string().trim().max(4000),
    publishDate: z.string().trim().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'YYYY, YYYY-MM or YYYY-MM-DD'),
  })
  .partial()
  .strict();

/** The film or series a book is tied to, looked up in OMDb, TMDB and TheTVDB. */
export const tieInSchema = z
  .object({
    imdbId: z.string().trim().regex(/^tt\d{7,9}$/, 'an IMDb id such as tt1375666').optional(),
    title: z.string().trim().min(1).max(200).optional(),
    year: z.number().int().min(1880).max(2100).optional(),
    kind: z.enum(['movie', 'series']).optional(),
  })
  .strict()
  .refine((t) => t.imdbId || t.title, 'give imdbId or title');

export const releaseOptionsSchema = z
  .object({
    group: z.string().trim().regex(/^[A-Za-z0-9]{2,20}$/, '2 to 20 letters or digits'),
    source: z
      .string()
      .trim()
      .toUpperCase()
      .pipe(z.enum(SOURCES))
      .default('RETAIL'),
    volumeSizeMb: z
      .number()
      .int()
      .refine((n) => (ALLOWED_VOLUME_SIZES_MB as readonly number[]).includes(n), `one of ${ALLOWED_VOLUME_SIZES_MB.join(', ')}`)
      .optional(),
    overrides: metadataOverridesSchema.default({}),
    tieIn: tieInSchema.optional(),
    /** Pack even when the release name breaks a rule (admins only). */
    force: z.boolean().default(false),
  })
  .strict();

export type ReleaseOptions = z.infer<typeof releaseOptionsSchema>;
export type MetadataOverrides = z.infer<typeof metadataOverridesSchema>;
