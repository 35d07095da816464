import { Model, Pojo } from 'objection';

/**
 * Shared model behaviour: timestamps, and the same JS types from SQLite and MySQL (SQLite hands back dates as epoch numbers and booleans as 0/1).
 */
export class BaseModel extends Model {
  /** Columns (camelCase) holding dates. */
  static dateFields: string[] = [];
  /** Columns (camelCase) holding booleans. */
  static booleanFields: string[] = [];
  /** Whether the table has created_at/updated_at maintained by the model. */
  static timestamps = true;

  override $beforeInsert(): void {
    const ctor = this.constructor as typeof BaseModel;
    if (!ctor.timestamps) return;
    const now = new Date();
    const self = this as unknown as Record<string, unknown>;
    self.createdAt ??= now;
    self.updatedAt ??= now;
  }

  override $beforeUpdate(): void {
    if ((this.constructor as typeof BaseModel).timestamps) (this as unknown as Record<string, unknown>).updatedAt = new Date();
  }

  override $parseDatabaseJson(json: Pojo): Pojo {
    const parsed = super.$parseDatabaseJson(json);
    const ctor = this.constructor as typeof BaseModel;
    for (const field of ctor.dateFields) {
      const value = parsed[field];
      if (value !== null && value !== undefined && !(value instanceof Date)) parsed[field] = new Date(value);
    }
    for (const field of ctor.booleanFields) {
      if (parsed[field] !== undefined && parsed[field] !== null) parsed[field] = Boolean(parsed[field]);
    }
    return parsed;
  }
}

/**
 * What clients see of a row holding a sealed secret: whether one is set. A query that did not read
 * the secret's column (a summary, such as a group's list of destinations) says nothing of it.
 */
export function withSecretFlag(visible: Pojo, secretEncrypted: string | null | undefined): Pojo {
  return secretEncrypted === undefined ? visible : { ...visible, hasSecret: Boolean(secretEncrypted) };
}
