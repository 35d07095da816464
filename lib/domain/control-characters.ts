import { z } from 'zod';

/**
 * Terminal control characters: C0 but tab, LF and CR, then DEL and C1. NFOs are read in terminals,
 * where ESC and BEL sequences retitle windows and clear screens, and they break an NFO's box.
 */
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Refuses a text holding a control character other than tab, LF and CR, naming the first one and where it is. */
export function withoutControlCharacters<T extends z.ZodTypeAny>(schema: T) {
  return schema.superRefine((text: unknown, ctx) => {
    if (typeof text !== 'string') return;
    const found = CONTROL_CHARACTER.exec(text);
    if (!found) return;
    const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `must not hold control characters other than tab, CR and LF (U+${code} at character ${found.index + 1})`,
    });
  });
}
