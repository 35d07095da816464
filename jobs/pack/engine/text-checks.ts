import type { RuleLimits } from '../../../lib/domain/rule-limits';
import { decodeCp437, encodeCp437 } from './cp437';

const LF = 0x0a;
const CR = 0x0d;

/** A text file as published (its CP437 bytes), or a text about to be, which is measured encoded. */
export type Cp437Text = Buffer | string;

const bytesOf = (text: Cp437Text) => (typeof text === 'string' ? encodeCp437(text) : text);

/**
 * The one measure of an NFO or FILE_ID.DIZ: the width in columns of each line of the final CP437
 * bytes (one byte is one column; CR and LF end lines and take none), trailing line breaks dropped.
 * The packer, the template check and the validator all measure with this, on the bytes that are
 * (or would be) published, so a text that fails the check is never published.
 */
export function cp437LineWidths(text: Cp437Text): number[] {
  const bytes = bytesOf(text);
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === LF || bytes[end - 1] === CR)) end--;
  const widths: number[] = [];
  let start = 0;
  for (;;) {
    const lf = bytes.indexOf(LF, start);
    const stop = lf === -1 || lf >= end ? end : lf;
    widths.push(stop - start - (stop > start && bytes[stop - 1] === CR ? 1 : 0));
    if (stop === end) return widths;
    start = stop + 1;
  }
}

/** What is wrong with an NFO for the rule, measured on its CP437 bytes; empty when it conforms. */
export function nfoProblems(text: Cp437Text, limits: Pick<RuleLimits, 'nfoWidth'>): string[] {
  return cp437LineWidths(text).flatMap((width, i) =>
    width > limits.nfoWidth ? [`NFO line ${i + 1} is ${width} columns wide (at most ${limits.nfoWidth})`] : [],
  );
}

/** What is wrong with a FILE_ID.DIZ for the rule, measured on its CP437 bytes; empty when it conforms. */
export function dizProblems(text: Cp437Text, limits: Pick<RuleLimits, 'dizWidth' | 'dizLines'>): string[] {
  const bytes = bytesOf(text);
  const widths = cp437LineWidths(bytes);
  const problems = widths.flatMap((width, i) =>
    width > limits.dizWidth ? [`DIZ line ${i + 1} is ${width} columns wide (at most ${limits.dizWidth})`] : [],
  );
  if (widths.length > limits.dizLines) problems.push(`the DIZ has ${widths.length} lines (at most ${limits.dizLines})`);
  if (!/DISK: ?\[\d{2}\/\d{2}\]/.test(decodeCp437(bytes))) problems.push('the DIZ does not show the disk counter DISK: [xx/NN]');
  return problems;
}

/** A labelled Author or Publisher line with a value ("Author....: X", "Author____: X", "│ PUBLISHER : X", "Authors: X"). */
const CREATOR_LINE = /(?:^|[^A-Za-z])(?:authors?|publishers?)(?![A-Za-z0-9])[ .:_·-]*:[ .]*[^\s│║█▌▐]/im;

/** The rules want the NFO to state the author or publisher; empty when a labelled line gives one. */
export function nfoCreatorProblems(text: Cp437Text): string[] {
  const decoded = typeof text === 'string' ? text : decodeCp437(text);
  return CREATOR_LINE.test(decoded) ? [] : ['the NFO has no Author or Publisher line'];
}
