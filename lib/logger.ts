import fs from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';
import type { Config } from './config';
import { currentContext } from './request-context';
import { redact, redactString } from './redact';

export type Logger = winston.Logger;

const SPLAT = Symbol.for('splat');

/** Adds the request/job id from the async context and strips secrets from message and metadata. */
const contextAndRedaction = winston.format((info) => {
  const context = currentContext();
  if (context?.requestId && !info.requestId) info.requestId = context.requestId;
  if (context?.releaseId && !info.releaseId) info.releaseId = context.releaseId;
  if (context?.jobId && !info.jobId) {
    info.jobId = context.jobId;
    info.queue = context.queue;
  }
  if (typeof info.message === 'string') info.message = redactString(info.message);
  const { level: _level, message: _message, ...meta } = info;
  Object.assign(info, redact(meta));
  delete (info as Record<symbol, unknown>)[SPLAT];
  return info;
});

const readable = winston.format.printf(({ level, message, timestamp, ...meta }) => {
  const extra = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
  return `${timestamp} ${level} ${message}${extra}`;
});

export interface LoggerOptions {
  /** Extra transports (tests use a stream transport to read what was logged). */
  transports?: winston.transport[];
  console?: boolean;
}

export function createLogger(config: Pick<Config, 'env' | 'log'>, options: LoggerOptions = {}): Logger {
  fs.mkdirSync(path.dirname(config.log.file), { recursive: true });
  const json = winston.format.combine(winston.format.timestamp(), contextAndRedaction(), winston.format.json());
  const transports: winston.transport[] = [
    // One file per day (app-YYYY-MM-DD.log). Writers only ever append, so no line is lost when the
    // day changes; the scheduler compresses past days and deletes those past retention.
    new DailyRotateFile({
      filename: datedLogPattern(config.log.file),
      datePattern: 'YYYY-MM-DD',
      utc: true,
      zippedArchive: false,
      createSymlink: false,
      auditFile: path.join(path.dirname(config.log.file), '.log-audit.json'),
      format: json,
    }),
  ];
  if (options.console ?? config.env !== 'test') {
    const consoleFormat =
      config.env === 'production'
        ? json
        : winston.format.combine(winston.format.timestamp(), contextAndRedaction(), winston.format.colorize(), readable);
    transports.push(new winston.transports.Console({ format: consoleFormat }));
  }
  transports.push(...(options.transports ?? []).map((t) => Object.assign(t, { format: t.format ?? json })));
  return winston.createLogger({ level: config.log.level, transports });
}

/** /var/log/app/app.log -> /var/log/app/app-%DATE%.log */
export function datedLogPattern(logFile: string): string {
  const ext = path.extname(logFile) || '.log';
  return path.join(path.dirname(logFile), `${path.basename(logFile, ext)}-%DATE%${ext}`);
}
