import { parseTemplate, renderNfoTemplate, SAMPLE_FACTS, templateProblems, TemplateSyntaxError } from './nfo-template';

const render = (source: string, facts = SAMPLE_FACTS, width = 80) => renderNfoTemplate(source, facts, width);

describe('NFO templates', () => {
  it('fills placeholders, with or without spaces inside the braces, and ends lines with CRLF', () => {
    expect(render('{{title}} by {{ authors }}\n{{group}}')).toBe('Tales from Earthsea by Ursula K. Le Guin\r\nESP\r\n');
  });

  it('keeps the branch of a conditional that applies, drops lines holding only a tag, and nests', () => {
    const source = ['A', '{% if isbn %}', 'ISBN: {{isbn}}', '{% if not pages %}', 'no pages', '{% else %}', 'pages: {{pages}}', '{% endif %}', '{% endif %}', 'Z'].join('\n');
    expect(render(source)).toBe('A\r\nISBN: 9780547773742 / 0547773749\r\npages: 296\r\nZ\r\n');
    expect(render(source, { ...SAMPLE_FACTS, isbn: undefined })).toBe('A\r\nZ\r\n');
    expect(render(source, { ...SAMPLE_FACTS, pages: undefined })).toBe('A\r\nISBN: 9780547773742 / 0547773749\r\nno pages\r\nZ\r\n');
    expect(render('[{% if subtitle %}{{subtitle}}{% else %}-{% endif %}]')).toBe('[-]\r\n');
  });

  it('wraps a line a long value pushed past the width under its indentation', () => {
    const out = render('   {{description}}', SAMPLE_FACTS, 40).split('\r\n').filter(Boolean);
    expect(out.length).toBeGreaterThan(2);
    for (const line of out) {
      expect(line.length).toBeLessThanOrEqual(40);
      expect(line.startsWith('   ')).toBe(true);
    }
  });

  it('treats template text as text: no expression, property access or code runs', () => {
    const hostile = "{{constructor}} {{__proto__}} {{ title.constructor }} ${process.exit(1)} {% if constructor %}x{% endif %}";
    expect(templateProblems(hostile, 80)[0]).toMatch(/line 1: a \{\{ or \{% that is not a well-formed/);
    expect(templateProblems('{{constructor}} {{hasOwnProperty}}', 80)).toEqual([expect.stringMatching(/unknown field \{\{constructor\}\}/), expect.stringMatching(/unknown field \{\{hasOwnProperty\}\}/)]);
    // Unknown fields render as nothing, even ones that exist on every JS object.
    expect(render('[{{constructor}}][{{toString}}]')).toBe('[][]\r\n');
  });

  it('reports syntax errors with their line', () => {
    const errorOf = (source: string) => {
      try {
        parseTemplate(source);
        return 'parsed';
      } catch (err) {
        expect(err).toBeInstanceOf(TemplateSyntaxError);
        return (err as Error).message;
      }
    };
    expect(errorOf('a\n{% if title %}\nno end')).toBe('line 2: {% if title %} is never closed');
    expect(errorOf('{% endif %}')).toBe('line 1: {% endif %} without an open {% if %}');
    expect(errorOf('x\ny\n{% for a in b %}{% endfor %}')).toMatch(/^line 3: unknown tag \{% for a in b %\}/);
    expect(errorOf('{% if title %}{% else %}{% else %}{% endif %}')).toMatch(/else %\} without/);
    expect(errorOf('ok {{ title')).toBe('line 1: a {{ or {% that is not a well-formed {{field}} or {% tag %}');
  });

  it('refuses to save characters CP437 lacks and static lines wider than the NFO', () => {
    expect(templateProblems('╔══╗ {{title}} ░▒▓ é', 80)).toEqual([]);
    expect(templateProblems('Title: {{title}} ✓ 😀', 80)).toEqual(['characters CP437 does not have: ✓ 😀']);
    expect(templateProblems(`${'═'.repeat(81)}\n{{title}}`, 80)).toEqual(['line 1 is 81 columns wide (at most 80)']);
  });
});
