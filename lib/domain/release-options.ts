import { z } from 'zod';
import { CONTROL_CHARACTER, withoutControlCharacters } from './control-characters';

/** Release types the product knows; only EBOOK is packed today (see UNSUPPORTED_TYPES). */
export const RELEASE_TYPES = ['EBOOK', 'TV', 'DOCS', 'AUDIOBOOK', 'GAME'] as const;
export type ReleaseType = (typeof RELEASE_TYPES)[number];

/** Why each type other than EBOOK is refused instead of being packed as an eBook. */
export const UNSUPPORTED_TYPES: Record<Exclude<ReleaseType, 'EBOOK'>, string> = {
  TV: 'TV releases are RAR sets with an SFV and an NFO, and RAR volumes may only be written with RARLAB tools, which this product does not ship',
  DOCS: 'DOCS releases (tutorials, courses) need their own naming and packing rules, which are not built yet',
  AUDIOBOOK: 'AUDIOBOOK releases need audio inspection and MP3 naming rules, which are not built yet',
  GAME: 'GAME releases need ISO/RAR packing and their own naming rules, which are not built yet',
};
export const SOURCES = ['RETAIL', 'SCAN', 'HYBRID'] as const;
/** What kind of eBook release (rules 5.1-5.3); guessed from the book's metadata when not given. */
export const RELEASE_KINDS = ['EBOOK', 'MAGAZINE', 'COMIC', 'MANGA'] as const;
export type ReleaseKind = (typeof RELEASE_KINDS)[number];
/** An issue or volume number: "3", "03", "No. 3", "NR03". */
export const issueSchema = z.string().trim().max(20).regex(/\d/, 'an issue or volume number such as 3 or NR03');
export type Source = (typeof SOURCES)[number];

/** Follow-up releases the rules define; each fixes an earlier release and says why in its NFO. */
export const FOLLOW_UP_KINDS = ['PROPER', 'REPACK', 'NFOFiX', 'DiRFiX', 'READNFO'] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];
/** Follow-ups that publish only a new NFO (in one zip with its DIZ), never the book again. */
export const NFO_ONLY_KINDS: readonly FollowUpKind[] = ['NFOFiX', 'DiRFiX'];

/** One line of text the NFO prints: no control characters, no line breaks or tabs. */
const lineOfText = (max: number) =>
  withoutControlCharacters(z.string().trim().min(1).max(max)).refine((v) => !/[\r\n\t]/.test(v), 'one line of text, without line breaks or tabs');
/** Text of one or more paragraphs the NFO prints: tabs and line breaks, but no other control character. */
const paragraphsOfText = (min: number, max: number) => withoutControlCharacters(z.string().trim().min(min).max(max));

/** A tag of the name between SOURCE and FORMAT (READNFO, MAGAZiNE, COMiC ...). */
export const extraTagSchema = z.string().trim().regex(/^[A-Za-z0-9]{2,20}$/, '2 to 20 letters or digits');
/** A store or catalogue page proving the retail edition, printed in the NFO. */
export const proofUrlSchema = z
  .string()
  .trim()
  .max(500)
  .url()
  .refine((u) => /^https?:\/\//i.test(u) && !CONTROL_CHARACTER.test(u) && !/\s/.test(u), 'an http(s) URL, without spaces or control characters');

export const metadataOverridesSchema = z
  .object({
    title: lineOfText(300),
    authors: z.array(lineOfText(200)).min(1).max(20),
    publisher: lineOfText(200),
    year: z.number().int().min(1400).max(2100),
    language: z.string().trim().regex(/^[a-z]{2,3}$/i, 'an ISO 639 code such as en, fr or ger'),
    isbn: z.string().trim().regex(/^[0-9Xx -]{10,17}$/, 'an ISBN-10 or ISBN-13'),
    edition: lineOfText(60),
    description: paragraphsOfText(0, 4000),
    publishDate: z.string().trim().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'YYYY, YYYY-MM or YYYY-MM-DD'),
    /** The first edition's year and publisher, which a SCAN is named with (rule 5.0). */
    originalYear: z.number().int().min(1400).max(2100),
    originalPublisher: lineOfText(200),
  })
  .partial()
  .strict();

/** The film or series a book is tied to, looked up in OMDb, TMDB and TheTVDB. */
export const tieInSchema = z
  .object({
    imdbId: z.string().trim().regex(/^tt\d{7,9}$/, 'an IMDb id such as tt1375666').optional(),
    title: lineOfText(200).optional(),
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
    type: z
      .string()
      .trim()
      .toUpperCase()
      .pipe(z.enum(RELEASE_TYPES))
      .default('EBOOK'),
    kind: z.string().trim().toUpperCase().pipe(z.enum(RELEASE_KINDS)).optional(),
    issue: issueSchema.optional(),
    /** Checked against the rule's allowed sizes when the release is requested. */
    volumeSizeMb: z.number().int().positive().optional(),
    ruleId: z.number().int().positive().optional(),
    templateId: z.number().int().positive().optional(),
    /** Where to send the finished release; the group's destinations when not given. */
    destinationIds: z.array(z.number().int().positive()).max(20).optional(),
    overrides: metadataOverridesSchema.default({}),
    tieIn: tieInSchema.optional(),
    proofUrl: proofUrlSchema.optional(),
    extraTags: z.array(extraTagSchema).max(5).optional(),
    /** An iNTERNAL release (the tag goes into its name): the dupe order does not apply to it. */
    internal: z.boolean().optional(),
    /** Pack even when the release name breaks a rule (admins only). */
    force: z.boolean().default(false),
  })
  .strict();

export type ReleaseOptions = z.infer<typeof releaseOptionsSchema>;
export type MetadataOverrides = z.infer<typeof metadataOverridesSchema>;

/** The facts of a release in review an operator may correct (PATCH /api/releases/:id). */
export const releaseEditSchema = z
  .object({
    ...metadataOverridesSchema.pick({ title: true, authors: true, publisher: true, edition: true, year: true, language: true, isbn: true, description: true }).shape,
    source: z.string().trim().toUpperCase().pipe(z.enum(SOURCES)),
    extraTags: z.array(extraTagSchema).max(5),
    proofUrl: proofUrlSchema.nullable(),
    volumeSizeMb: z.number().int().positive(),
    templateId: z.number().int().positive().nullable(),
  })
  .partial()
  .strict()
  .refine((edit) => Object.keys(edit).length > 0, 'give at least one field to change');
export type ReleaseEdit = z.infer<typeof releaseEditSchema>;

/** What a follow-up changes of the release it fixes (its facts, as in an edit). */
export const followUpSchema = z
  .object({
    kind: z.enum(FOLLOW_UP_KINDS),
    reason: paragraphsOfText(3, 500),
    changes: releaseEditSchema.innerType().default({}),
  })
  .strict();
export type FollowUpRequest = z.infer<typeof followUpSchema>;
