import { Destination } from '../../db/models';
import { ForbiddenError } from '../../lib/errors';
import type { Actor } from './actor';

/**
 * Which releases a destination may receive: one linked to groups serves those groups' releases
 * (the group's site, with the group's credentials), one linked to no group is shared by every
 * group. Whoever may change destinations may send anywhere.
 */
export async function assertDestinationsServe(actor: Actor, group: { id: number; tag: string } | undefined, destinationIds: number[]): Promise<void> {
  if (destinationIds.length === 0 || actor.can('destinations', 'WRITE')) return;
  const links: { destinationId: number; groupId: number }[] = await Destination.knex()
    .select('destinationId', 'groupId')
    .from('group_destinations')
    .whereIn('destinationId', destinationIds);
  const refused = destinationIds.filter((id) => {
    const groups = links.filter((link) => link.destinationId === id).map((link) => link.groupId);
    return groups.length > 0 && !groups.includes(group?.id ?? -1);
  });
  if (refused.length === 0) return;
  throw new ForbiddenError(
    `Destination ${refused.join(', ')} belongs to other groups than ${group?.tag ?? 'this release\'s'}: a release is sent only to its group's destinations or to shared ones`,
    'DESTINATION_OF_ANOTHER_GROUP',
    { destinationIds: refused },
  );
}
