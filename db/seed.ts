import { randomBytes } from 'node:crypto';
import type { Config } from '../lib/config';
import { adminPasswordFile, forgetAdminPasswordFile, readAdminPasswordFile, writeAdminPasswordFile } from '../lib/admin-password-file';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../lib/password';
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
  if (!admin) {
    if (givenPassword !== undefined && givenPassword.length < MIN_PASSWORD_LENGTH) {
      throw new Error(`ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const password = givenPassword ?? generatePassword();
    admin = await User.query().insertAndFetch({ email: adminEmail, passwordHash: await hashPassword(password, config.auth.bcryptRounds), role: 'admin', disabled: false });
    if (givenPassword === undefined) {
      const file = writeAdminPasswordFile(dataDir, password);
      done.push(`created admin ${adminEmail}; its password is in ${shown(file)} (mode 0600) until you change it`);
    } else {
      forgetAdminPasswordFile(dataDir);
      done.push(`created admin ${adminEmail} with the password from ADMIN_PASSWORD`);
    }
  } else {
    done.push(`admin ${adminEmail} already exists${givenPassword === undefined ? '' : '; ADMIN_PASSWORD is only read when it is created (to change it: npm run admin -- reset-password <email>)'}`);
    const written = readAdminPasswordFile(dataDir);
    if (written !== undefined && !(await verifyPassword(written, admin.passwordHash))) {
      forgetAdminPasswordFile(dataDir);
      done.push(`removed ${shown(adminPasswordFile(dataDir))}: the admin has changed that password`);
    }
  }

  if (!(await Group.query().findOne({ tag: defaultGroup }))) {
    await Group.transaction(async (trx) => {
      const group = await Group.query(trx).insertAndFetch({ tag: defaultGroup, name: `Default group ${defaultGroup}` });
      await Group.relatedQuery('members', trx).for(group.id).relate(admin.id);
    });
    done.push(`created group ${defaultGroup} with ${adminEmail} as member`);
  }
  return done;
}
