import { Model } from 'objection';
import type { Database } from '../knex';

export { User } from './user';
export { RefreshToken } from './refresh-token';
export { Upload } from './upload';
export type { UploadStatus } from './upload';
export { Release, RELEASE_LIST_COLUMNS, RELEASE_STATES } from './release';
export type { ReleaseListItem, ReleaseState } from './release';
export { ReleaseFile } from './release-file';
export { JobRun } from './job-run';
export { Role, RolePermission } from './role';
export { Group } from './group';
export { Rule } from './rule';
export { NfoTemplate } from './nfo-template';
export { Destination, PROTOCOLS, AUTH_TYPES } from './destination';
export type { Protocol, AuthType } from './destination';
export { ReleaseDistribution } from './release-distribution';
export type { DistributionState } from './release-distribution';
export { Setting } from './setting';
export { WatchFolderFile } from './watch-folder-file';
export { NotificationWebhook } from './notification-webhook';

/** Binds every model to the process's database connection. */
export function bindModels(db: Database): void {
  Model.knex(db);
}
