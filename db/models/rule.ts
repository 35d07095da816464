import { BaseModel } from './base-model';
import type { RuleLimits } from '../../lib/domain/rule-limits';

export class Rule extends BaseModel {
  static override tableName = 'rules';
  static override dateFields = ['createdAt', 'updatedAt'];
  static override jsonAttributes = ['limits'];

  id!: number;
  section!: string;
  year!: number;
  scene!: string;
  title!: string;
  body!: string;
  limits!: RuleLimits;
  createdAt!: Date;
  updatedAt!: Date;
}
