import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { TooManyRequestsError } from '../../lib/errors';
import { methodNotAllowed } from '../middleware/errors';
import { accessClaimsOf } from '../middleware/authenticate';
import { actorOf, requirePermission } from '../middleware/authorize';
import { streamReleaseEvents } from '../services/event-stream';
import { StreamSlots } from '../services/stream-slots';
import type { ApiContext } from '../context';

const RELEASE_PATH = /^\/([0-9a-f-]{36})(?:\/|$)/;
/** Per user and API process: each stream holds a connection and a listener for as long as it lasts. */
const STREAMS_PER_USER = 5;
const STREAM_RETRY_AFTER_SECONDS = 30;
export interface EventRouteOptions {
  /** How often a keep-alive is sent and the caller's access checked again. */
  heartbeatMs?: number;
}

/**
 * GET /api/events: Server-Sent Events of the releases (and uploads) the caller may see, for as long
 * as the caller may (api/services/event-stream.ts); at most STREAMS_PER_USER open at once. HEAD
 * answers the head alone.
 */
export function eventRoutes({ authenticate, events, logger, services }: ApiContext, { heartbeatMs = 15_000 }: EventRouteOptions = {}): Router {
  const router = Router();
  const slots = new StreamSlots(STREAMS_PER_USER);
  router
    .route('/')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      const actor = actorOf(req);
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
      await streamReleaseEvents(res, { actor, claims, lastEventId: req.get('last-event-id') ?? '' }, { events, denylist: services.auth.denylist, logger, heartbeatMs });
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
