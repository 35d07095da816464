import { EBOOK_2022_LIMITS } from '../../../lib/domain/rule-limits';
import { encodeCp437 } from './cp437';
import { renderDiz } from './diz';
import { renderNfo } from './nfo';
import { SAMPLE_FACTS } from './nfo-template';
import { planRelease, planReleaseNamed, zipNamesOf } from './release-plan';

const { sizeBytes, volumes, volumeSizeMb, ...facts } = SAMPLE_FACTS;
const BOOK = 'Ursula.K.Le.Guin.Tales.From.Earthsea.2012.RETAiL.ePub.eBook-ESP.epub';

describe('planRelease', () => {
  it('splits the book into the smallest allowed volumes, with an NFO, a DIZ per volume and 8.3 zip names', () => {
    const plan = planRelease({ sizeBytes: 12_000_000, facts });
    expect(plan.volumes).toMatchObject({ volumeSizeMb: 5, volumes: 3 });
    expect(plan.facts).toEqual({ ...facts, sizeBytes: 12_000_000, volumes: 3, volumeSizeMb: 5 });
    expect(plan.name).toBe(facts.name);
    expect(plan.nfoText).toBe(renderNfo(plan.facts));
    expect(plan.dizTexts).toEqual([1, 2, 3].map((volume) => renderDiz(plan.facts, volume)));
    expect(plan.dizTexts.map((diz) => /DISK: \[\d\d\/\d\d\]/.exec(diz)?.[0])).toEqual(['DISK: [01/03]', 'DISK: [02/03]', 'DISK: [03/03]']);
    expect(plan.zipNames).toEqual(['estf1201.zip', 'estf1202.zip', 'estf1203.zip']);
    expect(plan.nfoName).toBe('estf12.nfo');
    expect(plan.partNames).toEqual([`${BOOK}.001`, `${BOOK}.002`, `${BOOK}.003`]);
    expect(plan.textProblems).toEqual([]);
  });

  it('reserves room in each volume for texts with the widest counters the rule allows', () => {
    const plan = planRelease({ sizeBytes: 12_000_000, facts });
    const widest = { ...facts, sizeBytes: 12_000_000, volumes: 99, volumeSizeMb: 250 };
    const reserved = encodeCp437(renderNfo(widest)).length + encodeCp437(renderDiz(widest, 99)).length + 64;
    expect(plan.volumes.partBytes).toBe(5_000_000 - reserved - 4096);
    // What a volume really holds besides its part fits the room kept for it.
    expect(encodeCp437(plan.nfoText).length + encodeCp437(plan.dizTexts[0]).length).toBeLessThan(reserved);
  });

  it('uses the size asked for, and one volume and no book entry for a release without a book', () => {
    expect(planRelease({ sizeBytes: 12_000_000, facts, volumeSizeMb: 50 }).volumes).toMatchObject({ volumeSizeMb: 50, volumes: 1 });
    const textsOnly = planRelease({ sizeBytes: 0, facts });
    expect(textsOnly.volumes.volumes).toBe(1);
    expect(textsOnly.zipNames).toEqual(['estfe12e.zip']);
    expect(textsOnly.partNames).toEqual([]);
    expect(planRelease({ sizeBytes: 1, facts }).partNames).toEqual([BOOK]);
  });

  it("renders the NFO with the given renderer and reports where the NFO or the last DIZ break the rule's limits", () => {
    const wide = planRelease({ sizeBytes: 1000, facts, renderNfo: () => `${'x'.repeat(90)}\r\n` });
    expect(wide.nfoText).toBe(`${'x'.repeat(90)}\r\n`);
    expect(wide.textProblems).toEqual(['NFO line 1 is 90 columns wide (at most 80)']);
    const limits = { ...EBOOK_2022_LIMITS, dizLines: 5 };
    const tall = planRelease({ sizeBytes: 1000, facts, limits });
    expect(tall.textProblems).toEqual([`the DIZ has ${tall.dizTexts[0].split('\r\n').length - 1} lines (at most 5)`]);
  });

  it('takes the zip names of the variant asked for', () => {
    expect(planRelease({ sizeBytes: 12_000_000, facts, zipVariant: 1 }).zipNames).toEqual(['es011201.zip', 'es011202.zip', 'es011203.zip']);
    expect(planRelease({ sizeBytes: 1000, facts, zipVariant: 37 }).zipNames).toEqual(['est1112e.zip']);
  });
});

describe('planReleaseNamed', () => {
  it('plans with the variant the chooser picks from the prefixes of the plan', async () => {
    const asked: string[] = [];
    const plan = await planReleaseNamed({ sizeBytes: 12_000_000, facts }, async (prefixOf) => {
      asked.push(prefixOf(0), prefixOf(1), prefixOf(2));
      return 2;
    });
    expect(asked).toEqual(['estf12', 'es0112', 'es0212']);
    expect(plan.zipNames).toEqual(['es021201.zip', 'es021202.zip', 'es021203.zip']);
    expect(plan.nfoName).toBe('es0212.nfo');
  });

  it('keeps the classic names without a chooser, or when it picks the classic variant', async () => {
    const classic = planRelease({ sizeBytes: 12_000_000, facts });
    expect(await planReleaseNamed({ sizeBytes: 12_000_000, facts })).toEqual(classic);
    expect(await planReleaseNamed({ sizeBytes: 12_000_000, facts }, async () => 0)).toEqual(classic);
  });
});

describe('zipNamesOf', () => {
  it('names the zips from the facts of a planned release', () => {
    expect(zipNamesOf({ ...SAMPLE_FACTS, volumes: 2 }, 0)).toEqual({ zips: ['estf1201.zip', 'estf1202.zip'], nfo: 'estf12.nfo', prefix: 'estf12' });
    expect(zipNamesOf({ ...SAMPLE_FACTS, format: 'pdf' }, 0).zips).toEqual(['estfe12p.zip']);
  });
});
