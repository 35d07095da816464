import { ConflictError, NotFoundError, UnprocessableError } from '../../lib/errors';
import { Rule } from '../../db/models';
import type { RuleLimits } from '../../lib/domain/rule-limits';
import { decodeRulesText, parseRulesText } from '../../jobs/pack/engine/rules-text';
import { deleteUnlessNamedBySetting } from '../../db/settings-repository';
import { paginate, PageQuery, Paginated } from '../pagination';

export interface RuleInput {
  section: string;
  year: number;
  scene: string;
  title: string;
  body: string;
  limits: RuleLimits;
}

export interface RuleImport {
  rule: Rule;
  /** Limits the text did not state; they were given the 2022 eBook values. */
  missing: string[];
}

/** Scene rule documents and the limits the packer enforces from them. */
export class RuleService {
  async list(query: PageQuery & { section?: string; year?: number }): Promise<Paginated<Rule>> {
    const builder = Rule.query().orderBy([{ column: 'section' }, { column: 'year', order: 'desc' }, { column: 'scene' }]);
    if (query.section) builder.where({ section: query.section });
    if (query.year) builder.where({ year: query.year });
    return paginate(builder, query);
  }

  async get(id: number): Promise<Rule> {
    const rule = await Rule.query().findById(id);
    if (!rule) throw new NotFoundError(`Rule ${id}`);
    return rule;
  }

  async create(input: RuleInput): Promise<Rule> {
    await this.assertFree({ section: input.section, year: input.year, scene: input.scene });
    return Rule.query().insertAndFetch(input);
  }

  async update(id: number, changes: Partial<RuleInput>): Promise<Rule> {
    const rule = await this.get(id);
    await this.assertFree({ section: changes.section ?? rule.section, year: changes.year ?? rule.year, scene: changes.scene ?? rule.scene }, id);
    return rule.$query().patchAndFetch(changes);
  }

  /**
   * Refused while a setting names it as the default; releases packed against it keep their files
   * and groups that named it fall back to the default (their link to it is cleared).
   */
  async remove(id: number): Promise<void> {
    await deleteUnlessNamedBySetting('rules', id);
  }

  /**
   * Stores a rules .nfo with the limits read from it. Section, year and scene come from the
   * request or, failing that, from the text's own header.
   */
  async importText(bytes: Buffer, given: Partial<Pick<RuleInput, 'section' | 'year' | 'scene' | 'title'>>): Promise<RuleImport> {
    const body = decodeRulesText(bytes);
    const parsed = parseRulesText(body);
    if (parsed.found.length === 0) throw new UnprocessableError('No rule limit could be read from this text; is it a scene rules .nfo?', 'RULES_UNREADABLE');
    const section = given.section ?? parsed.section;
    const year = given.year ?? parsed.year;
    if (!section || !year) {
      throw new UnprocessableError('The text does not say its section or year; give section and year in the query', 'RULES_UNREADABLE', { section, year });
    }
    const scene = given.scene ?? parsed.scene ?? 'English';
    const rule = await this.create({ section, year, scene, title: given.title ?? `${section} rules ${year} (${scene})`, body, limits: parsed.limits });
    return { rule, missing: parsed.missing };
  }

  private async assertFree(key: Pick<RuleInput, 'section' | 'year' | 'scene'>, exceptId?: number): Promise<void> {
    const clash = await Rule.query().findOne(key);
    if (clash && clash.id !== exceptId) {
      const message = `Rule ${clash.id} already covers ${key.section} ${key.year} (${key.scene})`;
      // The three fields that together must be unique, so a form can mark each of them.
      const fields = (['section', 'year', 'scene'] as const).map((field) => ({ field, message }));
      throw new ConflictError(message, 'RULE_EXISTS', { ruleId: clash.id, fields });
    }
  }
}
