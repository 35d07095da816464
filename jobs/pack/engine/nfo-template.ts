import iconv from 'iconv-lite';
import { Context, Emitter, IfTag, Liquid, LiquidError, Output, Template, Token, TokenKind, Tokenizer, toValueSync, TopLevelToken, TypeGuards, Value } from 'liquidjs';
import { MAX_FIELD_CHARS } from '../../../lib/domain/embedded-metadata';
import { FORMAT_TAGS, SOURCE_TAGS } from './release-name';
import type { ReleaseFacts } from './release-facts';
import { asPublished } from './published-text';
import { wrap } from './text-layout';

/**
 * NFO templates: `{{field}}` placeholders and `{% if field %}...{% else %}...{% endif %}` blocks
 * (`{% if not field %}`, `elsif`, `and` and `or` too) over a fixed set of fields, parsed by
 * LiquidJS in linear time. The Liquid engine is cut down to that: the `if` tag only, no filters,
 * no partials or files, and every expression is checked to be a bare field name before anything
 * renders, so a template can neither run code nor reach a JS object.
 */

/** Templates longer than this are refused before they are parsed. */
export const MAX_TEMPLATE_CHARS = 32 * 1024;
/** Deeper blocks are refused before Liquid's recursive parser could exhaust the stack. */
export const MAX_IF_DEPTH = 16;
const RENDER_LIMIT_MS = 2_000;
const MEMORY_LIMIT = 1_000_000;
/**
 * The most characters a rendered NFO may have (CP437: one character, one byte). An NFO is lines of
 * at most 80 columns; the longest real ones, a full-page ASCII-art logo, notes and a long blurb,
 * are some hundreds of lines, 10 to 30 kB. 64 kB is 800 full lines: no real NFO reaches it, a
 * template can still hold its 32 kB of art and a 10,000-character description or two, and a render
 * stays cheap (transliterating, wrapping and measuring 64 kB takes milliseconds; the 21 MB an
 * unbounded template of {{description}} made took seconds and overflowed the stack). The rules set
 * no NFO size (lib/domain/rule-limits.ts has only its width), so this is the packer's own bound.
 */
export const MAX_NFO_CHARS = 64 * 1024;

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** A render that would make an NFO longer than MAX_NFO_CHARS: a problem of the template and the facts, never transient. */
export class NfoTooLargeError extends Error {
  constructor(readonly chars: number, exact: boolean) {
    super(
      `the NFO would be ${exact ? '' : 'over '}${(exact ? chars : MAX_NFO_CHARS).toLocaleString('en-US')} characters long ` +
        `(at most ${MAX_NFO_CHARS.toLocaleString('en-US')}): the template prints too many or too long fields`,
    );
    this.name = 'NfoTooLargeError';
  }
}

/** Liquid's output buffer, refusing to grow past MAX_NFO_CHARS: an oversized render stops as soon as it is one. */
class CappedEmitter implements Emitter {
  buffer = '';
  write(html: unknown): void {
    this.buffer += typeof html === 'string' ? html : String(html ?? '');
    if (this.buffer.length > MAX_NFO_CHARS) throw new NfoTooLargeError(this.buffer.length, false);
  }
}

export type TemplateFields = Record<string, string | undefined>;

/** Every field a template may use, with the value it takes from a release. */
export function templateFieldsOf(facts: ReleaseFacts): TemplateFields {
  const text = (v: string | number | undefined) => (v === undefined || v === '' ? undefined : String(v));
  return {
    name: facts.name,
    title: facts.title,
    subtitle: text(facts.subtitle),
    authors: text(facts.authors.join(', ')),
    publisher: text(facts.publisher),
    publishDate: facts.publishDate ?? String(facts.year),
    year: String(facts.year),
    releaseDate: facts.releaseDate,
    language: facts.languageName,
    source: SOURCE_TAGS[facts.source],
    format: FORMAT_TAGS[facts.format] || 'PDF',
    isbn: text(facts.isbn),
    pages: text(facts.pages),
    description: text(facts.description),
    proofUrl: text(facts.proofUrl),
    group: facts.group,
    size: `${(facts.sizeBytes / 1_000_000).toFixed(2)} MB`,
    sizeBytes: String(facts.sizeBytes),
    volumes: String(facts.volumes),
    volumeSizeMb: String(facts.volumeSizeMb),
    disks: `${facts.volumes} x ${facts.volumeSizeMb}MB`,
  };
}

/** Data for previews when no release is given. */
export const SAMPLE_FACTS: ReleaseFacts = {
  name: 'Ursula.K.Le.Guin.Tales.From.Earthsea.2012.RETAiL.ePub.eBook-ESP',
  title: 'Tales from Earthsea',
  authors: ['Ursula K. Le Guin'],
  publisher: 'Houghton Mifflin Harcourt',
  publishDate: '2012-09-11',
  year: 2012,
  releaseDate: '2026-11-24',
  languageName: 'English',
  source: 'RETAIL',
  format: 'epub',
  isbn: '9780547773742 / 0547773749',
  pages: 296,
  description: 'Five stories of the archipelago of Earthsea, from the founding of the school on Roke to the years after Tehanu.',
  proofUrl: 'https://openlibrary.org/isbn/9780547773742',
  group: 'ESP',
  sizeBytes: 1_234_567,
  volumes: 1,
  volumeSizeMb: 5,
};

/**
 * The largest facts a book can have, for the save check: every text from a book or a catalogue at
 * the MAX_FIELD_CHARS that cleanText keeps (one author that long), the longest proof URL and release
 * name; words short enough to wrap. A template that renders these within MAX_NFO_CHARS renders
 * any real book's.
 */
const longestText = (word: string, chars: number) => `${word} `.repeat(Math.ceil(chars / (word.length + 1))).slice(0, chars).trimEnd();
export const LARGEST_FACTS: ReleaseFacts = {
  ...SAMPLE_FACTS,
  name: longestText('Longest.Name', 255),
  title: longestText('Title', MAX_FIELD_CHARS),
  subtitle: longestText('Subtitle', MAX_FIELD_CHARS),
  authors: [longestText('Author', MAX_FIELD_CHARS)],
  publisher: longestText('Publisher', MAX_FIELD_CHARS),
  description: longestText('Description', MAX_FIELD_CHARS),
  proofUrl: `https://example.com/${'p'.repeat(480)}`,
};

export const TEMPLATE_FIELD_NAMES: readonly string[] = Object.keys(templateFieldsOf(SAMPLE_FACTS));
const KNOWN_FIELDS = new Set(TEMPLATE_FIELD_NAMES);
const CONDITION_OPERATORS = new Set(['not', 'and', 'or']);

const liquid = restrictedLiquid();

/** Liquid with nothing but the `if` tag: no filters, no include/render/layout, no file system. */
function restrictedLiquid(): Liquid {
  const engine = new Liquid({
    templates: {},
    relativeReference: false,
    dynamicPartials: false,
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    // An empty field is false, as in the templates written before Liquid.
    jsTruthy: true,
    parseLimit: MAX_TEMPLATE_CHARS,
    renderLimit: RENDER_LIMIT_MS,
    memoryLimit: MEMORY_LIMIT,
  });
  for (const tag of Object.keys(engine.tags)) if (tag !== 'if') delete engine.tags[tag];
  for (const filter of Object.keys(engine.filters)) delete engine.filters[filter];
  return engine;
}

export interface ParsedTemplate {
  templates: Template[];
  /** Fields used that do not exist, each with the line of its first use. */
  unknownFields: { name: string; line: number }[];
}

/**
 * Parses a template in time linear in its length. Syntax errors (and expressions other than a bare
 * field, `not`, `and`, `or`) throw a TemplateSyntaxError with their line; unknown fields are listed.
 */
export function parseTemplate(source: string): ParsedTemplate {
  // Liquid's parseLimit applies to its own parse(), which is not used here.
  if (source.length > MAX_TEMPLATE_CHARS) throw new TemplateSyntaxError(`the template is ${source.length} characters long (at most ${MAX_TEMPLATE_CHARS})`, 1);
  const lineAt = lineLocator(source);
  let templates: Template[];
  try {
    const tokens = new Tokenizer(source, liquid.options.operators).readTopLevelTokens(liquid.options);
    limitNesting(tokens, lineAt);
    standaloneTagsTakeTheirLine(tokens);
    templates = liquid.parser.parseTokens(new TokenQueue(tokens) as unknown as TopLevelToken[]);
  } catch (err) {
    throw syntaxErrorOf(err, lineAt);
  }
  const unknown = new Map<string, number>();
  const useField = (token: Token) => {
    const name = fieldNameOf(token);
    if (name === undefined) return false;
    if (!KNOWN_FIELDS.has(name) && !unknown.has(name)) unknown.set(name, lineAt(token.begin));
    return true;
  };
  const checkOutput = (value: Value, at: number) => {
    const [only, ...more] = value.initial.postfix;
    if (!only || more.length || value.filters.length || !useField(only)) {
      throw new TemplateSyntaxError('{{ }} holds one field name, nothing else (no properties, literals or filters)', lineAt(only?.begin ?? at));
    }
  };
  const checkCondition = (value: Value, at: number) => {
    const tokens = value.initial.postfix;
    const bad = tokens.find((t) => !(TypeGuards.isOperatorToken(t) ? CONDITION_OPERATORS.has(t.operator) : useField(t)));
    if (bad || tokens.length === 0) {
      throw new TemplateSyntaxError('{% if %} tests field names only, joined by not, and, or', lineAt(bad?.begin ?? at));
    }
  };
  const visit = (nodes: Template[]) => {
    for (const node of nodes) {
      if (node instanceof Output) checkOutput(node.value, node.token.begin);
      else if (node instanceof IfTag) {
        for (const branch of node.branches) {
          checkCondition(branch.value, node.token.begin);
          visit(branch.templates);
        }
        visit(node.elseTemplates ?? []);
      }
    }
  };
  visit(templates);
  return { templates, unknownFields: [...unknown].map(([name, line]) => ({ name, line })) };
}

/**
 * The token list as LiquidJS's parser consumes it (`shift()` until empty; the `if` tag reads the
 * same list). Array#shift copies the rest of the array once the array is large, which made parsing
 * quadratic in the number of tokens; this queue shifts in constant time.
 */
class TokenQueue {
  private next = 0;
  constructor(private readonly tokens: TopLevelToken[]) {}
  get length(): number {
    return this.tokens.length - this.next;
  }
  shift(): TopLevelToken | undefined {
    return this.next < this.tokens.length ? this.tokens[this.next++] : undefined;
  }
}

/** A bare field name (`title`), or undefined for anything else (`title.size`, `"x"`, `(1..9)`). */
function fieldNameOf(token: Token): string | undefined {
  if (!TypeGuards.isPropertyAccessToken(token) || token.variable !== undefined || token.props.length !== 1) return undefined;
  const [prop] = token.props;
  return prop.kind === TokenKind.Word ? prop.getText() : undefined;
}

function limitNesting(tokens: TopLevelToken[], lineAt: (offset: number) => number): void {
  let depth = 0;
  for (const token of tokens) {
    if (!TypeGuards.isTagToken(token)) continue;
    if (token.name === 'if' && ++depth > MAX_IF_DEPTH) throw new TemplateSyntaxError(`{% if %} blocks nested more than ${MAX_IF_DEPTH} deep`, lineAt(token.begin));
    if (token.name === 'endif') depth = Math.max(0, depth - 1);
  }
}

/**
 * A line holding only a block tag disappears with its line break, so blocks leave no blank lines
 * (the rule templates were written to before Liquid); tags sharing a line with text keep it all.
 */
function standaloneTagsTakeTheirLine(tokens: TopLevelToken[]): void {
  const isBlank = (ch: string) => ch === ' ' || ch === '\t';
  tokens.forEach((token, i) => {
    if (token.kind !== TokenKind.Tag) return;
    const before = tokens[i - 1];
    const after = tokens[i + 1];
    if ((before && !TypeGuards.isHTMLToken(before)) || (after && !TypeGuards.isHTMLToken(after))) return;
    const { input } = token;
    // Blanks back to the line start, and forward to the line end (through its \r\n or \n).
    let start = token.begin;
    while (before && start > before.begin && isBlank(input[start - 1])) start--;
    let end = token.end;
    while (after && end < after.end && isBlank(input[end])) end++;
    if (input[end] === '\r' && input[end + 1] === '\n') end++;
    const startsLine = start === 0 || input[start - 1] === '\n';
    const endsLine = end === input.length || input[end] === '\n';
    if (!startsLine || !endsLine) return;
    if (before) before.trimRight = before.end - start;
    if (after) after.trimLeft = Math.min(end + 1, after.end) - after.begin;
  });
}

/** Line number of a character offset, by binary search over the line starts (no rescans). */
function lineLocator(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

/** Liquid's errors in the words of our syntax, with the line they point at. */
function syntaxErrorOf(err: unknown, lineAt: (offset: number) => number): unknown {
  if (!(err instanceof LiquidError)) return err;
  const line = err.token ? lineAt(err.token.begin) : 1;
  const message = (err.originalError?.message ?? err.message).split('\n')[0].replace(/, line:\d+, col:\d+$/, '');
  const rewrites: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^tag "?(.*?)"? not closed$/, (m) => `${m[1]} is never closed`],
    [/^output "?(.*?)"? not closed$/, (m) => `${m[1]} is never closed: a {{ needs its }}`],
    [/^tag "(else|elsif|endif)" not found$/, (m) => `{% ${m[1]} %} without an open {% if %}`],
    [/^tag "(.*)" not found$/, (m) => `unknown tag {% ${m[1]} %}: only if, if not, elsif, else and endif exist`],
    [/^undefined filter: (.*)$/, (m) => `unknown filter "${m[1]}": templates have no filters`],
    [/^duplicated else$/, () => '{% else %} twice in one {% if %}'],
    [/^Maximum call stack size exceeded$/, () => 'an expression nested too deeply'],
  ];
  for (const [pattern, say] of rewrites) {
    const match = pattern.exec(message);
    if (match) return new TemplateSyntaxError(say(match), line);
  }
  return new TemplateSyntaxError(message, line);
}

/** Parses a template that must use known fields only (rendering one that does not is an error). */
function parseForRendering(source: string): Template[] {
  const { templates, unknownFields } = parseTemplate(source);
  if (unknownFields.length) throw new TemplateSyntaxError(`unknown field {{${unknownFields[0].name}}}`, unknownFields[0].line);
  return templates;
}

/**
 * Renders a template for a release, as it will be published: every character is what CP437 will
 * hold (transliterated where it must be), so a line's length is its width on the published bytes;
 * lines a long value pushed past the width are word-wrapped under their own indentation; line
 * endings become CRLF. An NFO longer than MAX_NFO_CHARS throws an NfoTooLargeError, and its
 * render stops as soon as it is that long.
 */
export function renderNfoTemplate(source: string, facts: ReleaseFacts, width: number): string {
  const templates = parseForRendering(source);
  // Absent fields are empty strings: the bare names were checked, and strictVariables stays on.
  const scope = Object.fromEntries(Object.entries(templateFieldsOf(facts)).map(([name, value]) => [name, value ?? '']));
  let rendered: string;
  try {
    // liquid.renderSync with an output buffer of bounded length (and the engine's render time limit).
    const context = new Context(scope, liquid.options, { sync: true }, { liquid });
    rendered = toValueSync(liquid.renderer.renderTemplates(templates, context, new CappedEmitter())) as string;
  } catch (err) {
    const cause = err instanceof LiquidError ? err.originalError : err;
    if (cause instanceof NfoTooLargeError) throw cause;
    throw syntaxErrorOf(err, lineLocator(source));
  }
  const lines = asPublished(rendered)
    .split(/\r?\n/)
    .flatMap((line) => {
      if (line.length <= width) return [line.trimEnd()];
      const indent = /^\s*/.exec(line)![0].slice(0, width / 2);
      return wrap(line.trim(), width - indent.length).map((l) => `${indent}${l}`);
    });
  const text = lines.join('\r\n').replace(/(\r\n)*$/, '\r\n');
  // Wrapping indents the lines it adds, so the published text is measured again.
  if (text.length > MAX_NFO_CHARS) throw new NfoTooLargeError(text.length, true);
  return text;
}

/** Why a template cannot be saved: size, syntax, unknown fields, characters CP437 lacks, static lines too wide. */
export function templateProblems(source: string, width: number): string[] {
  if (source.length > MAX_TEMPLATE_CHARS) return [`the template is ${source.length} characters long (at most ${MAX_TEMPLATE_CHARS})`];
  let parsed: ParsedTemplate;
  try {
    parsed = parseTemplate(source);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return [err.message];
    throw err;
  }
  const problems = parsed.unknownFields.map(({ name, line }) => `line ${line}: unknown field {{${name}}}; known fields: ${TEMPLATE_FIELD_NAMES.join(', ')}`);
  const outside = [...new Set([...source].filter((ch) => ch !== '\r' && ch !== '\n' && iconv.decode(iconv.encode(ch, 'cp437'), 'cp437') !== ch))];
  if (outside.length) problems.push(`characters CP437 does not have: ${outside.join(' ')}`);
  source.split(/\r?\n/).forEach((line, i) => {
    if (!/\{\{|\{%/.test(line) && line.length > width) problems.push(`line ${i + 1} is ${line.length} columns wide (at most ${width})`);
  });
  return problems;
}
