import type { NamingStyle } from '../../lib/domain/naming-style';
import type { WatchFolder } from '../../lib/domain/watch-folder';
import { BaseModel } from './base-model';
import { Destination } from './destination';
import { User } from './user';

export class Group extends BaseModel {
  static override tableName = 'groups';
  static override dateFields = ['createdAt', 'updatedAt'];
  static override booleanFields = ['approvalRequired', 'retailProofRequired', 'publisherFirst'];
  static override jsonAttributes = ['watchFolder'];

  id!: number;
  tag!: string;
  name!: string;
  nfoTemplateId!: number | null;
  ruleId!: number | null;
  volumeSizeMb!: number | null;
  /** Every release of the group waits in review for approval. */
  approvalRequired!: boolean;
  /** Releases whose merged metadata confidence (0..1) is below this wait in review. */
  confidenceThreshold!: number;
  /** A RETAiL release without a proof URL waits in review (the rules want one in the NFO). */
  retailProofRequired!: boolean;
  /** Naming style (lib/domain/naming-style.ts): `.` or `.-.` between author and title. */
  authorSeparator!: NamingStyle['authorSeparator'];
  tagCase!: NamingStyle['tagCase'];
  ebookTag!: NamingStyle['ebookTag'];
  publisherFirst!: boolean;
  /** Books landing in this folder are ingested by the scheduler (lib/domain/watch-folder.ts). */
  watchFolder!: WatchFolder | null;
  createdAt!: Date;
  updatedAt!: Date;
  members?: User[];
  destinations?: Destination[];

  static override relationMappings = () => ({
    members: {
      relation: BaseModel.ManyToManyRelation,
      modelClass: User,
      join: { from: 'groups.id', through: { from: 'group_members.groupId', to: 'group_members.userId' }, to: 'users.id' },
    },
    destinations: {
      relation: BaseModel.ManyToManyRelation,
      modelClass: Destination,
      join: { from: 'groups.id', through: { from: 'group_destinations.groupId', to: 'group_destinations.destinationId' }, to: 'destinations.id' },
    },
  });
}
