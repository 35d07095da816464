import { BaseModel, withSecretFlag } from './base-model';
import type { ReleaseEvent, WebhookKind } from '../../lib/domain/release-events';

/** A webhook told about release events: global (groupId null) or one group's. */
export class NotificationWebhook extends BaseModel {
  static override tableName = 'notification_webhooks';
  static override dateFields = ['createdAt', 'updatedAt'];
  static override booleanFields = ['enabled'];
  static override jsonAttributes = ['events'];

  id!: number;
  name!: string;
  groupId!: number | null;
  kind!: WebhookKind;
  urlEncrypted!: string;
  /** The URL's host, the only part of it the API shows. */
  urlHost!: string;
  secretEncrypted!: string | null;
  events!: ReleaseEvent[];
  enabled!: boolean;
  createdAt!: Date;
  updatedAt!: Date;

  /** The sealed URL and secret never leave the model; clients learn the host and whether a secret is set. */
  override $formatJson(json: Record<string, unknown>) {
    const { urlEncrypted: _url, secretEncrypted: _secret, ...visible } = super.$formatJson(json);
    return withSecretFlag(visible, this.secretEncrypted);
  }
}
