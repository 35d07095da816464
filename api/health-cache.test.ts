import { startTestApp, TestApp } from '../test/support/test-app';
import { HEALTH_REPORT_TTL_MS } from './services/health-service';

describe('GET /health under load', () => {
  let app: TestApp;
  afterEach(() => app?.close());

  it('shares one probe between concurrent and quickly repeated requests, and probes again once the report is old', async () => {
    app = await startTestApp();
    let probes = 0;
    app.context.db.on('query', (q: { sql: string }) => {
      if (q.sql === 'select 1') probes++;
    });
    const started = performance.now();
    const burst = await Promise.all(Array.from({ length: 40 }, () => app.http.get('/health')));
    const windows = Math.ceil((performance.now() - started) / HEALTH_REPORT_TTL_MS);
    expect(burst.every((res) => res.status === 200 && res.body.components.database.status === 'up')).toBe(true);
    // One probe per report lifetime at most (a slow machine may stretch the burst over a few).
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(probes).toBeLessThanOrEqual(Math.min(windows + 1, 5));
    let before = probes;

    // Requests one after another share a report too, while it is fresh.
    await new Promise((r) => setTimeout(r, HEALTH_REPORT_TTL_MS + 100));
    const inTurn = performance.now();
    for (let i = 0; i < 5; i++) expect((await app.http.get('/health')).status).toBe(200);
    expect(probes - before).toBeLessThanOrEqual(Math.ceil((performance.now() - inTurn) / HEALTH_REPORT_TTL_MS));
    before = probes;

    await new Promise((r) => setTimeout(r, HEALTH_REPORT_TTL_MS + 100));
    const later = await app.http.get('/health');
    expect(later.status).toBe(200);
    expect(probes).toBe(before + 1);
  });
});
