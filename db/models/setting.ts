import { BaseModel } from './base-model';

export class Setting extends BaseModel {
  static override tableName = 'settings';
  static override idColumn = 'key';
  static override dateFields = ['updatedAt'];
  static override booleanFields = ['secret'];
  static override timestamps = false;

  key!: string;
  category!: string;
  value!: string;
  secret!: boolean;
  updatedBy!: number | null;
  updatedAt!: Date;
}
