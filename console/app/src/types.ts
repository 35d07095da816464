/**
 * The API's request and response types, taken from the server's own zod schemas and models
 * (type-only imports: nothing of the server is bundled). Dates arrive as ISO strings.
 */
import type { z } from 'zod';
import type { Destination, Group, NfoTemplate, Release as ReleaseModel, ReleaseListItem as ReleaseListItemModel, Role, Rule, Upload as UploadModel, User as UserModel } from '../../../db/models';
import type { ReleasePreview } from '../../../jobs/lifecycle/release-preview';
import type { followUpSchema, releaseEditSchema, releaseOptionsSchema } from '../../../lib/domain/release-options';
import type { Permission } from '../../../lib/permissions';
import type { ReleaseEvent } from '../../../api/services/release-event-log';
import type { sessionBody } from '../../../api/routes/session';

/** A model as JSON: no methods, dates as strings. */
export type Json<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T as K extends `$${string}` ? never : T[K] extends (...args: never[]) => unknown ? never : K]: Json<T[K]> }
      : T;

export type User = Json<UserModel>;
export type Release = Json<ReleaseModel>;
/** A row of GET /api/releases: fewer fields than GET /api/releases/:id answers. */
export type ReleaseListItem = Json<ReleaseListItemModel>;
export type Upload = Json<UploadModel>;
export type GroupRow = Json<Group>;
export type RoleRow = Json<Role>;
export type RuleRow = Json<Rule>;
export type TemplateRow = Json<NfoTemplate>;
export type DestinationRow = Json<Destination>;
export type Preview = ReleasePreview;
export type { Permission, ReleaseEvent };

export type ReleaseOptionsInput = z.input<typeof releaseOptionsSchema>;
export type ReleaseRequest = { uploadId: string; options: ReleaseOptionsInput };
export type ReleaseEdit = z.input<typeof releaseEditSchema>;
export type FollowUp = z.input<typeof followUpSchema>;
export type Credentials = z.input<typeof sessionBody>;

export interface Me {
  user: User;
  permissions: Permission[];
}

export interface Page<K extends string, T> {
  pagination: { page: number; pageSize: number; total: number; pages: number };
  items: T[];
  key: K;
}
