import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import type { Actor } from '../services/actor';
import { compareStreamIds, isStreamId, LoggedEvent, ReleaseEvent } from '../services/release-event-log';
import type { ApiContext } from '../context';

const HEARTBEAT_MS = 15_000;
const RELEASE_PATH = /^\/([0-9a-f-]{36})(?:\/|$)/;

/** Without releases:MOD a user is told about their own releases and uploads only. */
const visibleTo = (actor: Actor, event: ReleaseEvent): boolean => actor.owns('releases', event.userId);

function frame({ id, event }: LoggedEvent): string {
  return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * GET /api/events: Server-Sent Events of the releases (and uploads) the caller may see. A
 * reconnect sends Last-Event-ID and gets what it missed from the shared log first; when the log no
 * longer reaches back that far it gets a `reset` event (reload your views) instead.
 */
export function eventRoutes({ authenticate, events, logger }: ApiContext): Router {
  const router = Router();
  router
    .route('/')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      const actor = actorOf(req);
      const lastEventId = req.get('last-event-id') ?? '';
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        // nginx must not buffer the stream.
        'X-Accel-Buffering': 'no',
      });
      res.write('retry: 2000\n\n');
      let sentUpTo = '';
      let catchingUp: LoggedEvent[] | undefined = [];
      const deliver = (logged: LoggedEvent) => {
        if (sentUpTo && compareStreamIds(logged.id, sentUpTo) <= 0) return;
        sentUpTo = logged.id;
        if (visibleTo(actor, logged.event)) res.write(frame(logged));
      };
      const listener = {
        send: (logged: LoggedEvent) => (catchingUp ? catchingUp.push(logged) : deliver(logged)),
        end: () => res.end(),
      };
      const unsubscribe = await events.subscribe(listener);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      req.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
      });
      try {
        if (isStreamId(lastEventId)) {
          sentUpTo = lastEventId;
          const { events: missed, gap } = await events.log.since(lastEventId);
          if (gap) res.write(`event: reset\ndata: {}\n\n`);
          missed.forEach(deliver);
        } else {
          sentUpTo = await events.log.lastId();
          res.write(`id: ${sentUpTo}\nevent: ready\ndata: {}\n\n`);
        }
      } catch (err) {
        logger.warn('release events: catch-up failed', { error: (err as Error).message });
        res.write(`event: reset\ndata: {}\n\n`);
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
