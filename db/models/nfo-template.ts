import { BaseModel } from './base-model';

export class NfoTemplate extends BaseModel {
  static override tableName = 'nfo_templates';
  static override dateFields = ['createdAt', 'updatedAt'];

  id!: number;
  name!: string;
  description!: string;
  body!: string;
  createdAt!: Date;
  updatedAt!: Date;
}
