import type { RuleLimits } from '../../../lib/domain/rule-limits';

const linesOf = (text: string) => text.replace(/(\r?\n)+$/, '').split(/\r?\n/);

/** What is wrong with an NFO for the rule (empty when it conforms). */
export function nfoProblems(text: string, limits: Pick<RuleLimits, 'nfoWidth'>): string[] {
  return linesOf(text).flatMap((line, i) =>
    line.length > limits.nfoWidth ? [`NFO line ${i + 1} is ${line.length} columns wide (at most ${limits.nfoWidth})`] : [],
  );
}

/** What is wrong with a FILE_ID.DIZ for the rule (empty when it conforms). */
export function dizProblems(text: string, limits: Pick<RuleLimits, 'dizWidth' | 'dizLines'>): string[] {
  const lines = linesOf(text);
  const problems = lines.flatMap((line, i) =>
    line.length > limits.dizWidth ? [`DIZ line ${i + 1} is ${line.length} columns wide (at most ${limits.dizWidth})`] : [],
  );
  if (lines.length > limits.dizLines) problems.push(`the DIZ has ${lines.length} lines (at most ${limits.dizLines})`);
  if (!/DISK: ?\[\d{2}\/\d{2}\]/.test(text)) problems.push('the DIZ does not show the disk counter DISK: [xx/NN]');
  return problems;
}
