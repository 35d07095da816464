import fs from 'node:fs';

// The safeguard modules under mutation testing, each with the test files that guard it and its
// goal (mutation score in percent: 90 for authorization and secret handling, 80 otherwise).

/**
 * Stryker mutate ranges (`file:start-end`) of the members of `file` whose first line contains one
 * of `starts`: a block up to its closing brace at the same indentation, or one statement. Found by
 * text rather than written as line numbers, so they follow the code when it moves.
 */
function ranges(file, starts) {
  const lines = fs.readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8').split('\n');
  return starts.map((start) => {
    const at = lines.findIndex((line) => line.includes(start));
    if (at < 0) throw new Error(`${file}: no line contains "${start}"`);
    const indent = /^\s*/.exec(lines[at])[0];
    const end = lines[at].trimEnd().endsWith('{') ? lines.findIndex((line, i) => i > at && line.startsWith(`${indent}}`)) : at;
    return `${file}:${at + 1}-${end + 1}`;
  });
}

/** Source files of jobs/pack/engine/ by name (modules.test.ts checks the parts cover the folder once). */
const engine = (...names) => names.map((name) => `jobs/pack/engine/${name}.ts`);
/** Source files of api/services/ by name (modules.test.ts checks the parts cover the folder once). */
const services = (...names) => names.map((name) => `api/services/${name}.ts`);

export const MODULES = {
  'secret-box': { mutate: ['lib/secret-box.ts'], tests: ['test/safeguards/secret-box.test.ts', 'api/secrets.test.ts'], goal: 90 },
  // The CI smoke: no type checker (a mutant that does not compile fails its tests anyway), fast unit tests only.
  'secret-box-smoke': { mutate: ['lib/secret-box.ts'], tests: ['test/safeguards/secret-box.test.ts'], goal: 90, checkers: [], incremental: false },
  permissions: { mutate: ['lib/permissions.ts'], tests: ['api/permissions.test.ts', 'api/escalation.test.ts'], goal: 90 },
  'api-middleware': {
    mutate: ['api/middleware/**/*.ts'],
    tests: [
      'api/middleware.test.ts', 'api/permissions.test.ts', 'api/errors.test.ts', 'api/auth.test.ts', 'api/tokens.test.ts', 'api/rate-limit.test.ts',
      'test/webapp-api.test.ts', 'test/metrics.test.ts', 'test/log-story.test.ts',
    ],
    goal: 90,
  },
  // api/services/ in three parts, each with the suites that reach it (modules.test.ts checks they cover the folder once).
  // Logins, tokens, users and roles: authentication and secrets, so held to 90.
  'api-services-accounts': {
    mutate: [...services('auth-service', 'login-guard', 'user-service', 'role-service'), 'lib/token-denylist.ts', 'db/logins.ts'],
    tests: [
      'api/auth.test.ts', 'api/tokens.test.ts', 'api/users.test.ts', 'api/login-throttle.test.ts', 'api/escalation.test.ts', 'api/permissions.test.ts',
      'api/management.test.ts', 'test/safeguards/refresh-expiry.test.ts', 'api/accounts-redis-down.test.ts',
    ],
    // Not test/first-run.test.ts: it runs the operator commands from dist/ (as deployed), which the sandbox neither holds nor mutates.
    goal: 90,
    timeoutMS: 60_000,
  },
  // Rules, templates, destinations, groups and health.
  'api-services-settings': {
    mutate: services('rule-service', 'template-service', 'destination-service', 'group-service', 'validation-service', 'references', 'health-service'),
    tests: [
      'api/management.test.ts', 'api/permissions.test.ts', 'api/secrets.test.ts', 'api/health.test.ts', 'api/health-cache.test.ts',
      'test/settings-references.test.ts', 'test/template-input.test.ts', 'test/strict-params.test.ts', 'test/safeguards/permission-effects.test.ts',
      'test/safeguards/group-defaults.test.ts', 'test/release-management.test.ts',
      // Connection tests and sending a release again (destination-service) are proven against real FTP/SFTP servers here.
      'test/distribution.test.ts', 'test/safeguards/distribute.test.ts',
    ],
    goal: 80,
    timeoutMS: 60_000,
  },
  // Webhook settings and the dashboard's counts, each proven over HTTP on rows and queue jobs put in place
  // (seconds a run). test/notifications.test.ts and test/release-management.test.ts reach them too, but
  // through a worker process and real releases (minutes a mutant): what they check of these files, the
  // fast suites check too.
  'api-services-reports': {
    mutate: services('notification-service', 'stats-service'),
    tests: ['test/webhook-settings.test.ts', 'test/stats.test.ts', 'api/permissions.test.ts'],
    goal: 80,
  },
  // Uploads and release requests: what a request takes, the dupe checks, cancel, retry and delete,
  // proven over HTTP on rows put in place (test/release-requests.test.ts) and uploads stored for real
  // with no worker (test/uploads.test.ts): seconds a run. The pipeline suites reach these files too,
  // through real packing (minutes a mutant), and stay in npm test.
  'api-services-release-requests': {
    mutate: [...services('actor', 'upload-service', 'release-service', 'dupe-policy', 'destination-access'), 'lib/domain/book-identity.ts'],
    tests: ['test/release-requests.test.ts', 'test/uploads.test.ts', 'api/release-list.test.ts', 'api/permissions.test.ts', 'api/escalation.test.ts', 'api/services/dupe-policy.test.ts'],
    goal: 80,
  },
  // The review hold (edit, rematch, approve), dry runs and follow-ups, proven over HTTP on releases
  // requested for real and stored as enrichment leaves them (test/release-review.test.ts, seconds a
  // run); test/release-lifecycle.test.ts checks the same through real enrichment and packing.
  'api-services-release-review': {
    mutate: services('release-edit', 'release-review-service', 'release-preview-service', 'follow-up-service'),
    tests: ['test/release-review.test.ts', 'api/permissions.test.ts'],
    goal: 80,
  },
  // Downloads and the browser's event stream, proven over HTTP on published files and rows put in
  // place, with job events caused by hand (test/release-output.test.ts, seconds a run);
  // test/release-downloads.test.ts and test/webapp-api.test.ts check the same through real packing.
  'api-services-release-output': {
    mutate: services('release-download-service', 'release-events', 'event-stream', 'stream-slots'),
    tests: ['test/release-output.test.ts', 'test/event-stream-access.test.ts', 'api/permissions.test.ts'],
    goal: 80,
  },
  // The release event log, through its own suite on real Redis (seconds a run). The browser-stream suite
  // (test/webapp-api.test.ts) reaches it too, but through real releases: a mutant that stops the stream
  // waited out its 60 s timeout there, each.
  'api-services-event-log': { mutate: services('release-event-log'), tests: ['api/services/release-event-log.test.ts'], goal: 80 },
  // Who may see, change, delete or approve what: the Actor, and the service code that applies it.
  'api-authz': {
    mutate: [
      'api/services/actor.ts',
      ...ranges('api/services/release-service.ts', [
        "options.force && !actor.can('releases', 'MOD')",
        'if (!group) throw',
        'if (!member) throw',
        'async list(actor: Actor',
        'async getVisible(actor: Actor',
        'async remove(actor: Actor',
      ]),
      ...ranges('api/services/upload-service.ts', ['async register(', 'async list(actor: Actor', 'async getVisible(actor: Actor', 'async bySha256(actor: Actor']),
      ...ranges('api/services/release-review-service.ts', ['async approve(actor: Actor', 'private async inReview(']),
      ...ranges('api/services/group-service.ts', ['async membership(']),
    ],
    tests: [
      'api/permissions.test.ts', 'api/escalation.test.ts', 'test/safeguards/uploads-ownership.test.ts', 'test/safeguards/pack-force.test.ts', 'test/safeguards/release-delete.test.ts',
      'test/safeguards/group-defaults.test.ts', 'test/safeguards/approve-queue-down.test.ts',
      'test/safeguards/permission-effects.test.ts', 'test/release-management.test.ts', 'test/release-lifecycle.test.ts', 'test/uploads.test.ts',
    ],
    goal: 90,
    timeoutMS: 60_000,
  },
  // jobs/run-job.test.ts runs it in this process (the worker pools run it in children, where Stryker sees no coverage).
  'run-job': { mutate: ['jobs/run-job.ts'], tests: ['jobs/run-job.test.ts'], goal: 80 },
  // jobs/pack/engine/ in three parts (about 2,100 mutants in all: one run takes hours on 2 cores), each measured on its own.
  // Its bytes: the zip structures, CRC-32 and SHA-256, volume sizes, the SFV.
  'pack-engine-zip': {
    mutate: engine('stored-zip', 'zip-volume-writer', 'crc32-combine', 'sha256-sink', 'volume-plan', 'sfv'),
    tests: ['stored-zip', 'sha256-sink', 'sfv', 'volume-plan', 'pack-release'].map((name) => `jobs/pack/engine/${name}.test.ts`),
    goal: 80,
  },
  // Its texts: the release name, volume names, NFO and DIZ, CP437 and the rules' checks.
  'pack-engine-texts': {
    mutate: engine(
      'release-name', 'volume-names', 'scene-words', 'rules-text', 'text-checks', 'check-release', 'cp437',
      'text-layout', 'published-text', 'nfo', 'diz', 'nfo-template', 'release-facts', 'release-plan',
    ),
    // Its unit tests only: pure functions checked on their outputs in milliseconds. The packing suites
    // (pack-release, stored-release, test/zip-names) also reach these files, but through real disks and
    // servers (seconds a mutant) and, for test/zip-names, in worker processes Stryker cannot see into.
    tests: [
      'release-name', 'volume-names', 'scene-words', 'rules-text', 'text-checks', 'check-release', 'cp437', 'text-layout', 'nfo', 'diz',
      'nfo-template', 'published-width', 'release-plan',
    ].map((name) => `jobs/pack/engine/${name}.test.ts`),
    goal: 80,
    // A mutant that loops (text layout, name shortening) is stopped after 10 s rather than the default 30 s.
    timeoutMS: 10_000,
  },
  // Its I/O: staging, publishing (local folder or object store) and adopting an earlier attempt.
  'pack-engine-io': {
    mutate: engine('pack-release', 'release-io', 'stored-release'),
    tests: ['jobs/pack/engine/pack-release.test.ts', 'jobs/pack/engine/release-io.test.ts', 'jobs/pack/engine/stored-release.test.ts', 'test/pack-s3.test.ts'],
    goal: 80,
  },
  // Both suites run deliveries in the jest process (startPipelineWorld's inProcess), so per-test coverage sees them.
  // The job and its sessions in this process against real FTP/SFTP servers, in seconds a test. The pipeline
  // suites (test/distribution.test.ts, test/safeguards/distribute.test.ts: about 4 min a run) are not listed:
  // what they check of this module, the fast suite checks too (docs/TESTING.md).
  distribute: { mutate: ['jobs/distribute/**/*.ts', '!jobs/distribute/**/*.test.ts'], tests: ['jobs/distribute/distribute.test.ts'], goal: 80 },
  'detect-format': { mutate: ['jobs/inspect/detect-format.ts'], tests: ['test/safeguards/detect-format.test.ts', 'jobs/inspect/read-book.test.ts', 'test/refused-books.test.ts'], goal: 80 },
};
