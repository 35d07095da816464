import { ALL_PERMISSIONS, Permission } from '../lib/permissions';
import { startTestApp, TestApp } from '../test/support/test-app';

/**
 * Every API route against its permission: anonymous callers get 401, a role holding every
 * permission but that one gets 403, and a role holding only that one gets past authorisation
 * (whatever the request then answers: 200, 400, 404...).
 */
const UUID = '00000000-0000-4000-8000-000000000000';
const ROUTES: [method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, permission: Permission][] = [
  ['get', '/api/users', 'users:READ'],
  ['post', '/api/users', 'users:WRITE'],
  ['get', '/api/users/999', 'users:READ'],
  ['patch', '/api/users/999', 'users:WRITE'],
  ['post', '/api/users/999/password', 'users:WRITE'],
  ['get', '/api/roles', 'roles:READ'],
  ['post', '/api/roles', 'roles:WRITE'],
  ['get', '/api/roles/999', 'roles:READ'],
  ['patch', '/api/roles/999', 'roles:WRITE'],
  ['delete', '/api/roles/999', 'roles:DELETE'],
  ['get', '/api/groups', 'groups:READ'],
  ['post', '/api/groups', 'groups:WRITE'],
  ['get', '/api/groups/999', 'groups:READ'],
  ['patch', '/api/groups/999', 'groups:WRITE'],
  ['delete', '/api/groups/999', 'groups:DELETE'],
  ['get', '/api/rules', 'rules:READ'],
  ['post', '/api/rules', 'rules:WRITE'],
  ['post', '/api/rules/import', 'rules:WRITE'],
  ['get', '/api/rules/999', 'rules:READ'],
  ['patch', '/api/rules/999', 'rules:WRITE'],
  ['delete', '/api/rules/999', 'rules:DELETE'],
  ['get', '/api/templates', 'templates:READ'],
  ['post', '/api/templates', 'templates:WRITE'],
  ['post', '/api/templates/preview', 'templates:READ'],
  ['get', '/api/templates/999', 'templates:READ'],
  ['patch', '/api/templates/999', 'templates:WRITE'],
  ['delete', '/api/templates/999', 'templates:DELETE'],
  ['post', '/api/templates/999/preview', 'templates:READ'],
  ['get', '/api/destinations', 'destinations:READ'],
  ['post', '/api/destinations', 'destinations:WRITE'],
  ['get', '/api/destinations/999', 'destinations:READ'],
  ['patch', '/api/destinations/999', 'destinations:WRITE'],
  ['delete', '/api/destinations/999', 'destinations:DELETE'],
  ['post', '/api/destinations/999/test', 'destinations:WRITE'],
  ['get', '/api/configurations', 'configurations:READ'],
  ['get', '/api/configurations/providers.omdbKey', 'configurations:READ'],
  ['put', '/api/configurations/providers.omdbKey', 'configurations:WRITE'],
  ['delete', '/api/configurations/providers.omdbKey', 'configurations:DELETE'],
  ['get', '/api/releases', 'releases:READ'],
  ['post', '/api/releases', 'releases:WRITE'],
  ['get', `/api/releases/${UUID}`, 'releases:READ'],
  ['delete', `/api/releases/${UUID}`, 'releases:DELETE'],
  ['post', `/api/releases/${UUID}/cancel`, 'releases:WRITE'],
  ['get', `/api/releases/${UUID}/validation`, 'releases:READ'],
  ['post', `/api/releases/${UUID}/distributions/999`, 'releases:WRITE'],
  ['post', '/api/releases/preview', 'releases:WRITE'],
  ['get', `/api/releases/${UUID}/preview`, 'releases:READ'],
  ['patch', `/api/releases/${UUID}`, 'releases:WRITE'],
  ['post', `/api/releases/${UUID}/approve`, 'releases:WRITE'],
  ['post', `/api/releases/${UUID}/retry`, 'releases:WRITE'],
  ['post', `/api/releases/${UUID}/rematch`, 'releases:WRITE'],
  ['post', `/api/releases/${UUID}/follow-ups`, 'releases:WRITE'],
  ['get', '/api/uploads', 'releases:READ'],
  ['post', '/api/uploads', 'releases:WRITE'],
  ['get', `/api/uploads/${UUID}`, 'releases:READ'],
  ['get', '/api/jobs/pack/x', 'queues:READ'],
  ['get', '/api/stats', 'queues:READ'],
];

let app: TestApp;
const tokens = new Map<string, string>();

beforeAll(async () => {
  app = await startTestApp();
  const needed = [...new Set(ROUTES.map(([, , p]) => p))];
  for (const [index, permission] of needed.entries()) {
    const slug = `p${index}`;
    for (const [prefix, permissions] of [
      ['only', [permission]],
      ['without', ALL_PERMISSIONS.filter((p) => p !== permission)],
    ] as const) {
      const role = await app.context.services.roles.create({ name: `${prefix}-${slug}`, description: '', permissions: [...permissions] });
      tokens.set(`${prefix} ${permission}`, (await app.createUser(role.name, `${prefix}-${slug}@example.test`, [])).token);
    }
  }
}, 60_000);
afterAll(() => app.close());

describe.each(ROUTES)('%s %s needs %s', (method, path, permission) => {
  const call = (token?: string) => {
    const req = app.http[method](path);
    if (token) req.set('Authorization', `Bearer ${token}`);
    return method === 'get' || method === 'delete' ? req : req.send({});
  };

  it('refuses anonymous callers with 401', async () => {
    const res = await call();
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('refuses a role holding every other permission with 403', async () => {
    const res = await call(tokens.get(`without ${permission}`));
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: `This needs the ${permission} permission` });
  });

  it('lets a role holding only this permission through', async () => {
    const res = await call(tokens.get(`only ${permission}`));
    expect([401, 403]).not.toContain(res.status);
    expect(res.status).toBeLessThan(500);
  });
});
