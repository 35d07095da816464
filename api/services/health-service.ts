import type { Config } from '../../lib/config';
import { Redis, whenReady } from '../../lib/redis';
import { withTimeout } from '../../lib/timeout';
import { schemaStatus, type Database } from '../../db/knex';
import type { JobQueue } from '../../jobs/job-queue';

export interface ComponentHealth {
  status: 'up' | 'down';
  latencyMs: number;
  /** timeout, unreachable, or for the database: schema missing (no migrations table), schema behind (migrations pending). */
  error?: string;
  /** Database only, with `schema behind`: how many of the code's migrations are not applied. */
  pendingMigrations?: number;
}

type SchemaProblem = Pick<ComponentHealth, 'error' | 'pendingMigrations'> | undefined;

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  uptimeSeconds: number;
  components: { database: ComponentHealth; redis: ComponentHealth };
  /** Workers connected per queue. None for a queue is "degraded": jobs wait but nothing is lost. */
  workers: Record<string, number | null>;
}

/** How long one probe's report answers every /health request (load balancers, load, attacks). */
export const HEALTH_REPORT_TTL_MS = 250;

/**
 * GET /health: database and Redis with a short timeout each, plus live worker counts. One probe
 * runs at a time and its report is shared by the requests that arrive while it runs and for
 * HEALTH_REPORT_TTL_MS after it finished, so a flood of health checks costs the database and Redis a few
 * queries a second, not one each. A report that saw Redis up is not reused once the client has
 * lost its connection.
 */
export class HealthService {
  private cached?: { report: HealthReport; at: number };
  private running?: Promise<HealthReport>;
  /** When the schema was last found up to date (migrations are read at most every schemaCheckSeconds then). */
  private schemaCurrentAt?: number;

  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly redis: Redis,
    private readonly queue: JobQueue,
  ) {}

  async check(): Promise<HealthReport> {
    const cached = this.cached;
    const fresh = cached && performance.now() - cached.at < HEALTH_REPORT_TTL_MS;
    if (fresh && (cached.report.components.redis.status === 'down' || this.redis.status === 'ready')) {
      return { ...cached.report, uptimeSeconds: Math.round(process.uptime()) };
    }
    this.running ??= this.probeAll()
      .then((report) => {
        this.cached = { report, at: performance.now() };
        return report;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async probeAll(): Promise<HealthReport> {
    const [database, redis] = await Promise.all([
      this.probeDatabase(),
      // A Redis that never became ready was not reached, whichever deadline ran out first.
      this.probe(() => whenReady(this.redis, this.config.health.timeoutMs).then(() => this.redis.ping()), () => this.redis.status === 'ready'),
    ]);
    const workers = redis.status === 'up' ? await this.workerCounts() : {};
    const down = database.status === 'down' || redis.status === 'down';
    const idle = Object.values(workers).some((n) => n === 0);
    return {
      status: down ? 'down' : idle ? 'degraded' : 'ok',
      uptimeSeconds: Math.round(process.uptime()),
      components: { database, redis },
      workers,
    };
  }

  /**
   * `select 1`, then the schema against the code's migrations: with the migrations table missing or
   * a migration pending, every query on a missing table or column fails, so the database is down
   * for the app (503) though it answers. A schema found current is believed for schemaCheckSeconds;
   * one that is not is read again at every probe, so /health turns ok as soon as it is migrated.
   */
  private async probeDatabase(): Promise<ComponentHealth> {
    let problem: SchemaProblem;
    const health = await this.probe(async () => {
      await this.db.raw('select 1');
      problem = await this.schemaProblem();
    });
    return health.status === 'up' && problem ? { ...health, status: 'down', ...problem } : health;
  }

  private async schemaProblem(): Promise<SchemaProblem> {
    const believed = this.schemaCurrentAt !== undefined && performance.now() - this.schemaCurrentAt < this.config.health.schemaCheckSeconds * 1000;
    if (believed) return undefined;
    const status = await schemaStatus(this.db);
    if (!status.migrationsTable) return { error: 'schema missing' };
    if (status.pending.length > 0) return { error: 'schema behind', pendingMigrations: status.pending.length };
    this.schemaCurrentAt = performance.now();
    return undefined;
  }

  /** Runs one check under the health deadline; `reached` tells a timeout from a component never reached. */
  private async probe(check: () => Promise<unknown>, reached = () => true): Promise<ComponentHealth> {
    const started = performance.now();
    try {
      await withTimeout(check(), this.config.health.timeoutMs, 'check');
      return { status: 'up', latencyMs: Math.round(performance.now() - started) };
    } catch (err) {
      // Only the kind of failure: driver messages can carry hosts and user names.
      const reason = err instanceof Error && /timed out/.test(err.message) && reached() ? 'timeout' : 'unreachable';
      return { status: 'down', latencyMs: Math.round(performance.now() - started), error: reason };
    }
  }

  private async workerCounts(): Promise<Record<string, number | null>> {
    try {
      return await withTimeout(this.queue.workerCounts(), this.config.health.timeoutMs, 'worker count');
    } catch {
      return {};
    }
  }
}
