import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import type { Config } from '../../lib/config';
import { User, UserRole } from '../../db/models';
import type { AuthService } from './auth-service';
import { hashPassword } from './password';

/** Account management (admin only at the API level). */
export class UserService {
  constructor(
    private readonly config: Config,
    private readonly auth: AuthService,
  ) {}

  async create(input: { email: string; password: string; role: UserRole }): Promise<User> {
    const email = input.email.toLowerCase();
    if (await User.query().findOne({ email })) throw new ConflictError(`A user with email ${email} already exists`, 'EMAIL_TAKEN');
    return User.query().insertAndFetch({
      email,
      passwordHash: await hashPassword(input.password, this.config.auth.bcryptRounds),
      role: input.role,
      disabled: false,
    });
  }

  async list(): Promise<User[]> {
    return await User.query().orderBy('id');
  }

  async get(id: number): Promise<User> {
    const user = await User.query().findById(id);
    if (!user) throw new NotFoundError(`User ${id}`);
    return user;
  }

  async update(id: number, changes: { role?: UserRole; disabled?: boolean }, actingUserId: number): Promise<User> {
    const user = await this.get(id);
    if (id === actingUserId && (changes.disabled === true || (changes.role && changes.role !== 'admin'))) {
      throw new ValidationError('You cannot disable yourself or remove your own admin role');
    }
    const updated = await user.$query().patchAndFetch(changes);
    // A disabled or demoted account must log in again.
    if (changes.disabled === true || (changes.role && changes.role !== user.role)) await this.auth.revokeAllForUser(id);
    return updated;
  }

  async resetPassword(id: number, password: string): Promise<void> {
    const user = await this.get(id);
    await user.$query().patch({ passwordHash: await hashPassword(password, this.config.auth.bcryptRounds) });
    await this.auth.revokeAllForUser(id);
  }
}
