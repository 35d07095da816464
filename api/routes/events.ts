import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { AppError, ForbiddenError, TooManyRequestsError } from '../../lib/errors';
import type { AccessTokenClaims } from '../../lib/access-token';
import { methodNotAllowed } from '../middleware/errors';
import { accessClaimsOf, checkAccess } from '../middleware/authenticate';
import { actorOf, requirePermission } from '../middleware/authorize';
import { Actor } from '../services/actor';
import { StreamSlots } from '../services/stream-slots';
import type { TokenDenylist } from '../services/token-denylist';
import { compareStreamIds, isStreamId, LoggedEvent, ReleaseEvent } from '../services/release-event-log';
import type { ApiContext } from '../context';

const RELEASE_PATH = /^\/([0-9a-f-]{36})(?:\/|$)/;
/** Per user and API process: each stream holds a connection and a listener for as long as it lasts. */
const STREAMS_PER_USER = 5;
const STREAM_RETRY_AFTER_SECONDS = 30;
/** The longest delay setTimeout keeps (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface EventRouteOptions {
  /** How often a keep-alive is sent and the caller's access checked again. */
  heartbeatMs?: number;
}

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

/**
 * GET /api/events: Server-Sent Events of the releases (and uploads) the caller may see. A
 * reconnect sends Last-Event-ID and gets what it missed from the shared log first; when the log no
 * longer reaches back that far it gets a `reset` event (reload your views) instead. The caller's
 * access is checked again on every heartbeat and when the token expires; once it is gone the
 * stream ends with an `unauthorized` event naming why ({"code"}), so the client does not reconnect.
 */
export function eventRoutes({ authenticate, events, logger, services }: ApiContext, { heartbeatMs = 15_000 }: EventRouteOptions = {}): Router {
  const router = Router();
  const slots = new StreamSlots(STREAMS_PER_USER);
  router
    .route('/')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      let actor = actorOf(req);
      const claims = accessClaimsOf(req);
      const freeSlot = slots.take(actor.user.id);
      if (!freeSlot) throw new TooManyRequestsError(`At most ${slots.perUser} event streams per user may be open at once`, 'TOO_MANY_STREAMS', STREAM_RETRY_AFTER_SECONDS);
      res.on('close', freeSlot);
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        // nginx must not buffer the stream.
        'X-Accel-Buffering': 'no',
      });
      if (req.method === 'HEAD') return void res.end();
      const lastEventId = req.get('last-event-id') ?? '';
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
        accessNow(claims, services.auth.denylist)
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
    })
    .all(authenticate, methodNotAllowed);
  return router;
}

/** Methods that change a release; a read (GET, HEAD, OPTIONS) publishes nothing. */
const CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Mounted on /api/releases before its routes: after a successful change of a release through the
 * API (edit, approve, cancel, delete, follow-up...), its new state goes to the event log.
 */
export function publishReleaseChanges({ events }: ApiContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const releaseId = RELEASE_PATH.exec(req.path)?.[1];
    if (!CHANGING_METHODS.has(req.method) || !releaseId) return next();
    const userId = () => req.currentUser?.id;
    // Who owned a deleted release is no longer in the database: read it before the route runs.
    const owner = req.method === 'DELETE' ? events.ownerOf(releaseId) : undefined;
    res.on('finish', () => {
      if (res.statusCode >= 300) return;
      if (req.method === 'DELETE') {
        void owner!.then((ownerId) => events.publish({ type: 'release-deleted', releaseId, userId: ownerId ?? userId() ?? 0 }));
      } else void events.publishRelease(releaseId);
    });
    next();
  };
}
