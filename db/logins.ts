import type { TokenDenylist } from '../lib/token-denylist';
import { RefreshToken } from './models';

/**
 * Ends every login of a user (password reset, disabled, another role): its refresh tokens are
 * revoked, and the logins that may still hold a live access token are denylisted for an access
 * token's lifetime. An access token is issued with a refresh-token row, so those are the logins
 * with a row younger than that lifetime. False when the denylist could not take them all (Redis
 * unreachable): their access tokens then live until they expire.
 */
export async function endLoginsOf(userId: number, denylist: TokenDenylist, accessTokenTtlSeconds: number): Promise<boolean> {
  const recent = await RefreshToken.query()
    .distinct('familyId')
    .where({ userId })
    .where('createdAt', '>=', new Date(Date.now() - accessTokenTtlSeconds * 1000));
  await RefreshToken.query().patch({ revokedAt: new Date() }).where({ userId }).whereNull('revokedAt');
  let ended = true;
  for (const { familyId } of recent) ended = (await denylist.revokeSession(familyId, accessTokenTtlSeconds)) && ended;
  return ended;
}
