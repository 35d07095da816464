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

/** The id of a stream's newest entry ('0-0' for none): a reader starting after it misses nothing added since. */
export async function newestStreamId(redis: Redis, key: string): Promise<string> {
  const newest = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[];
  return newest[0]?.[0] ?? '0-0';
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

  /**
   * Events after `id`, and whether some after it may be gone (the client then reloads its views).
   * The id came from this log: an entry, or '0-0' when the log was empty. Trimming removes the
   * oldest entries, so none after `id` is gone while `id` is still at or after the oldest entry
   * kept, or while nothing was ever removed. A log that is gone (Redis emptied) has lost whatever
   * followed any id but '0-0'.
   */
  async since(id: string): Promise<{ events: LoggedEvent[]; gap: boolean }> {
    const [entries, stream] = await Promise.all([this.redis.xrange(this.key, `(${id}`, '+') as Promise<StreamEntry[]>, this.streamInfo()]);
    const oldestKept = stream?.firstId;
    // Unknown before Redis 7: taken as "some were removed".
    const removedSome = stream?.entriesAdded === undefined || stream.entriesAdded > stream.length;
    const gap = oldestKept === undefined ? id !== '0-0' : removedSome && compareStreamIds(oldestKept, id) > 0;
    return { events: entries.map(toLogged), gap };
  }

  /**
   * The stream's length, its oldest entry kept and how many entries it has had since it was made
   * (`entries-added`, Redis 7), in one XINFO STREAM; undefined when there is no stream.
   */
  private async streamInfo(): Promise<{ length: number; firstId?: string; entriesAdded?: number } | undefined> {
    let info: unknown[];
    try {
      info = (await this.redis.xinfo('STREAM', this.key)) as unknown[];
    } catch (err) {
      if (err instanceof Error && /no such key/i.test(err.message)) return undefined;
      throw err;
    }
    const field = (name: string) => {
      const at = info.indexOf(name);
      return at < 0 ? undefined : info[at + 1];
    };
    const added = field('entries-added');
    return { length: Number(field('length')), firstId: (field('first-entry') as StreamEntry | null)?.[0], entriesAdded: added === undefined ? undefined : Number(added) };
  }

  /** The id of the newest event ('0-0' for none): where a live reader starts. */
  lastId(): Promise<string> {
    return newestStreamId(this.redis, this.key);
  }

  /** Blocks up to `ms` for events after `id` (on a connection of its own). */
  async read(reader: Redis, id: string, ms: number): Promise<LoggedEvent[]> {
    const answer = (await reader.xread('BLOCK', ms, 'STREAMS', this.key, id)) as [string, StreamEntry[]][] | null;
    return answer ? answer[0][1].map(toLogged) : [];
  }
}
