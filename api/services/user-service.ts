import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import type { Config } from '../../lib/config';
import { Role, User } from '../../db/models';
import { paginate, PageQuery, Paginated } from '../pagination';
import type { AuthService } from './auth-service';
import { hashPassword } from '../../lib/password';

/** Account management (admin only at the API level). */
export class UserService {
  constructor(
    private readonly config: Config,
    private readonly auth: AuthService,
  ) {}

  async create(input: { email: string; password: string; role: string }): Promise<User> {
    const email = input.email.toLowerCase();
    await this.assertRole(input.role);
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

  async update(id: number, changes: { role?: string; disabled?: boolean }, actingUserId: number): Promise<User> {
    const user = await this.get(id);
    if (id === actingUserId && (changes.disabled === true || (changes.role && changes.role !== user.role))) {
      throw new ValidationError('You cannot disable yourself or change your own role');
    }
    if (changes.role) await this.assertRole(changes.role);
    const updated = await user.$query().patchAndFetch(changes);
    // A disabled or demoted account must log in again.
    if (changes.disabled === true || (changes.role && changes.role !== user.role)) await this.auth.revokeAllForUser(id);
    return updated;
  }

  private async assertRole(name: string): Promise<void> {
    if (!(await Role.query().findOne({ name }))) throw new ValidationError(`There is no role named ${name}`, { fields: [{ field: 'role', message: 'unknown role' }] });
  }

  async resetPassword(id: number, password: string): Promise<void> {
    const user = await this.get(id);
    await user.$query().patch({ passwordHash: await hashPassword(password, this.config.auth.bcryptRounds) });
    await this.auth.revokeAllForUser(id);
  }
}
