import { buildReleaseName, NameInput, validateReleaseName } from './release-name';

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
