import type { Express } from 'express';

export interface MountedRoute {
  method: string;
  /** Express path with its parameters, e.g. /api/users/:id/password. */
  path: string;
}

interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** Every route the app answers (method and path), read from Express' router. */
export function mountedRoutes(app: Express): MountedRoute[] {
  const routes: MountedRoute[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      const here = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      if (layer.route) {
        const path = `${prefix}${typeof layer.route.path === 'string' ? layer.route.path : String(layer.route.path)}`.replace(/(.)\/$/, '$1');
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) routes.push({ method: method.toUpperCase(), path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + here);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return routes;
}
