import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration } from '../../lib/metrics';

/**
 * Times every request into esp_http_request_duration_seconds, labelled by the Express route
 * pattern (`/api/releases/:id`, never the raw URL, so ids do not explode the label set).
 * The pattern is taken when the router assigns `req.route`, while `req.baseUrl` still names the
 * router it is mounted on (by the time an error reaches the app's handler, baseUrl is reset).
 * Requests no route matched are labelled `unmatched`.
 */
export function requestMetrics() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = httpRequestDuration.startTimer();
    let route: Request['route'];
    let pattern = 'unmatched';
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: Request['route']) => {
        route = value;
        if (typeof value?.path === 'string') pattern = value.path === '/' && req.baseUrl ? req.baseUrl : `${req.baseUrl}${value.path}`;
      },
    });
    res.on('finish', () => stop({ method: req.method, route: pattern, status: String(res.statusCode) }));
    next();
  };
}
