import type { Config } from '../../lib/config';
import { NotFoundError, UnprocessableError } from '../../lib/errors';
import { SecretBox } from '../../lib/secret-box';
import type { ReleaseEvent, WebhookKind } from '../../lib/domain/release-events';
import { Group, NotificationWebhook } from '../../db/models';
import { paginate, PageQuery, Paginated } from '../pagination';

export interface WebhookInput {
  name: string;
  kind: WebhookKind;
  /** Write-only: stored sealed (Discord and Slack URLs carry their token), shown as its host. */
  url: string;
  /** Write-only: the generic webhook's HMAC key. */
  secret: string | null;
  /** null: a global webhook, told about every release. */
  groupId: number | null;
  events: ReleaseEvent[];
  enabled: boolean;
}

/** Webhooks told about release events; their URLs and secrets are sealed on the way in and never come out. */
export class NotificationService {
  private readonly box: SecretBox;

  constructor(config: Config) {
    this.box = new SecretBox(config.secrets);
  }

  async list(query: PageQuery & { groupId?: number }): Promise<Paginated<NotificationWebhook>> {
    const builder = NotificationWebhook.query().orderBy('id');
    if (query.groupId !== undefined) builder.where({ groupId: query.groupId });
    return paginate(builder, query);
  }

  async get(id: number): Promise<NotificationWebhook> {
    const webhook = await NotificationWebhook.query().findById(id);
    if (!webhook) throw new NotFoundError(`Webhook ${id}`);
    return webhook;
  }

  async create(input: WebhookInput): Promise<NotificationWebhook> {
    await this.assertFits(input.kind, input.secret, input.groupId);
    const { url, secret, ...columns } = input;
    return NotificationWebhook.query().insertAndFetch({ ...columns, ...this.sealed(url, secret) });
  }

  async update(id: number, changes: Partial<WebhookInput>): Promise<NotificationWebhook> {
    const webhook = await this.get(id);
    const secretAfter = changes.secret !== undefined ? changes.secret : webhook.secretEncrypted;
    await this.assertFits(changes.kind ?? webhook.kind, secretAfter, changes.groupId !== undefined ? changes.groupId : null);
    const { url, secret, ...columns } = changes;
    return webhook.$query().patchAndFetch({
      ...columns,
      ...(url !== undefined ? { urlEncrypted: this.box.seal(url), urlHost: new URL(url).host } : {}),
      ...(secret !== undefined ? { secretEncrypted: secret === null ? null : this.box.seal(secret) } : {}),
    });
  }

  async remove(id: number): Promise<void> {
    await (await this.get(id)).$query().delete();
  }

  private sealed(url: string, secret: string | null) {
    return { urlEncrypted: this.box.seal(url), urlHost: new URL(url).host, secretEncrypted: secret === null ? null : this.box.seal(secret) };
  }

  private async assertFits(kind: WebhookKind, secret: string | null, groupId: number | null): Promise<void> {
    if (kind === 'generic' && !secret) throw new UnprocessableError('A generic webhook needs a secret to sign its requests with', 'WEBHOOK_SECRET_REQUIRED');
    if (groupId !== null && !(await Group.query().findById(groupId))) throw new UnprocessableError(`Group ${groupId} does not exist`, 'GROUP_NOT_FOUND', { field: 'groupId' });
  }
}
