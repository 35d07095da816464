import { QueueEvents, QueueKeys } from 'bullmq';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import { createRedis, Redis } from '../../lib/redis';
import { ALL_QUEUES, QueueName } from '../../lib/domain/queue-names';
import { Release, Upload } from '../../db/models';
import { LoggedEvent, newestStreamId, ReleaseEvent, ReleaseEventLog } from './release-event-log';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const RELEASE_JOB = new RegExp(`^(?:inspect|enrich|pack|distribute)-(${UUID})(?:-\\d+)?$`);
const UPLOAD_JOB = new RegExp(`^inspect-upload-(${UUID})$`);
const JOB_EVENTS = ['added', 'active', 'progress', 'completed', 'failed', 'removed'] as const;
/** A reconnect within this long finds the feed still running, so nothing in between is missed. */
const IDLE_STOP_MS = 30_000;
const READ_BLOCK_MS = 5000;

/** One live connection: handed each new event; ended when the process shuts down. */
export interface Listener {
  send(logged: LoggedEvent): void;
  end(): void;
}

/** The current state of a release as an event, or undefined when it no longer exists. */
export async function releaseSnapshot(releaseId: string): Promise<ReleaseEvent | undefined> {
  const release = await Release.query().findById(releaseId).withGraphFetched('distributions');
  if (!release) return undefined;
  const { id, userId, state, step, progress, name, error } = release;
  const distributions = (release.distributions ?? []).map((d) => ({ destinationId: d.destinationId, state: d.state, progress: d.progress, error: d.error }));
  return { type: 'release', releaseId: id, userId, state, step, progress, name, error, distributions };
}

async function uploadSnapshot(uploadId: string): Promise<ReleaseEvent | undefined> {
  const upload = await Upload.query().findById(uploadId);
  return upload && { type: 'upload', uploadId: upload.id, userId: upload.userId, status: upload.status, error: upload.error };
}

/**
 * Live release events for the web app. While someone listens, this process follows BullMQ's job
 * events (QueueEvents) and appends a snapshot of the release (or upload) a job belongs to to the
 * shared event log; every process appends, and a Redis SET NX on BullMQ's own event id lets only
 * the first one through. One blocking reader per process hands the log's new entries to its
 * listeners (the SSE connections). The API's own changes are published with `publish`.
 */
export class ReleaseEventHub {
  readonly log: ReleaseEventLog;
  private readonly listeners = new Set<Listener>();
  private running?: { queueEvents: QueueEvents[]; reader: Redis; stopped: boolean; done: Promise<void> };
  private starting?: Promise<void>;
  private idleTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: Config,
    private readonly redis: Redis,
    private readonly logger: Logger,
    /** How long the feed runs on after its last listener has gone. */
    private readonly idleStopMs = IDLE_STOP_MS,
  ) {
    this.log = new ReleaseEventLog(config, redis);
  }

  /** Appends an event; failures are logged, never thrown (an event lost only delays a view). */
  async publish(event: ReleaseEvent | undefined): Promise<void> {
    if (!event) return;
    await this.log.append(event).catch((err: Error) => this.logger.warn('release event not recorded', { error: err.message }));
  }

  async publishRelease(releaseId: string): Promise<void> {
    await this.publish(await releaseSnapshot(releaseId));
  }

  /** The owner of a release (read before it is deleted, to tell them it is gone). */
  async ownerOf(releaseId: string): Promise<number | undefined> {
    return (await Release.query().findById(releaseId).select('userId'))?.userId;
  }

  /** Adds a listener (starting the feed if needed); the returned function removes it. */
  async subscribe(listener: Listener): Promise<() => void> {
    clearTimeout(this.idleTimer);
    this.listeners.add(listener);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    await this.starting;
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.idleTimer = setTimeout(() => void this.close(), this.idleStopMs);
        this.idleTimer.unref();
      }
    };
  }

  private async start(): Promise<void> {
    if (this.running && !this.running.stopped) return;
    const { url, prefix } = this.config.redis;
    const followed = ALL_QUEUES.filter((q) => q !== QueueName.Notify);
    // Every reader starts after the newest entry there now, not at '$' (whatever is newest when its
    // first read reaches Redis, which may be after subscribe() has returned): nothing in between is lost.
    const logFrom = await this.log.lastId();
    const keys = new QueueKeys(prefix);
    const queuesFrom = await Promise.all(followed.map((name) => newestStreamId(this.redis, keys.toKey(name, 'events'))));
    const queueEvents = followed.map((name, i) => {
      const events = new QueueEvents(name, { connection: { url }, prefix, lastEventId: queuesFrom[i] });
      events.on('error', (err) => this.logger.warn('queue events error', { queue: name, error: err.message }));
      for (const type of JOB_EVENTS) {
        events.on(type, (args: { jobId: string }, eventId: string) => void this.onJobEvent(name, args.jobId, eventId));
      }
      return events;
    });
    await Promise.all(queueEvents.map((q) => q.waitUntilReady()));
    const reader = createRedis(this.config, 'worker');
    reader.on('error', (err) => this.logger.warn('release event reader error', { error: err.message }));
    const running = { queueEvents, reader, stopped: false, done: Promise.resolve() };
    running.done = this.readLoop(running, logFrom);
    this.running = running;
  }

  private async readLoop(running: { reader: Redis; stopped: boolean }, from: string): Promise<void> {
    let last = from;
    while (!running.stopped) {
      try {
        for (const logged of await this.log.read(running.reader, last, READ_BLOCK_MS)) {
          last = logged.id;
          for (const listener of this.listeners) listener.send(logged);
        }
      } catch (err) {
        if (running.stopped) return;
        this.logger.warn('release events not read', { error: (err as Error).message });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async onJobEvent(queue: string, jobId: string | undefined, eventId: string): Promise<void> {
    const releaseId = RELEASE_JOB.exec(jobId ?? '')?.[1];
    const uploadId = UPLOAD_JOB.exec(jobId ?? '')?.[1];
    if (!releaseId && !uploadId) return;
    try {
      const first = await this.redis.set(`${this.config.redis.prefix}:release-events:seen:${queue}:${eventId}`, '1', 'EX', 300, 'NX');
      if (!first) return;
      await this.publish(releaseId ? await releaseSnapshot(releaseId) : await uploadSnapshot(uploadId!));
    } catch (err) {
      this.logger.warn('release event not published', { jobId, error: (err as Error).message });
    }
  }

  /** Process shutdown: ends every live connection, then stops. */
  async shutdown(): Promise<void> {
    for (const listener of this.listeners) listener.end();
    this.listeners.clear();
    await this.close();
  }

  /** Stops following and reading (listeners stay; a new subscribe starts again). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.starting?.catch(() => undefined);
    const running = this.running;
    if (!running || running.stopped) return;
    running.stopped = true;
    running.reader.disconnect();
    await Promise.all([...running.queueEvents.map((q) => q.close()), running.done]);
  }
}
