import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import { ADMIN_ROLE } from '../../lib/permissions';
import { Role, User } from '../../db/models';
import { paginate, PageQuery, Paginated } from '../pagination';
import type { AuthService } from './auth-service';
import { forgetStaleAdminPassword } from '../../db/seed';
import { hashPassword } from '../../lib/password';
import { Actor } from './actor';

/**
 * Account management, with rules that keep users:WRITE from becoming admin by the back door:
 * - granting a role (creating a user with it, or changing a user's role to it) needs roles:WRITE
 *   and every permission of that role (403 ROLE_GRANT_FORBIDDEN);
 * - changing an account (role, disabled, password) whose role holds permissions the caller lacks
 *   is refused (403 ACCOUNT_OUTRANKS_YOU), so users:WRITE alone cannot disable or reset an admin;
 * - the last active admin can be neither disabled nor demoted (409 LAST_ADMIN).
 */
export class UserService {
  constructor(
    private readonly config: Config,
    private readonly auth: AuthService,
    private readonly logger: Logger,
  ) {}

  async create(input: { email: string; password: string; role: string }, actor: Actor): Promise<User> {
    const email = input.email.toLowerCase();
    await this.assertMayGrant(actor, input.role);
    if (await User.query().findOne({ email })) throw new ConflictError(`A user with email ${email} already exists`, 'EMAIL_TAKEN');
    return User.query().insertAndFetch({
      email,
      passwordHash: await hashPassword(input.password, this.config.auth.bcryptRounds),
      role: input.role,
      disabled: false,
    });
  }

  async list(page: PageQuery): Promise<Paginated<User>> {
    return paginate(User.query().orderBy('id'), page);
  }

  async get(id: number): Promise<User> {
    const user = await User.query().findById(id);
    if (!user) throw new NotFoundError(`User ${id}`);
    return user;
  }

  async update(id: number, changes: { role?: string; disabled?: boolean }, actor: Actor): Promise<User> {
    const user = await this.get(id);
    const roleChanges = changes.role !== undefined && changes.role !== user.role;
    if (id === actor.user.id && (changes.disabled === true || roleChanges)) {
      throw new ValidationError('You cannot disable yourself or change your own role');
    }
    await this.assertMayManage(actor, user);
    if (roleChanges) await this.assertMayGrant(actor, changes.role!);
    const removesAdmin = user.role === ADMIN_ROLE && !user.disabled && (changes.disabled === true || roleChanges);
    await User.transaction(async (trx) => {
      if (removesAdmin) {
        // Locks the active admins' rows (MariaDB; SQLite writes one at a time), so two admins
        // disabling each other at once cannot both succeed.
        const admins = await User.query(trx).select('id').where({ role: ADMIN_ROLE, disabled: false }).forUpdate();
        if (!admins.some((admin) => admin.id !== id)) throw new ConflictError('This is the last active admin; make another admin first', 'LAST_ADMIN');
      }
      await User.query(trx).findById(id).patch(changes);
    });
    // A disabled or demoted account must log in again.
    if (changes.disabled === true || roleChanges) await this.auth.revokeAllForUser(id);
    return this.get(id);
  }

  async resetPassword(id: number, password: string, actor: Actor): Promise<void> {
    const user = await this.get(id);
    await this.assertMayManage(actor, user);
    await user.$query().patch({ passwordHash: await hashPassword(password, this.config.auth.bcryptRounds) });
    await this.auth.revokeAllForUser(id);
    // The first admin's generated password, kept for the first login, may be stale from now on.
    if (user.role === ADMIN_ROLE) await forgetStaleAdminPassword(this.config.storage.dataDir);
    // The user is meant to log in with the new password now, even from an address locked by earlier guesses.
    await this.auth.guard.unlock(user.email).catch((err: Error) => this.logger.warn('login locks not lifted after a password reset', { userId: id, error: err.message }));
  }

  /** Lifts the user's login lock-outs (every address); answers how many addresses had failures. */
  async unlock(id: number): Promise<{ user: User; addresses: number }> {
    const user = await this.get(id);
    return { user, addresses: await this.auth.guard.unlock(user.email) };
  }

  private async assertMayGrant(actor: Actor, role: string): Promise<void> {
    if (!(await Role.query().findOne({ name: role }))) throw new ValidationError(`There is no role named ${role}`, { fields: [{ field: 'role', message: 'unknown role' }] });
    const missing = actor.lacks(new Set(['roles:WRITE', ...(await Actor.permissionsOfRole(role))] as const));
    if (missing.length > 0) {
      throw new ForbiddenError(`Granting the ${role} role needs roles:WRITE and every permission of ${role}`, 'ROLE_GRANT_FORBIDDEN', { role, missing });
    }
  }

  private async assertMayManage(actor: Actor, user: User): Promise<void> {
    const missing = actor.lacks(await Actor.permissionsOfRole(user.role));
    if (missing.length > 0) {
      throw new ForbiddenError(`This account's role (${user.role}) holds permissions you lack`, 'ACCOUNT_OUTRANKS_YOU', { role: user.role, missing });
    }
  }
}
