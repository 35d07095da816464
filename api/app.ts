import express, { Express } from 'express';
import helmet from 'helmet';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { Redis } from '../lib/redis';
import type { Database } from '../db/knex';
import type { JobQueue } from '../jobs/job-queue';
import { createAuthenticator } from './middleware/authenticate';
import { apiRateLimit } from './middleware/rate-limit';
import { errorHandler, notFound } from './middleware/errors';
import { requestId } from './middleware/request-id';
import { requestMetrics } from './middleware/metrics';
import { authRoutes } from './routes/auth';
import { healthRoutes } from './routes/health';
import { jobRoutes } from './routes/jobs';
import { releaseRoutes } from './routes/releases';
import { releaseLifecycleRoutes } from './routes/release-lifecycle';
import { uploadRoutes } from './routes/uploads';
import { userRoutes } from './routes/users';
import { AuthService } from './services/auth-service';
import { HealthService } from './services/health-service';
import { ReleaseService } from './services/release-service';
import { UploadService } from './services/upload-service';
import { UserService } from './services/user-service';
import { DestinationService } from './services/destination-service';
import { NotificationService } from './services/notification-service';
import { GroupService } from './services/group-service';
import { RoleService } from './services/role-service';
import { RuleService } from './services/rule-service';
import { StatsService } from './services/stats-service';
import { TemplateService } from './services/template-service';
import { ValidationService } from './services/validation-service';
import { SettingsRepository } from '../db/settings-repository';
import { configurationRoutes } from './routes/configurations';
import { destinationRoutes } from './routes/destinations';
import { notificationRoutes } from './routes/notifications';
import { groupRoutes } from './routes/groups';
import { roleRoutes } from './routes/roles';
import { ruleRoutes } from './routes/rules';
import { statsRoutes } from './routes/stats';
import { templateRoutes } from './routes/templates';
import type { ApiContext } from './context';
import { consoleRoutes } from '../console/routes';
import { webAppRoutes } from '../console/app-static';
import { downloadRoutes } from './routes/downloads';
import { EventRouteOptions, eventRoutes, publishReleaseChanges } from './routes/events';
import { sessionRoutes } from './routes/session';
import { sameOriginForCookieChanges } from './middleware/same-origin';
import { sessionCookieToken } from './middleware/session-cookie';
import { ReleaseEventHub } from './services/release-events';
import { openApiRoutes } from './openapi/routes';
import { automationRoutes } from './routes/automation';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  db: Database;
  redis: Redis;
  queue: JobQueue;
}

export const JSON_BODY_LIMIT = '1mb';

/** Timings a test shortens; production runs with the defaults. */
export interface AppOptions {
  events?: EventRouteOptions;
}

export function buildApiContext({ config, logger, db, redis, queue }: AppDependencies): ApiContext {
  const auth = new AuthService(config, logger, redis);
  const uploads = new UploadService(config, logger, queue);
  const groups = new GroupService();
  const settings = new SettingsRepository(config);
  const releases = new ReleaseService(config, queue, uploads, groups, settings, logger);
  return {
    config,
    logger,
    db,
    redis,
    queue,
    // The bearer header (API clients) or the web app's session cookie.
    authenticate: createAuthenticator(config, auth.denylist, [sessionCookieToken]),
    events: new ReleaseEventHub(config, redis, logger),
    services: {
      auth,
      users: new UserService(config, auth, logger),
      health: new HealthService(config, db, redis, queue),
      uploads,
      releases,
      validation: new ValidationService(config, releases),
      roles: new RoleService(),
      groups,
      rules: new RuleService(),
      templates: new TemplateService(releases),
      destinations: new DestinationService(config, queue, releases, logger),
      notifications: new NotificationService(config),
      settings,
      stats: new StatsService(queue),
    },
  };
}

/** The Express app. Routes only validate, authorise and call a service. */
export function createApp(context: ApiContext, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', context.config.http.trustProxy);
  app.use(requestId(context.logger));
  app.use(requestMetrics());
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Bull Board's bundled UI needs inline styles and same-origin scripts only; nothing from a CDN.
          'default-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'script-src': ["'self'"],
          'frame-ancestors': ["'none'"],
          // Off: on plain-HTTP deployments it would send the console's forms to https.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  // Answers are a user's own data: no browser or shared cache keeps them (a route may say otherwise),
  // refusals of the body parser, the rate limiter and the origin check included.
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(express.json({ limit: JSON_BODY_LIMIT }));

  app.use('/health', healthRoutes(context));
  app.use('/api', apiRateLimit(context));
  app.use('/api', sameOriginForCookieChanges);
  app.use('/api/session', sessionRoutes(context));
  app.use('/api/events', eventRoutes(context, options.events));
  app.use('/api', openApiRoutes());
  app.use('/api', automationRoutes(context));
  app.use('/api/auth', authRoutes(context));
  app.use('/api/users', userRoutes(context));
  app.use('/api/uploads', uploadRoutes(context));
  app.use('/api/releases', publishReleaseChanges(context));
  app.use('/api/releases', downloadRoutes(context));
  app.use('/api/releases', releaseLifecycleRoutes(context));
  app.use('/api/releases', releaseRoutes(context));
  app.use('/api/jobs', jobRoutes(context));
  app.use('/api/roles', roleRoutes(context));
  app.use('/api/groups', groupRoutes(context));
  app.use('/api/rules', ruleRoutes(context));
  app.use('/api/templates', templateRoutes(context));
  app.use('/api/destinations', destinationRoutes(context));
  app.use('/api/notifications/webhooks', notificationRoutes(context));
  app.use('/api/configurations', configurationRoutes(context));
  app.use('/api/stats', statsRoutes(context));
  app.use('/admin', consoleRoutes(context));
  app.use(webAppRoutes());

  app.use(notFound);
  app.use(errorHandler(context.logger));
  return app;
}
