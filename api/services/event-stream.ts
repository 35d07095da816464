import type { Response } from 'express';
import type { AccessTokenClaims } from '../../lib/access-token';
import { AppError, ForbiddenError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { checkAccess } from '../middleware/authenticate';
import { Actor } from './actor';
import { compareStreamIds, isStreamId, LoggedEvent, ReleaseEvent } from './release-event-log';
import type { ReleaseEventHub } from './release-events';
import type { TokenDenylist } from '../../lib/token-denylist';

/** The longest delay setTimeout keeps (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Without releases:MOD a user is told about their own releases and uploads only. */
const visibleTo = (actor: Actor, event: ReleaseEvent): boolean => actor.owns('releases', event.userId);

function frame({ id, event }: LoggedEvent): string {
  return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The caller's access as a request with this token would be judged now (checkAccess, then
 * releases:READ), with the permissions reloaded; or why the stream must end.
 */
async function accessNow(claims: AccessTokenClaims, denylist: TokenDenylist): Promise<Actor | AppError> {
  const user = await checkAccess(claims, denylist);
  if (user instanceof AppError) return user;
  const actor = await Actor.of(user);
  return actor.can('releases', 'READ') ? actor : new ForbiddenError('This needs the releases:READ permission');
}

export interface EventStreamCaller {
  actor: Actor;
  /** The access token the stream was opened with: checked again while the stream lasts. */
  claims: AccessTokenClaims;
  /** The Last-Event-ID of a reconnect ('' for a first connection). */
  lastEventId: string;
}

export interface EventStreamSources {
  events: ReleaseEventHub;
  denylist: TokenDenylist;
  logger: Logger;
  /** How often a keep-alive is sent and the caller's access checked again. */
  heartbeatMs: number;
}

/**
 * Streams the release events a caller may see into `res` (its event-stream head already written)
 * until the client goes or its access does: what it missed since Last-Event-ID first (or a
 * `reset` when the log no longer reaches back that far), then live events. The caller's access is
 * checked again on every heartbeat and when the token expires; once it is gone the stream ends with
 * an `unauthorized` event naming why ({"code"}), so the client does not reconnect.
 */
export async function streamReleaseEvents(res: Response, { actor: opener, claims, lastEventId }: EventStreamCaller, { events, denylist, logger, heartbeatMs }: EventStreamSources): Promise<void> {
  let actor = opener;
  // The stream may have been ended (access gone, shutdown) while something was still being read.
  const write = (text: string) => void (res.writableEnded || res.write(text));
  const end = (refusal?: AppError) => {
    if (refusal) write(`event: unauthorized\ndata: ${JSON.stringify({ code: refusal.code })}\n\n`);
    res.end();
  };
  write('retry: 2000\n\n');
  let sentUpTo = '';
  let catchingUp: LoggedEvent[] | undefined = [];
  const deliver = (logged: LoggedEvent) => {
    if (sentUpTo && compareStreamIds(logged.id, sentUpTo) <= 0) return;
    sentUpTo = logged.id;
    if (visibleTo(actor, logged.event)) write(frame(logged));
  };
  const recheck = () =>
    accessNow(claims, denylist)
      .then((access) => (access instanceof Actor ? (actor = access) : end(access)))
      .catch((err: Error) => {
        // Not known to be allowed any longer: the client reconnects, and that request is judged afresh.
        logger.warn('release events: access not checked again', { error: err.message });
        end();
      });
  const heartbeat = setInterval(() => {
    write(': keep-alive\n\n');
    void recheck();
  }, heartbeatMs);
  const expiresAt = claims.exp * 1000;
  let expiry: NodeJS.Timeout | undefined;
  // A timer may fire a millisecond early, and a long one is capped: it waits on until the token has expired.
  const atExpiry = () => (expiry = setTimeout(() => (Date.now() >= expiresAt ? void recheck() : atExpiry()), Math.min(expiresAt - Date.now(), MAX_TIMER_MS)));
  atExpiry();
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  res.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    clearTimeout(expiry);
    unsubscribe?.();
  });
  const listener = {
    send: (logged: LoggedEvent) => (catchingUp ? catchingUp.push(logged) : deliver(logged)),
    end: () => end(),
  };
  unsubscribe = await events.subscribe(listener);
  if (closed) unsubscribe();
  try {
    if (isStreamId(lastEventId)) {
      sentUpTo = lastEventId;
      const { events: missed, gap } = await events.log.since(lastEventId);
      if (gap) write(`event: reset\ndata: {}\n\n`);
      missed.forEach(deliver);
    } else {
      sentUpTo = await events.log.lastId();
      write(`id: ${sentUpTo}\nevent: ready\ndata: {}\n\n`);
    }
  } catch (err) {
    logger.warn('release events: catch-up failed', { error: (err as Error).message });
    write(`event: reset\ndata: {}\n\n`);
  }
  const pending = catchingUp;
  catchingUp = undefined;
  pending.forEach(deliver);
}
