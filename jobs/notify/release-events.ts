import { Destination, NotificationWebhook, Release, ReleaseDistribution } from '../../db/models';
import type { Logger } from '../../lib/logger';
import { currentContext } from '../../lib/request-context';
import type { ReleaseEvent, ReleaseEventPayload } from '../../lib/domain/release-events';
import { JobName } from '../../lib/domain/queue-names';
import type { JobQueue } from '../job-queue';

/** What a finished job attempt may say about its release. */
export interface JobOutcome {
  jobName: string;
  /** completed, or failed for good (no attempt left). */
  outcome: 'completed' | 'failed';
  data: { releaseId?: string; destinationId?: number };
  /** When the BullMQ job was created: a distribution sent again is a new job, so it is told again. */
  jobTimestamp: number;
}

/**
 * Tells the webhooks about the release event a job outcome amounts to, if any. Reads the
 * release's state rather than trusting the job's word, so reruns and duplicate failure reports
 * announce nothing new (and the notification job ids dedupe what is left). Never throws: a
 * notification that cannot be enqueued is logged, and the release goes on.
 */
export async function announceJobOutcome(outcome: JobOutcome, queue: JobQueue, logger: Logger): Promise<void> {
  await announce(() => eventOf(outcome), queue, logger, { job: outcome.jobName });
}

/**
 * Tells the webhooks that a release failed when no job said so: the reconciler failed it (its
 * jobs gone from Redis, or a failure no worker heard). The same event, body and notify job ids as
 * a worker's report, so a release is announced failed once, whoever noticed first. Never throws.
 */
export async function announceReleaseFailed(releaseId: string, queue: JobQueue, logger: Logger): Promise<void> {
  await announce(
    async () => {
      const release = await Release.query().findById(releaseId);
      return release?.state === 'failed' ? releaseEvent('release.failed', release) : undefined;
    },
    queue,
    logger,
    { releaseId },
  );
}

async function announce(find: () => Promise<FoundEvent | undefined>, queue: JobQueue, logger: Logger, about: Record<string, string>): Promise<void> {
  try {
    const found = await find();
    if (!found) return;
    const webhooks = await webhooksFor(found.event, found.groupId);
    for (const webhook of webhooks) await queue.enqueueNotification(webhook.id, found.event, found.subjectId, found.payload as unknown as Record<string, unknown>);
    if (webhooks.length > 0) logger.info('release event announced', { event: found.event, webhooks: webhooks.length });
  } catch (err) {
    logger.warn('release event not announced', { ...about, error: err instanceof Error ? err.message : String(err) });
  }
}

interface FoundEvent {
  event: ReleaseEvent;
  subjectId: string;
  groupId: number | null;
  payload: ReleaseEventPayload;
}

/** Jobs whose completion can amount to an event; another job's completion is not looked into at all. */
const ANNOUNCED_ON_COMPLETION: ReadonlySet<string> = new Set([JobName.Pack, JobName.Enrich, JobName.Distribute]);

async function eventOf({ jobName, outcome, data, jobTimestamp }: JobOutcome): Promise<FoundEvent | undefined> {
  if (!data.releaseId) return undefined;
  if (outcome === 'completed' && !ANNOUNCED_ON_COMPLETION.has(jobName)) return undefined;
  const release = await Release.query().findById(data.releaseId);
  if (!release) return undefined;
  if (jobName === JobName.Distribute && data.destinationId !== undefined) {
    const distribution = await ReleaseDistribution.query().findOne({ releaseId: release.id, destinationId: data.destinationId });
    const wanted = outcome === 'completed' ? 'done' : 'failed';
    if (distribution?.state !== wanted) return undefined;
    const destination = await Destination.query().findById(data.destinationId);
    const event: ReleaseEvent = outcome === 'completed' ? 'release.distributed' : 'release.distribution_failed';
    const payload = payloadOf(event, release);
    payload.distribution = { destination: destination?.name ?? String(data.destinationId), state: distribution.state, error: distribution.error };
    return { event, subjectId: `${release.id}-${data.destinationId}-${jobTimestamp}`, groupId: release.groupId, payload };
  }
  const event = releaseEventOf(jobName, outcome, release.state);
  return event && releaseEvent(event, release);
}

/** An event about the release itself (not one of its distributions): one per release and event. */
function releaseEvent(event: ReleaseEvent, release: Release): FoundEvent {
  return { event, subjectId: release.id, groupId: release.groupId, payload: payloadOf(event, release) };
}

function releaseEventOf(jobName: string, outcome: JobOutcome['outcome'], state: string): ReleaseEvent | undefined {
  if (outcome === 'failed') return state === 'failed' ? 'release.failed' : undefined;
  if (jobName === JobName.Pack && state === 'done') return 'release.done';
  if (jobName === JobName.Enrich && state === 'review') return 'release.review';
  return undefined;
}

function payloadOf(event: ReleaseEvent, release: Release): ReleaseEventPayload {
  const requestId = currentContext()?.requestId;
  return {
    event,
    occurredAt: new Date().toISOString(),
    release: {
      id: release.id,
      name: release.name,
      state: release.state,
      group: release.options.group ?? null,
      step: release.step,
      error: release.error,
      reviewReasons: release.reviewReasons ?? [],
    },
    ...(requestId ? { requestId } : {}),
  };
}

/** Enabled webhooks that want this event: the global ones and those of the release's group. */
async function webhooksFor(event: ReleaseEvent, groupId: number | null): Promise<NotificationWebhook[]> {
  const hooks = await NotificationWebhook.query()
    .where({ enabled: true })
    .where((q) => {
      q.whereNull('groupId');
      if (groupId) q.orWhere({ groupId });
    });
  return hooks.filter((hook) => hook.events.includes(event));
}
