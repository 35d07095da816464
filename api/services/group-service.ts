import type { AnyQueryBuilder } from 'objection';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { CONTAINS_SQL, containsBindings } from '../../db/contains';
import { Destination, Group, NfoTemplate, Rule, User } from '../../db/models';
import type { NamingStyle } from '../../lib/domain/naming-style';
import { paginate, PageQuery, Paginated } from '../pagination';
import type { Actor } from './actor';
import { assertAllExist, replaceLinks } from './references';
import type { ReviewPolicy } from '../../jobs/lifecycle/review-reasons';

export interface GroupInput {
  tag: string;
  name: string;
  nfoTemplateId: number | null;
  ruleId: number | null;
  volumeSizeMb: number | null;
  memberIds: number[];
  destinationIds: number[];
}

/** A group's stored columns may include its naming style (lib/domain/naming-style.ts). */
export type GroupInputWithStyle = GroupInput & Partial<NamingStyle> & Partial<ReviewPolicy>;

/** Groups are shown with who their members are and where they send releases, not whole rows. */
const GRAPH = '[members(memberSummary), destinations(destinationSummary)]';
const SUMMARIES = {
  memberSummary: (q: AnyQueryBuilder) => q.select('users.id', 'users.email'),
  destinationSummary: (q: AnyQueryBuilder) => q.select('destinations.id', 'destinations.name', 'destinations.protocol'),
};

/** Release groups: the tag that ends release names, members who may pack for it, and defaults. */
export class GroupService {
  async list(query: PageQuery & { q?: string }, actor: Actor): Promise<Paginated<Group>> {
    const builder = Group.query().withGraphFetched(GRAPH).modifiers(SUMMARIES).orderBy('tag');
    if (query.q) builder.where((w) => w.whereRaw(CONTAINS_SQL, containsBindings('tag', query.q!)).orWhereRaw(CONTAINS_SQL, containsBindings('name', query.q!)));
    const page = await paginate(builder, query);
    return { ...page, items: page.items.map((group) => shownTo(actor, group)) };
  }

  async get(id: number, actor: Actor): Promise<Group> {
    return shownTo(actor, await this.find(id));
  }

  async create(input: GroupInputWithStyle, actor: Actor): Promise<Group> {
    if (await Group.query().findOne({ tag: input.tag })) throw tagTaken(input.tag);
    await this.assertReferences(input);
    const id = await Group.transaction(async (trx) => {
      const { memberIds, destinationIds, ...columns } = input;
      const group = await Group.query(trx).insert(columns);
      await replaceLinks(trx, 'group_members', 'groupId', group.id, 'userId', memberIds);
      await replaceLinks(trx, 'group_destinations', 'groupId', group.id, 'destinationId', destinationIds);
      return group.id;
    });
    return this.get(id, actor);
  }

  async update(id: number, changes: Partial<GroupInputWithStyle>, actor: Actor): Promise<Group> {
    const group = await this.find(id);
    if (changes.tag && changes.tag !== group.tag && (await Group.query().findOne({ tag: changes.tag }))) {
      throw tagTaken(changes.tag);
    }
    await this.assertReferences(changes);
    await Group.transaction(async (trx) => {
      const { memberIds, destinationIds, ...columns } = changes;
      if (Object.keys(columns).length) await Group.query(trx).patch(columns).where({ id });
      if (memberIds) await replaceLinks(trx, 'group_members', 'groupId', id, 'userId', memberIds);
      if (destinationIds) await replaceLinks(trx, 'group_destinations', 'groupId', id, 'destinationId', destinationIds);
    });
    return this.get(id, actor);
  }

  /** Releases keep their name; their link to the group is cleared by the foreign key. */
  async remove(id: number): Promise<void> {
    await (await this.find(id)).$query().delete();
  }

  private async find(id: number): Promise<Group> {
    const group = await Group.query().findById(id).withGraphFetched(GRAPH).modifiers(SUMMARIES);
    if (!group) throw new NotFoundError(`Group ${id}`);
    return group;
  }

  /** The group with this tag, if `userId` is a member of it. */
  async membership(tag: string, userId: number): Promise<{ group?: Group; member: boolean }> {
    const group = await Group.query().findOne({ tag }).withGraphFetched('destinations');
    if (!group) return { member: false };
    const member = Boolean(await Group.relatedQuery('members').for(group.id).findById(userId));
    return { group, member };
  }

  private async assertReferences(input: Partial<GroupInput>): Promise<void> {
    await assertAllExist(User, input.memberIds ?? [], 'memberIds');
    await assertAllExist(Destination, input.destinationIds ?? [], 'destinationIds');
    if (input.nfoTemplateId) await assertAllExist(NfoTemplate, [input.nfoTemplateId], 'nfoTemplateId');
    if (input.ruleId) await assertAllExist(Rule, [input.ruleId], 'ruleId');
  }
}

/**
 * Every user who picks a group sees its settings; members' e-mails are for those who may read
 * users, and the server folder a group watches for those who may change groups.
 */
function shownTo(actor: Actor, group: Group): Group {
  if (!actor.can('users', 'READ')) group.members = group.members?.map((member) => ({ id: member.id }) as User);
  if (!actor.can('groups', 'WRITE')) group.$omitFromJson('watchFolder');
  return group;
}

/** Names the field, so a form shows the message next to it. */
function tagTaken(tag: string): ConflictError {
  const message = `The group ${tag} already exists`;
  return new ConflictError(message, 'GROUP_EXISTS', { fields: [{ field: 'tag', message }] });
}
