/** What a webhook can be told about a release. */
export const RELEASE_EVENTS = ['release.done', 'release.failed', 'release.review', 'release.distributed', 'release.distribution_failed'] as const;
export type ReleaseEvent = (typeof RELEASE_EVENTS)[number];

/** How a webhook wants its message: Discord's and Slack's incoming webhooks, or signed JSON. */
export const WEBHOOK_KINDS = ['discord', 'slack', 'generic'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

/** The JSON body of a release event (the generic webhook's body; Discord and Slack get it as text). */
export interface ReleaseEventPayload {
  event: ReleaseEvent;
  occurredAt: string;
  release: { id: string; name: string | null; state: string; group: string | null; step: string | null; error: string | null; reviewReasons: string[] };
  distribution?: { destination: string; state: string; error: string | null };
  requestId?: string;
}
