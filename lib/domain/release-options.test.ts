import { followUpSchema, releaseEditSchema, releaseOptionsSchema } from './release-options';

/** The texts an operator gives that end up in the NFO: printable text, line breaks only where paragraphs are allowed. */
const problems = (result: { success: boolean; error?: { issues: { path: (string | number)[] }[] } }) => (result.success ? [] : result.error!.issues.map((i) => i.path.join('.')));

describe('release texts', () => {
  it('refuses ESC, BEL, NUL, DEL and C1 controls in every text the NFO prints', () => {
    for (const bad of ['\u001b[2J', 'bell\u0007', 'nul\u0000', 'del\u007f', 'csi\u009b31m']) {
      const asked = releaseOptionsSchema.safeParse({
        group: 'ESP',
        proofUrl: `https://store.example/book?${encodeURIComponent('x')}${bad}`,
        tieIn: { title: `Film ${bad}` },
        overrides: { title: `T ${bad}`, authors: [`A ${bad}`], publisher: `P ${bad}`, edition: `E ${bad}`, description: `D ${bad}`, originalPublisher: `O ${bad}` },
      });
      expect({ bad, fields: problems(asked).sort() }).toEqual({
        bad,
        fields: ['overrides.authors.0', 'overrides.description', 'overrides.edition', 'overrides.originalPublisher', 'overrides.publisher', 'overrides.title', 'proofUrl', 'tieIn.title'],
      });
      expect(problems(releaseEditSchema.safeParse({ title: `T ${bad}` }))).toEqual(['title']);
      expect(problems(followUpSchema.safeParse({ kind: 'NFOFiX', reason: `wrong ${bad}` }))).toEqual(['reason']);
    }
  });

  it('keeps line breaks and tabs in a description and a follow-up reason, not in a one-line field or a URL', () => {
    expect(releaseOptionsSchema.parse({ group: 'ESP', overrides: { description: 'First paragraph.\r\n\r\n\tSecond.' } }).overrides.description).toBe('First paragraph.\r\n\r\n\tSecond.');
    expect(followUpSchema.parse({ kind: 'PROPER', reason: 'the first\nhad a broken zip' }).reason).toBe('the first\nhad a broken zip');
    expect(problems(releaseOptionsSchema.safeParse({ group: 'ESP', overrides: { title: 'Two\nlines', publisher: 'Tab\there' } })).sort()).toEqual(['overrides.publisher', 'overrides.title']);
    expect(problems(releaseOptionsSchema.safeParse({ group: 'ESP', proofUrl: 'https://store.example/a b' }))).toEqual(['proofUrl']);
    expect(releaseOptionsSchema.parse({ group: 'ESP', proofUrl: 'https://store.example/book/ÉTÉ?id=1', overrides: { title: 'Été — ノルウェイの森' } })).toMatchObject({ overrides: { title: 'Été — ノルウェイの森' } });
  });
});
