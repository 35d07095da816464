import type { Config } from '../lib/config';
import { NotFoundError } from '../lib/errors';
import { hashPassword } from '../lib/password';
import { RefreshToken, User } from './models';
import { forgetStaleAdminPassword, generatePassword } from './seed';

/**
 * The offline way back in (`npm run admin -- reset-password <email>`): works on the database
 * directly, without the API. Gives the account a new generated password, enables it again (the
 * way back for an admin who was disabled), and revokes its refresh tokens. Returns the new
 * password, for the operator to read once, and whether the account had been disabled.
 */
export async function resetPasswordOffline(config: Config, email: string): Promise<{ password: string; wasDisabled: boolean }> {
  const user = await User.query().findOne({ email: email.trim().toLowerCase() });
  if (!user) throw new NotFoundError(`User ${email}`);
  const password = generatePassword();
  const wasDisabled = user.disabled; // patch() below updates the instance too
  await user.$query().patch({ passwordHash: await hashPassword(password, config.auth.bcryptRounds), disabled: false });
  await RefreshToken.query().patch({ revokedAt: new Date() }).where({ userId: user.id }).whereNull('revokedAt');
  // The generated first-run password may no longer work; its file must not suggest otherwise.
  await forgetStaleAdminPassword(config.storage.dataDir);
  return { password, wasDisabled };
}
