import { encodeCp437 } from './cp437';
import { renderDiz } from './diz';
import { renderNfo as builtInNfo } from './nfo';
import { EBOOK_2022_LIMITS, RuleLimits } from '../../../lib/domain/rule-limits';
import { dizProblems, nfoProblems } from './text-checks';
import type { ReleaseFacts } from './release-facts';
import { planVolumes, VolumePlan } from './volume-plan';
import { bookFileName, partFileName, volumeFileNames } from './volume-names';

export type NamedFacts = Omit<ReleaseFacts, 'sizeBytes' | 'volumes' | 'volumeSizeMb'>;

export interface PlanInput {
  /** Bytes of the book; 0 for a release without one (an NFO-only fix). */
  sizeBytes: number;
  facts: NamedFacts;
  volumeSizeMb?: number;
  limits?: RuleLimits;
  renderNfo?: (facts: ReleaseFacts) => string;
  /** Which of the release's zip name variants to use (volume-names.ts); the classic one when not given. */
  zipVariant?: number;
}

/** Everything a release folder will hold, decided before a byte is written (the packer and the preview share it). */
export interface ReleasePlan {
  name: string;
  facts: ReleaseFacts;
  volumes: VolumePlan;
  nfoName: string;
  nfoText: string;
  /** One DIZ per volume, in order. */
  dizTexts: string[];
  zipNames: string[];
  /** The book's entry name in each zip (empty for an NFO-only release). */
  partNames: string[];
  /** Where the NFO or DIZ break the rule's limits (packing refuses them). */
  textProblems: string[];
}

/**
 * Plans a release: the volume split, the NFO and each volume's DIZ, the zip and entry names.
 * Pure: the same input always gives the same plan, so a preview is what the packer writes.
 */
export function planRelease(input: PlanInput): ReleasePlan {
  const limits = input.limits ?? EBOOK_2022_LIMITS;
  const renderNfo = input.renderNfo ?? builtInNfo;
  const size = input.sizeBytes;
  // Room for the texts is measured with the widest counters, so the plan cannot under-reserve.
  const widest = { ...input.facts, sizeBytes: size, volumes: limits.maxVolumes, volumeSizeMb: Math.max(...limits.volumeSizesMb) };
  const textBytes = encodeCp437(renderNfo(widest)).length + encodeCp437(renderDiz(widest, limits.maxVolumes)).length + 64;
  const volumes = planVolumes(size, textBytes, limits, input.volumeSizeMb);
  const facts: ReleaseFacts = { ...input.facts, sizeBytes: size, volumes: volumes.volumes, volumeSizeMb: volumes.volumeSizeMb };
  const nfoText = renderNfo(facts);
  const dizTexts = Array.from({ length: volumes.volumes }, (_, i) => renderDiz(facts, i + 1));
  const { zips, nfo } = zipNamesOf(facts, input.zipVariant ?? 0);
  const bookName = bookFileName(facts.name, facts.format, volumes.volumes);
  return {
    name: facts.name,
    facts,
    volumes,
    nfoName: nfo,
    nfoText,
    dizTexts,
    zipNames: zips,
    partNames: size > 0 ? zips.map((_, i) => partFileName(bookName, i + 1, volumes.volumes)) : [],
    textProblems: [...nfoProblems(nfoText, limits), ...dizProblems(dizTexts[dizTexts.length - 1], limits)],
  };
}

/** Chooses a zip name variant from each variant's prefix (the pack claims one, a preview looks one up). */
export type ChooseZipVariant = (prefixOf: (variant: number) => string) => Promise<number>;

/** planRelease with the zip names of the variant `choose` picks (the classic ones without it). */
export async function planReleaseNamed(input: Omit<PlanInput, 'zipVariant'>, choose?: ChooseZipVariant): Promise<ReleasePlan> {
  const classic = planRelease(input);
  const zipVariant = choose ? await choose((variant) => zipNamesOf(classic.facts, variant).prefix) : 0;
  return zipVariant ? planRelease({ ...input, zipVariant }) : classic;
}

/** The zip and NFO names of a planned release in one of its variants. */
export function zipNamesOf(facts: ReleaseFacts, variant: number) {
  return volumeFileNames({ group: facts.group, title: facts.title, year: facts.year, format: facts.format, volumes: facts.volumes, variant });
}
