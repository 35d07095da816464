/**
 * Languages: ISO 639-1 / 639-2 (B and T) codes, English names, and the scene tag used in
 * release names (English has none; scene spelling keeps a lower-case i, as in SWEDiSH).
 */
interface Language {
  iso1: string;
  iso2: string[];
  names: string[];
  sceneTag: string;
}

const LANGUAGES: Language[] = [
  { iso1: 'en', iso2: ['eng'], names: ['english'], sceneTag: '' },
  { iso1: 'fr', iso2: ['fre', 'fra'], names: ['french', 'francais', 'français'], sceneTag: 'FRENCH' },
  { iso1: 'de', iso2: ['ger', 'deu'], names: ['german', 'deutsch'], sceneTag: 'GERMAN' },
  { iso1: 'es', iso2: ['spa'], names: ['spanish', 'espanol', 'español'], sceneTag: 'SPANiSH' },
  { iso1: 'it', iso2: ['ita'], names: ['italian', 'italiano'], sceneTag: 'iTALiAN' },
  { iso1: 'nl', iso2: ['dut', 'nld'], names: ['dutch', 'nederlands'], sceneTag: 'DUTCH' },
  { iso1: 'sv', iso2: ['swe'], names: ['swedish', 'svenska'], sceneTag: 'SWEDiSH' },
  { iso1: 'da', iso2: ['dan'], names: ['danish', 'dansk'], sceneTag: 'DANiSH' },
  { iso1: 'no', iso2: ['nor', 'nob', 'nno'], names: ['norwegian', 'norsk'], sceneTag: 'NORWEGiAN' },
  { iso1: 'nb', iso2: [], names: ['bokmal', 'bokmål'], sceneTag: 'NORWEGiAN' },
  { iso1: 'fi', iso2: ['fin'], names: ['finnish', 'suomi'], sceneTag: 'FiNNiSH' },
  { iso1: 'pl', iso2: ['pol'], names: ['polish', 'polski'], sceneTag: 'POLiSH' },
  { iso1: 'pt', iso2: ['por'], names: ['portuguese', 'portugues', 'português'], sceneTag: 'PORTUGUESE' },
  { iso1: 'ru', iso2: ['rus'], names: ['russian', 'русский'], sceneTag: 'RUSSiAN' },
  { iso1: 'uk', iso2: ['ukr'], names: ['ukrainian'], sceneTag: 'UKRAiNiAN' },
  { iso1: 'cs', iso2: ['cze', 'ces'], names: ['czech', 'cesky', 'čeština'], sceneTag: 'CZECH' },
  { iso1: 'hu', iso2: ['hun'], names: ['hungarian', 'magyar'], sceneTag: 'HUNGARiAN' },
  { iso1: 'ro', iso2: ['rum', 'ron'], names: ['romanian'], sceneTag: 'ROMANiAN' },
  { iso1: 'el', iso2: ['gre', 'ell'], names: ['greek'], sceneTag: 'GREEK' },
  { iso1: 'tr', iso2: ['tur'], names: ['turkish', 'türkçe'], sceneTag: 'TURKiSH' },
  { iso1: 'ja', iso2: ['jpn'], names: ['japanese', '日本語'], sceneTag: 'JAPANESE' },
  { iso1: 'zh', iso2: ['chi', 'zho'], names: ['chinese', '中文'], sceneTag: 'CHiNESE' },
  { iso1: 'ko', iso2: ['kor'], names: ['korean'], sceneTag: 'KOREAN' },
  { iso1: 'ar', iso2: ['ara'], names: ['arabic'], sceneTag: 'ARABiC' },
  { iso1: 'he', iso2: ['heb'], names: ['hebrew'], sceneTag: 'HEBREW' },
  { iso1: 'hr', iso2: ['hrv'], names: ['croatian'], sceneTag: 'CROATiAN' },
  { iso1: 'sl', iso2: ['slv'], names: ['slovenian'], sceneTag: 'SLOVENiAN' },
  { iso1: 'sk', iso2: ['slo', 'slk'], names: ['slovak'], sceneTag: 'SLOVAK' },
  { iso1: 'ca', iso2: ['cat'], names: ['catalan'], sceneTag: 'CATALAN' },
  { iso1: 'la', iso2: ['lat'], names: ['latin'], sceneTag: 'LATiN' },
];

/** ISO 639-1 code for a code or name in any of the accepted forms ("en-US", "ger", "French"); else undefined. */
export function normalizeLanguage(value: string | undefined | null): string | undefined {
  if (!value) return undefined;
  const key = value.trim().toLowerCase().replace(/^\/languages\//, '').split(/[-_]/)[0];
  const found = LANGUAGES.find((l) => l.iso1 === key || l.iso2.includes(key) || l.names.includes(key));
  return found?.iso1;
}

/** The scene tag for an ISO 639-1 code: '' for English, undefined when unknown. */
export function sceneLanguageTag(iso1: string | undefined): string | undefined {
  if (!iso1) return '';
  return LANGUAGES.find((l) => l.iso1 === iso1)?.sceneTag;
}

/** English name of a language ("French"); English when unknown or absent. */
export function languageName(iso1: string | undefined): string {
  const name = LANGUAGES.find((l) => l.iso1 === iso1)?.names[0] ?? 'english';
  return name[0].toUpperCase() + name.slice(1);
}
