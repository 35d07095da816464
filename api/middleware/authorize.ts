import type { Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors';
import type { Action, Resource } from '../../lib/permissions';
import { Actor } from '../services/actor';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

/** Loads the caller's permissions (once per request) and refuses the request without `resource:action`. */
export function requirePermission(resource: Resource, action: Action): RequestHandler {
  return (req, _res, next) => {
    if (!req.currentUser) return next(new UnauthorizedError());
    const loading = req.actor ? Promise.resolve(req.actor) : Actor.of(req.currentUser);
    loading
      .then((actor) => {
        req.actor = actor;
        if (!actor.can(resource, action)) return next(new ForbiddenError(`This needs the ${resource}:${action} permission`));
        next();
      })
      .catch(next);
  };
}

/** The caller as an Actor; routes reach it only behind requirePermission. */
export function actorOf(req: Request): Actor {
  if (!req.actor) throw new UnauthorizedError();
  return req.actor;
}
