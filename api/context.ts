import type { RequestHandler } from 'express';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { Redis } from '../lib/redis';
import type { Database } from '../db/knex';
import type { JobQueue } from '../jobs/job-queue';
import type { AuthService } from './services/auth-service';
import type { HealthService } from './services/health-service';
import type { ReleaseService } from './services/release-service';
import type { UploadService } from './services/upload-service';
import type { UserService } from './services/user-service';
import type { DestinationService } from './services/destination-service';
import type { NotificationService } from './services/notification-service';
import type { GroupService } from './services/group-service';
import type { RoleService } from './services/role-service';
import type { RuleService } from './services/rule-service';
import type { StatsService } from './services/stats-service';
import type { TemplateService } from './services/template-service';
import type { ValidationService } from './services/validation-service';
import type { SettingsRepository } from '../db/settings-repository';
import type { ReleaseEventHub } from './services/release-events';

/** What the API's routes are given: the config, the outside systems, and the domain services. */
export interface ApiContext {
  config: Config;
  logger: Logger;
  db: Database;
  redis: Redis;
  queue: JobQueue;
  authenticate: RequestHandler;
  /** Live release events (GET /api/events); shut down before the server closes. */
  events: ReleaseEventHub;
  services: {
    auth: AuthService;
    users: UserService;
    health: HealthService;
    uploads: UploadService;
    releases: ReleaseService;
    validation: ValidationService;
    roles: RoleService;
    groups: GroupService;
    rules: RuleService;
    templates: TemplateService;
    destinations: DestinationService;
    notifications: NotificationService;
    settings: SettingsRepository;
    stats: StatsService;
  };
}
