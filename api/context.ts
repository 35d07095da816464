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

/** What the API's routes are given: the config, the outside systems, and the domain services. */
export interface ApiContext {
  config: Config;
  logger: Logger;
  db: Database;
  redis: Redis;
  queue: JobQueue;
  authenticate: RequestHandler;
  services: {
    auth: AuthService;
    users: UserService;
    health: HealthService;
    uploads: UploadService;
    releases: ReleaseService;
  };
}
