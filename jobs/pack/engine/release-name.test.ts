import { buildReleaseName, creatorWords, issueTag, NameInput, validateReleaseName } from './release-name';

const base: NameInput = { authors: ['Hilary Mantel'], title: 'Wolf Hall', year: 2011, source: 'RETAIL', format: 'epub', group: 'DECiPHER' };

describe('buildReleaseName', () => {
  it('builds the documented shape, with a language tag only for non-English', () => {
    expect(buildReleaseName({ ...base, language: 'da' })).toBe('Hilary.Mantel.Wolf.Hall.2011.DANiSH.RETAiL.ePub.eBook-DECiPHER');
    expect(buildReleaseName({ ...base, language: 'en' })).toBe('Hilary.Mantel.Wolf.Hall.2011.RETAiL.ePub.eBook-DECiPHER');
  });

  it('puts no format tag on a PDF and uses the publisher when there is no author', () => {
    const name = buildReleaseName({
      ...base,
      authors: [],
      publisher: 'Wiley',
      title: 'Fundamentals of Wireless Sensor Networks: Theory and Practice',
      year: 2010,
      format: 'pdf',
      group: 'DeBTB00k',
    });
    expect(name).toBe('Wiley.Fundamentals.of.Wireless.Sensor.Networks.Theory.and.Practice.2010.RETAiL.eBook-DeBTB00k');
    expect(validateReleaseName(name, { format: 'pdf' })).toEqual([]);
  });

  it('transliterates accents and non-Latin scripts, drops symbols, and never doubles dots', () => {
    expect(buildReleaseName({ ...base, authors: ['Åsa Larsson'], title: 'Fördömda själar!?', language: 'sv' })).toBe(
      'Asa.Larsson.Fordomda.Sjalar.2011.SWEDiSH.RETAiL.ePub.eBook-DECiPHER',
    );
    const russian = buildReleaseName({ ...base, authors: ['Фёдор Достоевский'], title: 'Преступление и наказание', language: 'ru' });
    expect(russian).toBe('Fyodor.Dostoevskiy.Prestuplenie.I.Nakazanie.2011.RUSSiAN.RETAiL.ePub.eBook-DECiPHER');
    const japanese = buildReleaseName({ ...base, authors: ['村上春樹'], title: 'ノルウェイの森', language: 'ja' });
    expect(japanese).toMatch(/^[A-Za-z0-9.]+\.2011\.JAPANESE\.RETAiL\.ePub\.eBook-DECiPHER$/);
    expect(validateReleaseName(japanese, { format: 'epub' })).toEqual([]);
    expect(buildReleaseName({ ...base, title: 'C++ & You -- Part 2 ... (Revised)' })).toBe('Hilary.Mantel.C.and.You.Part.2.Revised.2011.RETAiL.ePub.eBook-DECiPHER');
    expect(buildReleaseName({ ...base, title: '★★★' })).toContain('.Untitled.2011.');
  });

  it('shortens the title, never the tags or group, to fit 243 characters', () => {
    const name = buildReleaseName({ ...base, title: 'Word '.repeat(80) });
    expect(name.length).toBeLessThanOrEqual(243);
    expect(name.endsWith('.2011.RETAiL.ePub.eBook-DECiPHER')).toBe(true);
    expect(validateReleaseName(name, { format: 'epub', group: 'DECiPHER' })).toEqual([]);
  });

  it('fits a hostile 200,000-character title or author from a book file to the limit, keeping the leading words', () => {
    // Word by word, one rebuild of the name per dropped word, this took a minute and held the API.
    const endless = Array.from({ length: 40_000 }, (_, i) => `word${i}`).join(' ');
    const byTitle = buildReleaseName({ ...base, title: endless });
    expect(byTitle.length).toBeLessThanOrEqual(243);
    expect(byTitle).toMatch(/^Hilary\.Mantel\.Word0\.Word1\.Word2\..+\.2011\.RETAiL\.ePub\.eBook-DECiPHER$/);
    const byAuthor = buildReleaseName({ ...base, authors: [endless] });
    expect(byAuthor.length).toBeLessThanOrEqual(243);
    // Title words go first (down to one), then the creator's from its end.
    expect(byAuthor).toMatch(/^Word0\.Word1\..+\.Word\d+\.Wolf\.2011\.RETAiL\.ePub\.eBook-DECiPHER$/);
    // Romanising Japanese costs more than its length: only the part a name can hold is romanised.
    const japanese = buildReleaseName({ ...base, authors: ['山田太郎'], title: '日本語の長い題名'.repeat(25_000), language: 'ja' });
    expect(japanese.length).toBeLessThanOrEqual(243);
    expect(japanese).toMatch(/^Yamada\.Taro\.Nihongo\.no\.Nagai\.Daimei\..+\.2011\.JAPANESE\.RETAiL\.ePub\.eBook-DECiPHER$/);
  });
});

describe('validateReleaseName', () => {
  it('accepts real release names of the right shape', () => {
    expect(validateReleaseName('ELSEVIER.SYSTEMS.PROGRAMMING.2015.RETAIL.EPUB.EBOOK-kE', { format: 'epub' })).toEqual([]);
    expect(validateReleaseName('Thomas.Keller.Under.Pressure.Cooking.Sous.Vide.2016.RETAiL.EPUB.eBook-NODE', { format: 'epub' })).toEqual([]);
    expect(validateReleaseName('Apress.-.Windows.8.MVVM.Patterns.Revealed.2012.RETAiL.ePUB.eBOOk-NEWSPAPER', { format: 'epub' })).toEqual([]);
  });

  it('reports every broken rule', () => {
    const rules = validateReleaseName('Bad Name..ENGLISH.ePub.PDF', { format: 'pdf', group: 'ESP' }).map((p) => p.rule);
    expect(rules).toEqual(expect.arrayContaining(['charset', 'dots', 'suffix', 'year', 'source', 'language', 'format']));
    expect(validateReleaseName(`${'A.'.repeat(130)}2011.RETAiL.eBook-X1`, { format: 'pdf' }).map((p) => p.rule)).toEqual(['length']);
    expect(validateReleaseName('Author.Title.2011.RETAiL.eBook-ESP', { format: 'epub' }).map((p) => p.rule)).toEqual(['format']);
    expect(validateReleaseName('Author.Title.2011.RETAiL.eBook-ESP', { format: 'pdf', group: 'OTHER' }).map((p) => p.rule)).toEqual(['group']);
  });
});

describe('naming by the 2022 rules and real practice', () => {
  it('joins two authors with And, and uses the first of three or more', () => {
    const two = buildReleaseName({ ...base, authors: ['Karen Page', 'Andrew Dornenburg'], title: 'The Flavor Bible', year: 2008 });
    expect(two).toBe('Karen.Page.And.Andrew.Dornenburg.The.Flavor.Bible.2008.RETAiL.ePub.eBook-DECiPHER');
    expect(buildReleaseName({ ...base, authors: ['A One', 'B Two', 'C Three'] })).toMatch(/^A\.One\.Wolf\.Hall\./);
  });

  it('puts the publisher first when no author is a person, or when the group asks for it', () => {
    const technical = { ...base, authors: ["Developer's Reference Team"], publisher: 'Apress', title: 'Windows 8 MVVM Patterns Revealed', year: 2012 };
    expect(buildReleaseName(technical)).toBe('Apress.Windows.8.MVVM.Patterns.Revealed.2012.RETAiL.ePub.eBook-DECiPHER');
    expect(buildReleaseName({ ...base, publisher: 'Fourth Estate', style: { publisherFirst: true } })).toMatch(/^Fourth\.Estate\.Wolf\.Hall\./);
    // An organisation as author and no publisher: the organisation is the creator.
    expect(buildReleaseName({ ...technical, publisher: undefined })).toMatch(/^Developers\.Reference\.Team\.Windows/);
  });

  it('spells names in the group style: .-. separator, upper-case tags, eBOOK', () => {
    const style = { authorSeparator: '.-.', tagCase: 'upper', ebookTag: 'eBOOK' } as const;
    const name = buildReleaseName({ ...base, language: 'da', style });
    expect(name).toBe('Hilary.Mantel.-.Wolf.Hall.2011.DANISH.RETAIL.EPUB.eBOOK-DECiPHER');
    expect(validateReleaseName(name, { format: 'epub', group: 'DECiPHER' })).toEqual([]);
  });

  it('uses the 2022 format tags: KF8 for AZW3 books, never AZW3', () => {
    const name = buildReleaseName({ ...base, format: 'azw3' });
    expect(name).toBe('Hilary.Mantel.Wolf.Hall.2011.RETAiL.KF8.eBook-DECiPHER');
    expect(validateReleaseName(name, { format: 'azw3' })).toEqual([]);
    expect(validateReleaseName('Hilary.Mantel.Wolf.Hall.2011.RETAiL.AZW.eBook-X', { format: 'azw3' })).toEqual([]);
  });

  it('names magazines, comics and manga with their kind tag and issue number', () => {
    const magazine = buildReleaseName({ ...base, authors: [], publisher: 'Ziff Davis', title: 'PC Magazine', kind: 'magazine', issue: '3', year: 2008, language: 'fr', format: 'pdf', group: 'GRP' });
    expect(magazine).toBe('PC.Magazine.NR03.2008.FRENCH.RETAiL.MAGAZiNE.eBook-GRP');
    expect(validateReleaseName(magazine, { format: 'pdf' })).toEqual([]);
    const comic = buildReleaseName({ ...base, authors: ['Alan Moore'], title: 'Watchmen', kind: 'comic', issue: '#01', year: 1986, source: 'SCAN', format: 'cbz', group: 'GRP' });
    expect(comic).toBe('Alan.Moore.Watchmen.NR01.1986.SCAN.COMiC.CBZ.eBook-GRP');
    const manga = buildReleaseName({ ...base, authors: ['尾田栄一郎'], title: 'ワンピース', kind: 'manga', issue: '12', language: 'ja', format: 'cbz', group: 'GRP' });
    expect(manga).toMatch(/\.Wanpisu\.NR12\.2011\.JAPANESE\.RETAiL\.MANGA\.CBZ\.eBook-GRP$/);
  });

  it('romanises by convention: Hepburn for Japanese, pinyin, Revised Romanization, Russian and Ukrainian Cyrillic, Greek', () => {
    expect(buildReleaseName({ ...base, authors: ['村上春樹'], title: 'ノルウェイの森', language: 'ja' })).toMatch(/^Murakami\.Haruki\.Noruwei\.no\.Mori\.2011\.JAPANESE\./);
    expect(buildReleaseName({ ...base, title: 'シジェニュ', language: 'ja' })).toContain('.Shijenyu.');
    expect(buildReleaseName({ ...base, title: 'Debian 参考手册', language: 'zh' })).toContain('.Debian.Cankao.Shouce.2011.CHiNESE.');
    expect(buildReleaseName({ ...base, title: '한국어 사전', language: 'ko' })).toContain('.Hangugeo.Sajeon.');
    expect(buildReleaseName({ ...base, title: 'Їжак і Київ', language: 'uk' })).toContain('.Yizhak.I.Kyiv.');
    expect(buildReleaseName({ ...base, title: 'Щука и ёж', language: 'ru' })).toContain('.Shchuka.I.Yozh.');
    expect(buildReleaseName({ ...base, title: 'Ελληνική Δημοκρατία', language: 'el' })).toContain('.Elliniki.Dimokratia.');
  });
});

describe('name parts and limits', () => {
  it('reads an issue number however it is written, two digits at least', () => {
    expect(['3', '03', 'No. 3', '#3', '007', '0', '120'].map(issueTag)).toEqual(['NR03', 'NR03', 'NR03', 'NR03', 'NR07', 'NR00', 'NR120']);
    expect([undefined, '', 'none'].map(issueTag)).toEqual([undefined, undefined, undefined]);
    // Only leading zeros go, all of them.
    expect(['0007', '100', '#0010'].map(issueTag)).toEqual(['NR07', 'NR100', 'NR10']);
  });

  it('writes a language without a scene tag as its code in capitals', () => {
    expect(buildReleaseName({ ...base, language: 'tlh' })).toBe('Hilary.Mantel.Wolf.Hall.2011.TLH.RETAiL.ePub.eBook-DECiPHER');
  });

  it('names the people among the authors, leaving out an organisation named beside them', () => {
    expect(creatorWords({ authors: ['Oxford University Press', 'John Smith'], publisher: undefined })).toEqual(['John', 'Smith']);
  });

  it('places the edition after the title and extra tags between the source and the format', () => {
    expect(buildReleaseName({ ...base, edition: '2nd edition', extraTags: ['READNFO', 'PROPER'] })).toBe(
      'Hilary.Mantel.Wolf.Hall.2nd.Edition.2011.RETAiL.READNFO.PROPER.ePub.eBook-DECiPHER',
    );
    expect(buildReleaseName({ ...base, source: 'HYBRID', kind: 'comic', format: 'mobi' })).toBe('Hilary.Mantel.Wolf.Hall.2011.HYBRiD.COMiC.MOBI.eBook-DECiPHER');
    expect(buildReleaseName({ ...base, source: 'SCAN', format: 'prc' })).toBe('Hilary.Mantel.Wolf.Hall.2011.SCAN.PRC.eBook-DECiPHER');
  });

  it("shortens to the rule's limit: title words from the end down to one, then creator words", () => {
    expect(buildReleaseName({ ...base, maxLength: 50 })).toBe('Hilary.Mantel.Wolf.2011.RETAiL.ePub.eBook-DECiPHER');
    expect(buildReleaseName({ ...base, maxLength: 49 })).toBe('Hilary.Wolf.2011.RETAiL.ePub.eBook-DECiPHER');
    expect(buildReleaseName({ ...base, maxLength: 40 })).toBe('Wolf.2011.RETAiL.ePub.eBook-DECiPHER');
    // A name that fits exactly is left whole.
    const whole = buildReleaseName(base);
    expect(buildReleaseName({ ...base, maxLength: whole.length })).toBe(whole);
    expect(buildReleaseName({ ...base, maxLength: whole.length - 1 })).toBe('Hilary.Mantel.Wolf.2011.RETAiL.ePub.eBook-DECiPHER');
    // Tags and group are never cut: a limit below them leaves one title word and no creator.
    expect(buildReleaseName({ ...base, maxLength: 10 })).toBe('Wolf.2011.RETAiL.ePub.eBook-DECiPHER');
  });

  it('names the publisher instead of the authors when the group asks for it, and the authors otherwise', () => {
    const authors = ['Karen Page', 'Andrew Dornenburg'];
    expect(creatorWords({ authors, publisher: 'Wiley' })).toEqual(['Karen', 'Page', 'And', 'Andrew', 'Dornenburg']);
    expect(creatorWords({ authors, publisher: 'Wiley' }, true)).toEqual(['Wiley']);
    expect(creatorWords({ authors, publisher: undefined }, true)).toEqual(['Karen', 'Page', 'And', 'Andrew', 'Dornenburg']);
  });
});

describe('validateReleaseName, rule by rule', () => {
  const rulesOf = (name: string, expected: Parameters<typeof validateReleaseName>[1] = { format: 'epub' }) => validateReleaseName(name, expected).map((p) => p.rule);

  it('wants the year after an author and title, and the source after the year', () => {
    expect(rulesOf('Author.Title.RETAiL.2011.ePub.eBook-X')).toEqual(['order']);
    expect(rulesOf('Title.2011.RETAiL.ePub.eBook-X')).toEqual(['title']);
    expect(rulesOf('A.-.B.2011.RETAiL.ePub.eBook-X')).toEqual([]);
  });

  it('says what each broken rule asks for', () => {
    expect(validateReleaseName('RETAiL.Wolf Hall.MOBI.eBook-X', { format: 'epub', group: 'ESP' })).toEqual([
      { rule: 'charset', message: 'only A-Z a-z 0-9 . - _ are allowed' },
      { rule: 'group', message: 'group must be ESP' },
      { rule: 'year', message: 'needs a four-digit year after the title' },
      { rule: 'format', message: 'needs the format tag ePub' },
      { rule: 'title', message: 'needs an author or publisher and a title before the year' },
    ]);
    expect(validateReleaseName('.Author.Title.2011.ePub.eBook', { format: 'epub' })).toEqual([
      { rule: 'dots', message: 'no doubled, leading or trailing dots or dashes' },
      { rule: 'suffix', message: 'must end with .eBook-GROUP (or .eBOOK-GROUP)' },
      { rule: 'source', message: 'needs a source tag: RETAiL, SCAN or HYBRiD' },
    ]);
    expect(validateReleaseName('Author.Title.2011.RETAiL.English.ePub.eBook-X', { format: 'epub' })).toEqual([{ rule: 'language', message: 'English is the default and takes no language tag' }]);
    expect(validateReleaseName('Author.Title.2011.RETAiL.ePub.eBook-X', { format: 'pdf' })).toEqual([{ rule: 'format', message: 'a PDF release carries no format tag' }]);
    expect(validateReleaseName('Author.Title.2011.RETAiL.eBook-X', { format: 'mobi' })).toEqual([{ rule: 'format', message: 'needs the format tag MOBI' }]);
  });

  it('wants the eBook-GROUP suffix at the very end, the year as a segment of its own and the source after it', () => {
    expect(rulesOf('Author.Title.2011.RETAiL.ePub.eBook-X.PROPER')).toEqual(['suffix']);
    expect(rulesOf('Author.Title.X2011.RETAiL.ePub.eBook-X')).toEqual(['year', 'title']);
    expect(rulesOf('Author.Title.20111.RETAiL.ePub.eBook-X')).toEqual(['year', 'title']);
    expect(rulesOf('RETAiL.2011.Title.ePub.eBook-X')).toEqual(['order', 'title']);
    // An empty segment (doubled dots) is no word of the title.
    expect(rulesOf('Author..2011.RETAiL.ePub.eBook-X')).toEqual(['dots', 'title']);
  });

  it('sees any format tag on a PDF release, AZW and tags with a suffix too, and no tag in an empty segment', () => {
    expect(rulesOf('Author.Title.2011.RETAiL.AZW.eBook-X', { format: 'pdf' })).toEqual(['format']);
    expect(rulesOf('Author.Title.2011.RETAiL.MOBI-FIX.eBook-X', { format: 'pdf' })).toEqual(['format']);
    expect(rulesOf('Author.Title.Part.2011.RETAiL..eBook-X', { format: 'pdf' })).toEqual(['dots']);
  });

  it('takes years from 1400 to 2099 only', () => {
    expect(rulesOf('Author.Title.1400.RETAiL.ePub.eBook-X')).toEqual([]);
    expect(rulesOf('Author.Title.2099.RETAiL.ePub.eBook-X')).toEqual([]);
    expect(rulesOf('Author.Title.1399.RETAiL.ePub.eBook-X')).toEqual(['year', 'title']);
    expect(rulesOf('Author.Title.2100.RETAiL.ePub.eBook-X')).toEqual(['year', 'title']);
  });

  it('refuses leading and trailing dots or dashes and an empty group', () => {
    expect(rulesOf('.Author.Title.2011.RETAiL.ePub.eBook-X')).toEqual(['dots']);
    expect(rulesOf('-Author.Title.2011.RETAiL.ePub.eBook-X')).toEqual(['dots']);
    expect(rulesOf('Author.Title.2011.RETAiL.ePub.eBook-')).toEqual(['dots', 'suffix']);
    expect(rulesOf('Author.Title.2011.RETAiL.ePub.eBOOK-X')).toEqual([]);
  });

  it("checks each format's tag, and the length against the rule's limit", () => {
    expect(rulesOf('Author.Title.2011.RETAiL.MOBI.eBook-X', { format: 'mobi' })).toEqual([]);
    expect(rulesOf('Author.Title.2011.RETAiL.ePub.eBook-X', { format: 'mobi' })).toEqual(['format']);
    expect(rulesOf('Author.Title.2011.RETAiL.KF8.eBook-X', { format: 'azw3' })).toEqual([]);
    expect(rulesOf('Author.Title.2011.RETAiL.ePub.eBook-X', { format: 'pdf' })).toEqual(['format']);
    expect(validateReleaseName('A.B.2011.RETAiL.ePub.eBook-X', { format: 'epub', maxLength: 20 })).toEqual([{ rule: 'length', message: 'at most 20 characters (has 28)' }]);
    expect(rulesOf('A.B.2011.RETAiL.ePub.eBook-X', { format: 'epub', maxLength: 28 })).toEqual([]);
  });
});
