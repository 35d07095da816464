import iconv from 'iconv-lite';
import { FORMAT_TAGS, SOURCE_TAGS } from './release-name';
import type { ReleaseFacts } from './release-facts';
import { wrap } from './text-layout';

/**
 * NFO templates: `{{field}}` placeholders and `{% if field %}...{% else %}...{% endif %}` blocks
 * (`{% if not field %}` too) over a fixed set of fields. Templates are parsed into a small tree
 * and rendered by walking it: no expression is ever evaluated, so a template cannot run code.
 */

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'field'; name: string; line: number }
  | { kind: 'if'; name: string; negate: boolean; then: Node[]; otherwise: Node[]; line: number };

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

export const TEMPLATE_FIELD_NAMES: readonly string[] = Object.keys(templateFieldsOf(SAMPLE_FACTS));

const TOKEN = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}|\{%\s*(.*?)\s*%\}/g;

export function parseTemplate(text: string): Node[] {
  const root: Node[] = [];
  const open: Extract<Node, { kind: 'if' }>[] = [];
  let inElse: boolean[] = [];
  const target = () => (open.length ? (inElse[inElse.length - 1] ? open[open.length - 1].otherwise : open[open.length - 1].then) : root);
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;

  const pushText = (from: number, to: number) => {
    const chunk = text.slice(from, to);
    const stray = chunk.search(/\{\{|\{%/);
    if (stray !== -1) throw new TemplateSyntaxError('a {{ or {% that is not a well-formed {{field}} or {% tag %}', lineAt(from + stray));
    if (chunk) target().push({ kind: 'text', text: chunk });
  };

  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    let start = match.index!;
    let end = start + match[0].length;
    if (match[2] !== undefined) {
      // A line holding only a block tag disappears with its line break, so blocks leave no blank lines.
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      const restOfLine = /^[ \t]*(\r?\n|$)/.exec(text.slice(end));
      if (restOfLine && /^[ \t]*$/.test(text.slice(lineStart, start))) {
        start = Math.max(lineStart, last);
        end += restOfLine[0].length;
      }
    }
    pushText(last, start);
    last = end;
    const line = lineAt(match.index!);
    if (match[1]) {
      target().push({ kind: 'field', name: match[1], line });
      continue;
    }
    const tag = match[2];
    const ifTag = /^if\s+(not\s+)?([A-Za-z][A-Za-z0-9_]*)$/.exec(tag);
    if (ifTag) {
      const node = { kind: 'if' as const, name: ifTag[2], negate: Boolean(ifTag[1]), then: [], otherwise: [], line };
      target().push(node);
      open.push(node);
      inElse.push(false);
    } else if (tag === 'else') {
      if (!open.length || inElse[inElse.length - 1]) throw new TemplateSyntaxError('{% else %} without an open {% if %}', line);
      inElse[inElse.length - 1] = true;
    } else if (tag === 'endif') {
      if (!open.length) throw new TemplateSyntaxError('{% endif %} without an open {% if %}', line);
      open.pop();
      inElse = inElse.slice(0, -1);
    } else {
      throw new TemplateSyntaxError(`unknown tag {% ${tag} %}: only if, if not, else and endif exist`, line);
    }
  }
  pushText(last, text.length);
  if (open.length) throw new TemplateSyntaxError(`{% if ${open[open.length - 1].name} %} is never closed`, open[open.length - 1].line);
  return root;
}

/** Field names a template uses that do not exist. */
export function unknownFields(nodes: Node[]): string[] {
  const unknown = new Set<string>();
  const visit = (list: Node[]) => {
    for (const node of list) {
      if (node.kind === 'text') continue;
      if (!TEMPLATE_FIELD_NAMES.includes(node.name)) unknown.add(node.name);
      if (node.kind === 'if') {
        visit(node.then);
        visit(node.otherwise);
      }
    }
  };
  visit(nodes);
  return [...unknown];
}

function renderNodes(nodes: Node[], fields: TemplateFields): string {
  // Own fields only: "constructor" or "toString" must not reach Object.prototype.
  const value = (name: string) => (Object.hasOwn(fields, name) ? fields[name] : undefined);
  return nodes
    .map((node) => {
      if (node.kind === 'text') return node.text;
      if (node.kind === 'field') return value(node.name) ?? '';
      const truthy = Boolean(value(node.name));
      return renderNodes(truthy !== node.negate ? node.then : node.otherwise, fields);
    })
    .join('');
}

/**
 * Renders a template for a release: lines a long value pushed past the width are word-wrapped
 * under their own indentation; line endings become CRLF.
 */
export function renderNfoTemplate(source: string, facts: ReleaseFacts, width: number): string {
  const text = renderNodes(parseTemplate(source), templateFieldsOf(facts));
  const lines = text.split(/\r?\n/).flatMap((line) => {
    if (line.length <= width) return [line.trimEnd()];
    const indent = /^\s*/.exec(line)![0].slice(0, width / 2);
    return wrap(line.trim(), width - indent.length).map((l) => `${indent}${l}`);
  });
  return lines.join('\r\n').replace(/(\r\n)*$/, '\r\n');
}

/** Why a template cannot be saved: syntax, unknown fields, characters CP437 lacks, static lines too wide. */
export function templateProblems(source: string, width: number): string[] {
  let nodes: Node[];
  try {
    nodes = parseTemplate(source);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return [err.message];
    throw err;
  }
  const problems = unknownFields(nodes).map((name) => `unknown field {{${name}}}; known fields: ${TEMPLATE_FIELD_NAMES.join(', ')}`);
  const outside = [...new Set([...source].filter((ch) => ch !== '\r' && ch !== '\n' && iconv.decode(iconv.encode(ch, 'cp437'), 'cp437') !== ch))];
  if (outside.length) problems.push(`characters CP437 does not have: ${outside.join(' ')}`);
  source.split(/\r?\n/).forEach((line, i) => {
    if (!/\{\{|\{%/.test(line) && line.length > width) problems.push(`line ${i + 1} is ${line.length} columns wide (at most ${width})`);
  });
  return problems;
}
