import type { Config } from '../lib/config';
import { NotFoundError } from '../lib/errors';
import { hashPassword } from '../lib/password';
import type { TokenDenylist } from '../lib/token-denylist';
import { endLoginsOf } from './logins';
import { User } from './models';
import { forgetStaleAdminPassword, generatePassword } from './seed';

/**
 * The offline way back in (`npm run admin -- reset-password <email>`): works on the database
 * directly, without the API. Gives the account a new generated password, enables it again (the
 * way back for an admin who was disabled), and ends its logins (endLoginsOf: refresh tokens, and
 * access tokens through the denylist when Redis answers). Returns the new password, for the
 * operator to read once, whether the account had been disabled, and whether its access tokens
 * were ended (false: Redis was unreachable, and they live until they expire).
 */
export async function resetPasswordOffline(config: Config, email: string, denylist: TokenDenylist): Promise<{ password: string; wasDisabled: boolean; accessTokensEnded: boolean }> {
  const user = await User.query().findOne({ email: email.trim().toLowerCase() });
  if (!user) throw new NotFoundError(`User ${email}`);
  const password = generatePassword();
  const wasDisabled = user.disabled; // patch() below updates the instance too
  await user.$query().patch({ passwordHash: await hashPassword(password, config.auth.bcryptRounds), disabled: false });
  const accessTokensEnded = await endLoginsOf(user.id, denylist, config.auth.accessTokenTtlSeconds);
  // The generated first-run password may no longer work; its file must not suggest otherwise.
  await forgetStaleAdminPassword(config.storage.dataDir);
  return { password, wasDisabled, accessTokensEnded };
}
