import { ConflictError, NotFoundError, UnprocessableError } from '../../lib/errors';
import { CONTAINS_SQL, containsBindings } from '../../db/contains';
import { NfoTemplate, Release, ReleaseFile, Upload } from '../../db/models';
import { LARGEST_FACTS, MAX_NFO_CHARS, NfoTooLargeError, renderNfoTemplate, SAMPLE_FACTS, templateProblems } from '../../jobs/pack/engine/nfo-template';
import { MAX_FIELD_CHARS } from '../../lib/domain/embedded-metadata';
import type { ReleaseFacts } from '../../jobs/pack/engine/release-facts';
import { EBOOK_2022_LIMITS } from '../../lib/domain/rule-limits';
import { nfoProblems } from '../../jobs/pack/engine/text-checks';
import { namingStyleOf, releaseFactsOf } from '../../jobs/pack/release-facts-of';
import { bookRecordOf, ruleOf } from '../../jobs/pack/release-rule';
import { deleteUnlessNamedBySetting } from '../../db/settings-repository';
import { paginate, PageQuery, Paginated } from '../pagination';
import type { Actor } from './actor';
import type { ReleaseService } from './release-service';

export interface TemplateInput {
  name: string;
  description: string;
  body: string;
}

export interface TemplatePreview {
  /** "sample" data or the release the preview was rendered for. */
  data: 'sample' | { releaseId: string };
  text: string;
  width: number;
  lines: number;
  /** Lines over the NFO width after wrapping (a single word longer than the width). */
  problems: string[];
}

/** Stored NFO templates; every save is checked so a template can never produce a rule-breaking NFO. */
export class TemplateService {
  constructor(private readonly releases: ReleaseService) {}

  async list(query: PageQuery & { q?: string }): Promise<Paginated<NfoTemplate>> {
    const builder = NfoTemplate.query().orderBy('name');
    if (query.q) builder.whereRaw(CONTAINS_SQL, containsBindings('name', query.q));
    return paginate(builder, query);
  }

  async get(id: number): Promise<NfoTemplate> {
    const template = await NfoTemplate.query().findById(id);
    if (!template) throw new NotFoundError(`Template ${id}`);
    return template;
  }

  async create(input: TemplateInput): Promise<NfoTemplate> {
    await this.assertNameFree(input.name);
    this.assertSavable(input.body);
    return NfoTemplate.query().insertAndFetch(input);
  }

  async update(id: number, changes: Partial<TemplateInput>): Promise<NfoTemplate> {
    const template = await this.get(id);
    if (changes.name && changes.name !== template.name) await this.assertNameFree(changes.name);
    if (changes.body !== undefined) this.assertSavable(changes.body);
    return template.$query().patchAndFetch(changes);
  }

  /** Refused while a setting names it as the default; groups and releases that named it lose the link. */
  async remove(id: number): Promise<void> {
    await deleteUnlessNamedBySetting('nfo_templates', id);
  }

  /** Renders a template (stored, or a draft body) with sample data or a release's own data. */
  async preview(actor: Actor, source: { id?: number; body?: string }, releaseId?: string): Promise<TemplatePreview> {
    const body = source.body ?? (await this.get(source.id!)).body;
    this.assertValid(body);
    const { facts, width } = releaseId ? await this.releaseData(actor, releaseId) : { facts: SAMPLE_FACTS, width: EBOOK_2022_LIMITS.nfoWidth };
    const text = rendered(() => renderNfoTemplate(body, facts, width), releaseId ? 'for this release' : 'with the sample data');
    return { data: releaseId ? { releaseId } : 'sample', text, width, lines: text.split('\r\n').length - 1, problems: nfoProblems(text, { nfoWidth: width }) };
  }

  private async releaseData(actor: Actor, releaseId: string): Promise<{ facts: ReleaseFacts; width: number }> {
    const release: Release = await this.releases.getVisible(actor, releaseId);
    const record = bookRecordOf(release);
    if (!record?.title) throw new ConflictError('The release has no book record yet; preview it once it has been enriched', 'NOT_ENRICHED');
    const { limits } = await ruleOf(release);
    const upload = await Upload.query().findById(release.uploadId);
    const zips = (release.files ?? []).filter((f: ReleaseFile) => f.kind === 'zip');
    const facts: ReleaseFacts = {
      ...releaseFactsOf(release, { ...record, title: record.title }, limits.dirnameMaxLength, await namingStyleOf(release.groupId)),
      sizeBytes: upload?.size ?? 0,
      volumes: Math.max(1, zips.length),
      volumeSizeMb: release.options.volumeSizeMb ?? Math.min(...limits.volumeSizesMb),
    };
    return { facts, width: limits.nfoWidth };
  }

  /**
   * A template that passes these checks always renders, and to lines within the width: output
   * tags hold one field name, `if` tests field names, and rendering wraps every line.
   */
  private assertValid(body: string): void {
    const problems = templateProblems(body, EBOOK_2022_LIMITS.nfoWidth);
    if (problems.length) throw new UnprocessableError(`The template cannot be used: ${problems.join('; ')}`, 'TEMPLATE_INVALID', { problems });
  }

  /**
   * Valid, and within MAX_NFO_CHARS on the largest facts a book can have: a saved template never
   * makes a release's NFO too large (the sample data alone would let a template of thousands of
   * {{description}} through, to fail every release of a book with a long description).
   */
  private assertSavable(body: string): void {
    this.assertValid(body);
    rendered(
      () => renderNfoTemplate(body, LARGEST_FACTS, EBOOK_2022_LIMITS.nfoWidth),
      `for a book with the longest facts (title, subtitle, author, publisher and description of ${MAX_FIELD_CHARS.toLocaleString('en-US')} characters each)`,
    );
  }

  private async assertNameFree(name: string): Promise<void> {
    if (await NfoTemplate.query().findOne({ name })) throw new ConflictError(`A template named ${name} already exists`, 'TEMPLATE_EXISTS');
  }
}

/** A render, or a 422 NFO_TOO_LARGE saying for which data the NFO is over the cap. */
function rendered(render: () => string, data: string): string {
  try {
    return render();
  } catch (err) {
    if (!(err instanceof NfoTooLargeError)) throw err;
    throw new UnprocessableError(`The template cannot be used: ${data}, ${err.message}`, 'NFO_TOO_LARGE', { maxChars: MAX_NFO_CHARS });
  }
}
