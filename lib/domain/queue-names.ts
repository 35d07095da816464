/** Every queue and job name of the product, in one place (producers and consumers import these). */
export enum QueueName {
  Upload = 'upload',
  Enrich = 'enrich',
  Pack = 'pack',
  /** FTP/FTPS/SFTP transfers: slow, so they never hold back the inspection of new uploads. */
  Distribute = 'distribute',
  /** Webhooks on release events (Discord, Slack, signed JSON), retried with backoff. */
  Notify = 'notify',
}

export enum JobName {
  Inspect = 'inspect',
  Enrich = 'enrich',
  Pack = 'pack',
  /** Sends a packed release to one destination (FTP, FTPS, SFTP). */
  Distribute = 'distribute',
  /** Sends one release event to one webhook. */
  Notify = 'notify',
}

/** Every queue; each has jobs, so workers run them all by default and health expects workers on each. */
export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

export function isQueueName(value: string): value is QueueName {
  return (ALL_QUEUES as readonly string[]).includes(value);
}
