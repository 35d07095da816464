import { z } from 'zod';
import { BOOK_FORMATS } from './embedded-metadata';

/** The machine-checkable part of a scene ruleset: what the packer enforces and validation reports on. */
export const ruleLimitsSchema = z
  .object({
    nfoWidth: z.number().int().min(40).max(200),
    dizWidth: z.number().int().min(20).max(80),
    dizLines: z.number().int().min(5).max(60),
    /** Allowed volume sizes in millions of bytes. */
    volumeSizesMb: z.array(z.number().int().min(1).max(10_000)).min(1).max(50),
    maxVolumes: z.number().int().min(1).max(999),
    formats: z.array(z.enum(BOOK_FORMATS)).min(1).max(BOOK_FORMATS.length),
    dirnameMaxLength: z.number().int().min(32).max(255),
  })
  .strict();

export type RuleLimits = z.infer<typeof ruleLimitsSchema>;

/** The 2022 eBook ruleset, used when no stored rule is chosen. */
export const EBOOK_2022_LIMITS: RuleLimits = {
  nfoWidth: 80,
  dizWidth: 44,
  dizLines: 30,
  volumeSizesMb: [5, 10, 50, 100, 150, 200, 250],
  maxVolumes: 99,
  formats: [...BOOK_FORMATS],
  dirnameMaxLength: 243,
};
