import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/** Where `npm run build` puts the web app: dist/app, found from the sources and from dist/console alike. */
export function webAppDir(): string | undefined {
  return [path.resolve(__dirname, '../dist/app'), path.resolve(__dirname, '../app')].find((dir) => fs.existsSync(path.join(dir, 'index.html')));
}

/** Paths that belong to the server, never to the web app's own routes. */
const SERVER_PATHS = /^\/(api|admin|health)(\/|$)/;

/**
 * The operator web app (console/app, built by Vite) on the API's own origin, so its fetches carry
 * the session cookie and the same-origin guard applies: hashed assets cached for good, and
 * index.html for every page path the app routes itself. Without a build it serves nothing.
 * The page shell is sent whole, ignoring Range: a browser resuming a cached copy it thinks cut
 * short asks for the bytes past its end, which would get a 416 instead of the page.
 */
export function webAppRoutes(dir = webAppDir()): Router {
  const router = Router();
  if (!dir) return router;
  // Whole files only: the app's files are small, and a range of one is nothing a browser asks for.
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false, acceptRanges: false }));
  router.use(express.static(dir, { index: false, acceptRanges: false }));
  // A middleware rather than a route: the app's pages are not API routes (route tables list those).
  router.use((req, res, next) => {
    if (!['GET', 'HEAD'].includes(req.method) || SERVER_PATHS.test(req.path) || !req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'), { acceptRanges: false });
  });
  return router;
}
