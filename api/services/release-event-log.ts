import type { Redis } from '../../lib/redis';
import type { Config } from '../../lib/config';
import type { ReleaseState } from '../../db/models';

/** What the web app is told live: a release's state moved, a release is gone, an upload was inspected. */
export type ReleaseEvent =
  | {
      type: 'release';
      releaseId: string;
      userId: number;
      state: ReleaseState;
      step: string | null;
      progress: number;
      name: string | null;
      error: string | null;
      distributions: { destinationId: number; state: string; progress: number; error: string | null }[];
    }
  | { type: 'release-deleted'; releaseId: string; userId: number }
  | { type: 'upload'; uploadId: string; userId: number; status: string; error: string | null };

export interface LoggedEvent {
  id: string;
  event: ReleaseEvent;
}

/** About the last few minutes of a busy install: a client that was away longer reloads its views. */
const MAX_EVENTS = 2000;

/** Orders Redis stream ids ("ms-seq"). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

export const isStreamId = (id: string): boolean => /^\d{1,20}-\d{1,20}$/.test(id);

type StreamEntry = [id: string, fields: string[]];

function toLogged([id, fields]: StreamEntry): LoggedEvent {
  return { id, event: JSON.parse(fields[1]) as ReleaseEvent };
}

/**
 * The event log shared by every API process: a capped Redis stream. Its entry ids are the event
 * ids the browser sends back as Last-Event-ID, so a reconnect to any process resumes.
 */
export class ReleaseEventLog {
  readonly key: string;

  constructor(config: Config, private readonly redis: Redis) {
    this.key = `${config.redis.prefix}:release-events`;
  }

  async append(event: ReleaseEvent): Promise<string> {
    return (await this.redis.xadd(this.key, 'MAXLEN', '~', MAX_EVENTS, '*', 'e', JSON.stringify(event)))!;
  }

  /** Events after `id`, and whether some were already trimmed away (the client then reloads). */
  async since(id: string): Promise<{ events: LoggedEvent[]; gap: boolean }> {
    const entries = (await this.redis.xrange(this.key, `(${id}`, '+')) as StreamEntry[];
    const first = (await this.redis.xrange(this.key, '-', '+', 'COUNT', 1)) as StreamEntry[];
    // The id came from this stream: if it is no longer the oldest entry or newer, it was trimmed away.
    const gap = first.length > 0 && compareStreamIds(first[0][0], id) > 0;
    return { events: entries.map(toLogged), gap };
  }

  /** The id of the newest event ('0-0' for none): where a live reader starts. */
  async lastId(): Promise<string> {
    const last = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return last[0]?.[0] ?? '0-0';
  }

  /** Blocks up to `ms` for events after `id` (on a connection of its own). */
  async read(reader: Redis, id: string, ms: number): Promise<LoggedEvent[]> {
    const answer = (await reader.xread('BLOCK', ms, 'STREAMS', this.key, id)) as [string, StreamEntry[]][] | null;
    return answer ? answer[0][1].map(toLogged) : [];
  }
}
