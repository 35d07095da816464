import { randomBytes } from 'node:crypto';
import type { Config } from '../lib/config';
import { adminPasswordFile, forgetAdminPasswordFile, readAdminPasswordFile, writeAdminPasswordFile } from '../lib/admin-password-file';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../lib/password';
import { ADMIN_ROLE } from '../lib/permissions';
import { shownPath as shown } from '../lib/startup-line';
import { Group, User } from './models';

/** A password for an account nobody has chosen one for yet: 144 random bits, URL-safe. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * What a fresh install needs so the README works as written: the first admin (ADMIN_EMAIL, with
 * ADMIN_PASSWORD or a generated password kept in DATA_DIR/admin-password.txt) and the default
 * group (DEFAULT_GROUP) with that admin as member. Safe to run at every start: it creates only
 * what is missing, and removes the password file once the admin has changed that password.
 * Returns what it did, one line each, never a password.
 */
export async function seedFirstRun(config: Config, givenPassword: string | undefined): Promise<string[]> {
  const { adminEmail, defaultGroup } = config.firstRun;
  const { dataDir } = config.storage;
  const done: string[] = [];
  let admin = await User.query().findOne({ email: adminEmail });
  // The first admin is missing only while there is no admin at all: another ADMIN_EMAIL later
  // (a different .env, a renamed account) must not make a second one.
  const firstAdmin = admin ? undefined : await User.query().where({ role: ADMIN_ROLE }).orderBy('id').first();
  if (firstAdmin) {
    admin = firstAdmin;
    done.push(`an admin exists already (${firstAdmin.email}): ADMIN_EMAIL (${adminEmail}) only names the first admin of a fresh install`);
  } else if (!admin) {
    if (givenPassword !== undefined && givenPassword.length < MIN_PASSWORD_LENGTH) {
      throw new Error(`ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const password = givenPassword ?? generatePassword();
    admin = await User.query().insertAndFetch({ email: adminEmail, passwordHash: await hashPassword(password, config.auth.bcryptRounds), role: ADMIN_ROLE, disabled: false });
    if (givenPassword === undefined) {
      const file = writeAdminPasswordFile(dataDir, password);
      done.push(`created admin ${adminEmail}; its password is in ${shown(file)} (mode 0600) until you change it`);
    } else {
      forgetAdminPasswordFile(dataDir);
      done.push(`created admin ${adminEmail} with the password from ADMIN_PASSWORD`);
    }
  } else {
    done.push(`admin ${adminEmail} already exists${givenPassword === undefined ? '' : '; ADMIN_PASSWORD is only read when it is created (to change it: npm run admin -- reset-password <email>)'}`);
  }
  if (await forgetStaleAdminPassword(dataDir)) done.push(`removed ${shown(adminPasswordFile(dataDir))}: the admin has changed that password`);

  if (!(await Group.query().findOne({ tag: defaultGroup }))) {
    await Group.transaction(async (trx) => {
      const group = await Group.query(trx).insertAndFetch({ tag: defaultGroup, name: `Default group ${defaultGroup}` });
      await Group.relatedQuery('members', trx).for(group.id).relate(admin.id);
    });
    done.push(`created group ${defaultGroup} with ${adminEmail} as member`);
  }
  return done;
}

/**
 * Removes DATA_DIR/admin-password.txt once no admin's password is the one it holds (changed by
 * any way: the API, the web app, `npm run admin -- reset-password`, or the account gone), so the
 * file never suggests a password that no longer works. Answers whether it removed the file.
 */
export async function forgetStaleAdminPassword(dataDir: string): Promise<boolean> {
  const written = readAdminPasswordFile(dataDir);
  if (written === undefined) return false;
  for (const admin of await User.query().where({ role: ADMIN_ROLE })) {
    if (await verifyPassword(written, admin.passwordHash)) return false;
  }
  forgetAdminPasswordFile(dataDir);
  return true;
}
