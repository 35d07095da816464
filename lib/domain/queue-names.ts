/** Every queue and job name of the product, in one place (producers and consumers import these). */
export enum QueueName {
  Upload = 'upload',
  Enrich = 'enrich',
  Pack = 'pack',
  Maintenance = 'maintenance',
}

export enum JobName {
  Inspect = 'inspect',
  Enrich = 'enrich',
  Pack = 'pack',
  Maintenance = 'maintenance',
  /** Sends a packed release to one destination (FTP, FTPS, SFTP); runs on the upload queue. */
  Distribute = 'distribute',
}

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

/** Queues that have jobs today; workers run these by default and health expects workers on them. */
export const PIPELINE_QUEUES: readonly QueueName[] = [QueueName.Upload, QueueName.Enrich, QueueName.Pack];

export function isQueueName(value: string): value is QueueName {
  return (ALL_QUEUES as readonly string[]).includes(value);
}
