import { toAscii } from './romanize';

/**
 * Romanisation as names and NFOs use it, on real titles and on a hostile one: a run of one script
 * tens of thousands of characters long (the Japanese analyser took 19 s on 32,000 characters).
 */
describe('toAscii', () => {
  it('romanises each script by its convention', () => {
    expect(toAscii('ノルウェイの森', 'ja')).toBe('noruwei no mori');
    expect(toAscii('参考手册', 'zh')).toBe('cankao shouce');
    expect(toAscii('Преступление и наказание', 'ru')).toBe('Prestuplenie i nakazanie');
    expect(toAscii('Fördömda själar', 'sv')).toBe('Fordomda sjalar');
  });

  it('romanises a 40,000-character run of Japanese or Chinese a piece at a time', () => {
    const japanese = toAscii('日本語の長い題名'.repeat(5_000), 'ja');
    expect(japanese.startsWith('nihongo no nagai daimei nihongo no')).toBe(true);
    expect(japanese).toMatch(/^[a-z ]+$/);
    expect(japanese.split(' ').length).toBeGreaterThan(15_000);
    const chinese = toAscii('中文的长标题很长'.repeat(5_000), 'zh');
    expect(chinese.startsWith('zhongwen de')).toBe(true);
    expect(chinese).toMatch(/^[a-z ]+$/);
  });
});
