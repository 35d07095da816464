import { Model } from 'objection';
import type { Database } from '../knex';

export { User, USER_ROLES } from './user';
export type { UserRole } from './user';
export { RefreshToken } from './refresh-token';
export { Upload } from './upload';
export type { UploadStatus } from './upload';
export { Release, RELEASE_STATES } from './release';
export type { ReleaseState } from './release';
export { ReleaseFile } from './release-file';
export { JobRun } from './job-run';

/** Binds every model to the process's database connection. */
export function bindModels(db: Database): void {
  Model.knex(db);
}
