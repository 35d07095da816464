import { planVolumes, VolumePlanError } from './volume-plan';

/** Room the plan keeps in each volume for texts and ZIP headers (4096 bytes) plus the texts' own size. */
const TEXT_BYTES = 904;
const partOf = (mb: number) => mb * 1_000_000 - TEXT_BYTES - 4096;

describe('planVolumes', () => {
  const limits = { volumeSizesMb: [50, 5, 20], maxVolumes: 3 };

  it('takes the smallest allowed size (in any order in the rule) that needs no more than the maximum of volumes', () => {
    expect(planVolumes(3 * partOf(5), TEXT_BYTES, limits)).toEqual({ volumeSizeMb: 5, volumeBytes: 5_000_000, partBytes: partOf(5), volumes: 3 });
    expect(planVolumes(3 * partOf(5) + 1, TEXT_BYTES, limits)).toMatchObject({ volumeSizeMb: 20, volumes: 1 });
    expect(planVolumes(0, TEXT_BYTES, limits)).toMatchObject({ volumeSizeMb: 5, volumes: 1 });
  });

  it('uses a requested size the rule allows, and refuses one it does not, naming the allowed sizes', () => {
    expect(planVolumes(partOf(20) + 1, TEXT_BYTES, limits, 20)).toMatchObject({ volumeSizeMb: 20, volumes: 2 });
    expect(() => planVolumes(1000, TEXT_BYTES, limits, 7)).toThrow(new VolumePlanError('volume size 7 MB is not allowed; use one of 5, 20, 50'));
  });

  it('says why a book does not fit, with or without a requested size', () => {
    expect(() => planVolumes(3 * partOf(5) + 1, TEXT_BYTES, limits, 5)).toThrow(
      new VolumePlanError(`a ${3 * partOf(5) + 1}-byte book needs more than 3 volumes of 5 MB; choose a larger size`),
    );
    expect(() => planVolumes(3 * partOf(50) + 1, TEXT_BYTES, limits)).toThrow(
      new VolumePlanError(`a ${3 * partOf(50) + 1}-byte book does not fit in 3 volumes of the largest allowed size`),
    );
  });
});
