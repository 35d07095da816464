import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { NotificationWebhook } from '../../db/models';
import { notificationsSent } from '../../lib/metrics';
import { SecretBox } from '../../lib/secret-box';
import { RELEASE_EVENTS, ReleaseEventPayload } from '../../lib/domain/release-events';
import { JobName, QueueName } from '../../lib/domain/queue-names';
import { SIGNATURE_HEADER, signWebhook } from '../../lib/webhook-signature';
import { defineJob } from '../job-definition';
import { messageFor } from './messages';

export const notifyPayload = z
  .object({
    webhookId: z.number().int().positive(),
    event: z.enum(RELEASE_EVENTS),
    payload: z.object({ release: z.object({ id: z.string() }).passthrough() }).passthrough(),
  })
  .strict();
export type NotifyPayload = z.infer<typeof notifyPayload>;

const TIMEOUT_MS = 10_000;
/** Answers that will not change on a retry: the webhook is gone or refuses this body for good. */
const PERMANENT_STATUS = new Set([400, 401, 403, 404, 410, 413, 422]);

/**
 * Sends one release event to one webhook. The body was built when the event happened, so every
 * retry sends the same one; a generic webhook's signature is made at each attempt, with its time.
 * A webhook deleted or disabled meanwhile is skipped. Failures retry with backoff (queue options).
 */
export const notifyJob = defineJob<NotifyPayload>({
  queue: QueueName.Notify,
  name: JobName.Notify,
  payload: notifyPayload,
  subject: ({ payload }) => ({ releaseId: payload.release.id }),
  async process(_job, { webhookId, event, payload }, { config, logger }) {
    const webhook = await NotificationWebhook.query().findById(webhookId);
    if (!webhook || !webhook.enabled) return { skipped: 'the webhook is gone or disabled' };
    const box = new SecretBox(config.secrets);
    const body = JSON.stringify(messageFor(webhook.kind, payload as unknown as ReleaseEventPayload));
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'eBookScenePacker/2.0 webhook', 'X-ESP-Event': event };
    if (webhook.kind === 'generic' && webhook.secretEncrypted) headers[SIGNATURE_HEADER] = signWebhook(box.open(webhook.secretEncrypted), body);
    let response: Response;
    try {
      response = await fetch(box.open(webhook.urlEncrypted), { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
    } catch (err) {
      notificationsSent.inc({ kind: webhook.kind, outcome: 'failed' });
      // The URL holds the webhook's token (Discord, Slack): name the host only.
      throw new Error(`webhook ${webhook.name} (${webhook.urlHost}) unreachable: ${(err as Error).name === 'TimeoutError' ? 'no answer in time' : 'connection failed'}`);
    }
    await response.body?.cancel();
    if (!response.ok) {
      notificationsSent.inc({ kind: webhook.kind, outcome: 'failed' });
      const message = `webhook ${webhook.name} (${webhook.urlHost}) answered HTTP ${response.status}`;
      throw PERMANENT_STATUS.has(response.status) ? new UnrecoverableError(message) : new Error(message);
    }
    notificationsSent.inc({ kind: webhook.kind, outcome: 'sent' });
    logger.info('webhook notified', { event, webhook: webhook.name, status: response.status });
    return { status: response.status };
  },
});
