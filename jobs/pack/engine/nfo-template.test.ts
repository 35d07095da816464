import { MAX_IF_DEPTH, MAX_NFO_CHARS, MAX_TEMPLATE_CHARS, NfoTooLargeError, parseTemplate, renderNfoTemplate, SAMPLE_FACTS, templateProblems, TemplateSyntaxError } from './nfo-template';
import { encodeCp437 } from './cp437';
import { cp437LineWidths } from './text-checks';
import { HOSTILE_TEMPLATES } from '../fixtures/hostile-templates';

const render = (source: string, facts = SAMPLE_FACTS, width = 80) => renderNfoTemplate(source, facts, width);

const errorOf = (source: string) => {
  try {
    parseTemplate(source);
    return 'parsed';
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateSyntaxError);
    return (err as Error).message;
  }
};

describe('NFO templates', () => {
  it('fills placeholders, with or without spaces inside the braces, and ends lines with CRLF', () => {
    expect(render('{{title}} by {{ authors }}\n{{group}}')).toBe('Tales from Earthsea by Ursula K. Le Guin\r\nESP\r\n');
  });

  it('keeps the branch of a conditional that applies, drops lines holding only a tag, and nests', () => {
    const source = ['A', '{% if isbn %}', 'ISBN: {{isbn}}', '  {% if not pages %}  ', 'no pages', '{% else %}', 'pages: {{pages}}', '{% endif %}', '{% endif %}', 'Z'].join('\n');
    expect(render(source)).toBe('A\r\nISBN: 9780547773742 / 0547773749\r\npages: 296\r\nZ\r\n');
    expect(render(source, { ...SAMPLE_FACTS, isbn: undefined })).toBe('A\r\nZ\r\n');
    expect(render(source, { ...SAMPLE_FACTS, pages: undefined })).toBe('A\r\nISBN: 9780547773742 / 0547773749\r\nno pages\r\nZ\r\n');
    expect(render(source.replace(/\n/g, '\r\n'))).toBe('A\r\nISBN: 9780547773742 / 0547773749\r\npages: 296\r\nZ\r\n');
    expect(render('[{% if subtitle %}{{subtitle}}{% else %}-{% endif %}]')).toBe('[-]\r\n');
  });

  it('renders the templates written before Liquid exactly as before', () => {
    // The house template of the release tests and the console's boxed example, with their old output.
    const house = [' ░▒▓█ {{group}} █▓▒░', '', ' {{title}}{% if subtitle %} - {{subtitle}}{% endif %}', ' Author ....: {{authors}}', '{% if isbn %}', ' ISBN ......: {{isbn}}', '{% endif %}', ' Disks .....: {{disks}}'].join('\n');
    expect(render(house)).toBe(' ░▒▓█ ESP █▓▒░\r\n\r\n Tales from Earthsea\r\n Author ....: Ursula K. Le Guin\r\n ISBN ......: 9780547773742 / 0547773749\r\n Disks .....: 1 x 5MB\r\n');
    expect(render(house, { ...SAMPLE_FACTS, subtitle: 'Stories', isbn: undefined })).toBe(' ░▒▓█ ESP █▓▒░\r\n\r\n Tales from Earthsea - Stories\r\n Author ....: Ursula K. Le Guin\r\n Disks .....: 1 x 5MB\r\n');
    // A tag sharing its line with text keeps the line break after it; spaces next to it stay.
    expect(render('{% if isbn %}ISBN: {{isbn}}{% endif %}\nTitle: {% if title %} {{title}}{% endif %}')).toBe('ISBN: 9780547773742 / 0547773749\r\nTitle:  Tales from Earthsea\r\n');
  });

  it('fills the derived fields: size in MB, the year when no publish date is known, PDF as a format, an empty value as absent', () => {
    const facts = { ...SAMPLE_FACTS, sizeBytes: 7_654_321, publishDate: undefined, year: 1990, format: 'pdf' as const, subtitle: '' };
    expect(render('{{size}} ({{sizeBytes}}) | {{publishDate}} | {{format}} | [{% if subtitle %}has a subtitle{% endif %}]', facts)).toBe('7.65 MB (7654321) | 1990 | PDF | []\r\n');
    expect(render('{{publishDate}} | {{format}}')).toBe('2012-09-11 | ePub\r\n');
  });

  it('drops a tag line only when the tag stands alone on it, the first line included, and keeps the blank line after it', () => {
    expect(render('{% if title %}\nX\n{% endif %}')).toBe('X\r\n');
    expect(render('A\n{% if title %}\n\nB\n{% endif %}')).toBe('A\r\n\r\nB\r\n');
    expect(render('Title: {% if title %}\nX{% endif %}')).toBe('Title:\r\nX\r\n');
  });

  it('keeps a line exactly as wide as the NFO as written, and wraps a wider one under at most half the width of indentation', () => {
    const full = `${' '.repeat(50)}${'x'.repeat(30)}`;
    expect(render(full)).toBe(`${full}\r\n`);
    const words = Array.from({ length: 12 }, (_, i) => `word${i}`);
    const lines = render(`${' '.repeat(60)}${words.join(' ')}`).split('\r\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(80);
      expect(line).toMatch(/^ {40}\S/);
    }
    expect(lines.map((line) => line.trim()).join(' ')).toBe(words.join(' '));
  });

  it('wraps a line a long value pushed past the width under its indentation', () => {
    const out = render('   {{description}}', SAMPLE_FACTS, 40).split('\r\n').filter(Boolean);
    expect(out.length).toBeGreaterThan(2);
    for (const line of out) {
      expect(line.length).toBeLessThanOrEqual(40);
      expect(line.startsWith('   ')).toBe(true);
    }
  });

  it('lays out values as they will be published: a title that grows when romanised still fits on the CP437 bytes', () => {
    const japanese = { ...SAMPLE_FACTS, title: 'シャーロック・ホームズの冒険とジェーン・エアのニュース', authors: ['Фёдор Михайлович Достоевский', 'Щедрин'] };
    const text = render(' Title ....: {{title}}\n Author ...: {{authors}}', japanese);
    // Before encoding the lines are short; measured on the bytes that are published they still fit.
    expect(Math.max(...cp437LineWidths(encodeCp437(text)))).toBeLessThanOrEqual(80);
    expect(text).toBe(encodeCp437(text).toString('latin1'));
    expect(text).not.toMatch(/[^\x20-\x7e\r\n]/);
  });

  it('lets no expression, property, filter, partial or literal through: only bare field names', () => {
    const refused: [string, RegExp][] = [
      ['ok\n{{ title.constructor }}', /^line 2: \{\{ \}\} holds one field name/],
      ['{{ title["constructor"] }}', /^line 1: \{\{ \}\} holds one field name/],
      ['{{ title.size }}', /holds one field name/],
      ['{{ "literal" }}', /holds one field name/],
      ['{{ (1..100000000) }}', /holds one field name/],
      ['{{ title | upcase }}', /^line 1: unknown filter "upcase": templates have no filters/],
      ['a\n\n{% include "/etc/passwd" %}', /^line 3: unknown tag \{% include %\}/],
      ['{% render "x" %}', /unknown tag \{% render %\}/],
      ['{% layout "x" %}', /unknown tag \{% layout %\}/],
      ['{% assign x = title %}', /unknown tag \{% assign %\}/],
      ['{% for a in (1..9) %}{% endfor %}', /unknown tag \{% for %\}/],
      ['x\n{% if title == "x" %}y{% endif %}', /^line 2: \{% if %\} tests field names only/],
      ['{% if title.size > 3 %}y{% endif %}', /tests field names only/],
    ];
    for (const [source, message] of refused) {
      expect(errorOf(source)).toMatch(message);
      expect(templateProblems(source, 80)).toEqual([expect.stringMatching(message)]);
    }
  });

  it('reports unknown fields with the line of their first use, and will not render them', () => {
    expect(templateProblems('{{title}}\n{{constructor}} {{__proto__}}\n{% if hasOwnProperty %}x{% endif %}\n{{constructor}}', 80)).toEqual([
      expect.stringMatching(/^line 2: unknown field \{\{constructor\}\}; known fields: name, title,/),
      expect.stringMatching(/^line 2: unknown field \{\{__proto__\}\}/),
      expect.stringMatching(/^line 3: unknown field \{\{hasOwnProperty\}\}/),
    ]);
    expect(() => render('[{{title}}]\n[{{toString}}]')).toThrow('line 2: unknown field {{toString}}');
  });

  it('reports syntax errors with their line', () => {
    expect(errorOf('a\n{% if title %}\nno end')).toBe('line 2: {% if title %} is never closed');
    expect(errorOf('{% endif %}')).toBe('line 1: {% endif %} without an open {% if %}');
    expect(errorOf('x\n{% else %}')).toBe('line 2: {% else %} without an open {% if %}');
    expect(errorOf('x\ny\n{% for a in b %}{% endfor %}')).toMatch(/^line 3: unknown tag \{% for %\}/);
    expect(errorOf('{% if title %}{% else %}{% else %}{% endif %}')).toBe('line 1: {% else %} twice in one {% if %}');
    expect(errorOf('ok\n\n{{ title')).toMatch(/^line 3: \{\{ title is never closed/);
    expect(errorOf('ok {%  ')).toMatch(/^line 1: .* is never closed/);
    const deep = `${'{% if title %}\n'.repeat(MAX_IF_DEPTH + 1)}x${'\n{% endif %}'.repeat(MAX_IF_DEPTH + 1)}`;
    expect(errorOf(deep)).toBe(`line ${MAX_IF_DEPTH + 1}: {% if %} blocks nested more than ${MAX_IF_DEPTH} deep`);
    expect(errorOf(`{{ ${'['.repeat(50_000)} }}`)).toMatch(/^line 1: /);
  });

  it('refuses to save characters CP437 lacks, static lines wider than the NFO, and templates over the size cap', () => {
    expect(templateProblems('╔══╗ {{title}} ░▒▓ é', 80)).toEqual([]);
    expect(templateProblems('Title: {{title}} ✓ 😀', 80)).toEqual(['characters CP437 does not have: ✓ 😀']);
    expect(templateProblems(`${'═'.repeat(81)}\n{{title}}`, 80)).toEqual(['line 1 is 81 columns wide (at most 80)']);
    // At the limits: a static line exactly as wide as the NFO, a template exactly at the size cap.
    expect(templateProblems(`Title\n${'═'.repeat(80)}\n{{title}}`, 80)).toEqual([]);
    expect(templateProblems(`{{title}}${' '.repeat(MAX_TEMPLATE_CHARS - 9)}`, 80)).toEqual([]);
    // A line holding a field or a tag is as wide as what it renders to, which the render wraps.
    expect(templateProblems(`${'x'.repeat(90)}{{title}}\n{% if title %}${'x'.repeat(90)}{% endif %}`, 80)).toEqual([]);
    expect(templateProblems(`{{title}}\n${'x'.repeat(MAX_TEMPLATE_CHARS)}`, 80)).toEqual([`the template is ${MAX_TEMPLATE_CHARS + 10} characters long (at most ${MAX_TEMPLATE_CHARS})`]);
  });
});

describe('NFO size cap', () => {
  const longDescription = { ...SAMPLE_FACTS, description: 'A long blurb of the book, '.repeat(400).slice(0, 10_000) };
  const thrownBy = (run: () => unknown) => {
    try {
      run();
    } catch (err) {
      return err;
    }
    return undefined;
  };

  it('stops a render as soon as it passes the cap: a field repeated thousands of times with a 10,000-character value', () => {
    // The probe's template: 21 million characters unbounded, which overflowed the stack converting it to CP437.
    const err = thrownBy(() => render('{{description}}'.repeat(2_184), longDescription));
    expect(err).toBeInstanceOf(NfoTooLargeError);
    expect((err as Error).message).toBe(
      'the NFO would be over 65,536 characters long (at most 65,536): the template prints too many or too long fields',
    );
  });

  it('measures the published text too, after wrapping has indented the lines it added', () => {
    const indented = `${' '.repeat(40)}{{description}}
`;
    // Four indented descriptions render 40,000 characters; wrapped to 40 columns under 40 blanks, about 82,000.
    const err = thrownBy(() => render(indented.repeat(4), longDescription));
    expect(err).toBeInstanceOf(NfoTooLargeError);
    expect((err as NfoTooLargeError).chars).toBeGreaterThan(MAX_NFO_CHARS);
    expect((err as Error).message).toMatch(/^the NFO would be [\d,]+ characters long \(at most 65,536\)/);
    // Under the cap, a long description printed a few times renders.
    const text = render('{{description}}\n'.repeat(5), longDescription);
    expect(text.length).toBeGreaterThan(50_000);
    expect(text.length).toBeLessThanOrEqual(MAX_NFO_CHARS);
  });
});

describe('NFO template parsing time', () => {
  /** A realistic 2 kB house template: box art, labelled fields, conditionals. */
  const NORMAL = [
    '╔══════════════════════════════════════════════════════════════════════════╗',
    '║                         {{group}} presents                                ║',
    '╚══════════════════════════════════════════════════════════════════════════╝',
    ' {{title}}{% if subtitle %} - {{subtitle}}{% endif %}',
    ' by {% if authors %}{{authors}}{% else %}{{publisher}}{% endif %}',
    '',
    ...['name', 'publisher', 'publishDate', 'releaseDate', 'language', 'source', 'format', 'size', 'disks', 'proofUrl'].map((f) => ` ${f.padEnd(14, '.')}: {{${f}}}`),
    '{% if isbn %}',
    ' ISBN ..........: {{isbn}}',
    '{% endif %}',
    '{% if not pages %}',
    ' Pages .........: unknown',
    '{% else %}',
    ' Pages .........: {{pages}}',
    '{% endif %}',
    '───────────────────────────────────── NOTES ────────────────────────────────',
    '{{description}}',
    ...Array.from({ length: 14 }, () => ' ░▒▓ Unpack the zips, join the parts if there are several; no conversions. ▓▒░'),
  ].join('\n');

  /** Parses; a refusal is fine, anything but a TemplateSyntaxError is a crash. */
  const attempt = (source: string) => {
    try {
      parseTemplate(source);
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
    }
  };
  /**
   * Best of a few runs, in milliseconds of this process's CPU time: on a shared machine wall time
   * counts the waits for a core, and the minimum leaves out most garbage collections.
   */
  const fastest = (source: string, runs: number, repeat = 1) => {
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const start = process.cpuUsage();
      for (let i = 0; i < repeat; i++) attempt(source);
      const spent = process.cpuUsage(start);
      best = Math.min(best, (spent.user + spent.system) / 1e3 / repeat);
    }
    return best;
  };

  it('parses every adversarial input up to the size cap in time that grows linearly with its size', () => {
    expect(NORMAL.length).toBeGreaterThan(1900);
    expect(errorOf(NORMAL)).toBe('parsed');
    // Each input's own time at 4 kB and at the 32 kB cap (longer templates are refused unparsed):
    // eight times the size takes about eight times as long for a linear parser (10 at most seen)
    // and 64 times for a quadratic one. The allowance is 20 times, plus 5 ms for inputs refused
    // after a few characters, whose times are microseconds of noise. The small input is parsed
    // eight times a sample, so both samples parse as many characters.
    const GROWTH = 20;
    const SLACK_MS = 5;
    const small = 4_000;
    for (const [name, build] of Object.entries(HOSTILE_TEMPLATES)) {
      const smallMs = fastest(build(small), 5, MAX_TEMPLATE_CHARS / small);
      const capMs = fastest(build(MAX_TEMPLATE_CHARS), 5);
      if (capMs > GROWTH * smallMs + SLACK_MS) {
        throw new Error(`${name}: ${capMs.toFixed(2)} ms at ${MAX_TEMPLATE_CHARS} characters against ${smallMs.toFixed(2)} ms at ${small}, over ${GROWTH} x + ${SLACK_MS} ms`);
      }
    }
  }, 120_000);
});
