import path from 'node:path';
import { RequestHandler, Router } from 'express';
import { methodNotAllowed } from '../middleware/errors';
import { openApiDocument } from './document';

// The package exports no path to its browser bundle, so it is found beside its main entry (dist/).
const SCALAR_BUNDLE = path.join(path.dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');

// A script file, not an inline one, so the CSP can stay at script-src 'self'.
const DOCS_INIT = `Scalar.createApiReference('#app', { url: '/api/openapi.json', withDefaultFonts: false, hideClientButton: true, telemetry: false });\n`;

// The reference page loads only same-origin scripts; Scalar's styles are inline and fonts stay local.
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>eBook Scene Packer API</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<div id="app"></div>
<script src="/api/docs/standalone.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;

/** GET /api/openapi.json and the interactive reference at /api/docs (public, like the README's table). */
export function openApiRoutes(): Router {
  const router = Router();
  const answers: Record<string, RequestHandler> = {
    '/openapi.json': (_req, res) => void res.json(openApiDocument()),
    '/docs': (_req, res) => void res.type('html').send(DOCS_PAGE),
    '/docs/init.js': (_req, res) => void res.type('text/javascript').send(DOCS_INIT),
    '/docs/standalone.js': (_req, res) => res.sendFile(SCALAR_BUNDLE, { maxAge: '1d' }),
  };
  for (const [route, answer] of Object.entries(answers)) router.route(route).get(answer).all(methodNotAllowed);
  return router;
}
