import type { Logger } from '../../lib/logger';

export type AlertFormat = 'slack' | 'discord' | 'pagerduty';

export interface HealthWatchOptions {
  healthUrl: string;
  timeoutMs: number;
  /** Consecutive failures that raise the alert; the plan says "more than 2". */
  failuresBeforeAlert: number;
  webhookUrl?: string;
  format: AlertFormat;
  pagerDutyRoutingKey?: string;
  logger: Logger;
}

/**
 * Calls GET /health on each tick. After more than two failures in a row it sends one alert, and
 * one recovery message when the check passes again: a long outage is one alert, not a storm.
 */
export class HealthWatch {
  private failures = 0;
  private alerting = false;

  constructor(private readonly options: HealthWatchOptions) {}

  async tick(): Promise<'ok' | 'failing' | 'alerted' | 'recovered'> {
    const problem = await this.check();
    if (!problem) {
      this.failures = 0;
      if (!this.alerting) return 'ok';
      this.alerting = false;
      await this.notify(false, 'eBook Scene Packer health check passes again');
      return 'recovered';
    }
    this.failures++;
    this.options.logger.warn('health check failed', { consecutive: this.failures, problem });
    if (this.alerting || this.failures <= this.options.failuresBeforeAlert) return 'failing';
    this.alerting = true;
    await this.notify(true, `eBook Scene Packer health check failed ${this.failures} times in a row: ${problem}`);
    return 'alerted';
  }

  private async check(): Promise<string | undefined> {
    try {
      const response = await fetch(this.options.healthUrl, { signal: AbortSignal.timeout(this.options.timeoutMs) });
      if (response.ok) return undefined;
      const body = (await response.json().catch(() => ({}))) as { components?: Record<string, { status: string }> };
      const down = Object.entries(body.components ?? {})
        .filter(([, c]) => c.status === 'down')
        .map(([name]) => name);
      return `HTTP ${response.status}${down.length ? ` (${down.join(', ')} down)` : ''}`;
    } catch (err) {
      return (err as Error).name === 'TimeoutError' ? 'no answer' : 'unreachable';
    }
  }

  private async notify(failing: boolean, text: string): Promise<void> {
    const { webhookUrl, logger } = this.options;
    logger[failing ? 'error' : 'info'](text);
    if (!webhookUrl) return;
    try {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(this.payload(failing, text)),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) logger.warn('alert webhook refused the message', { status: response.status });
    } catch (err) {
      logger.warn('alert webhook unreachable', { error: (err as Error).message });
    }
  }

  /** Slack and Discord incoming webhooks, and PagerDuty Events API v2 (trigger/resolve by one dedup key). */
  private payload(failing: boolean, text: string): unknown {
    switch (this.options.format) {
      case 'slack':
        return { text: `${failing ? ':rotating_light:' : ':white_check_mark:'} ${text}` };
      case 'discord':
        return { content: `${failing ? '🚨' : '✅'} ${text}` };
      case 'pagerduty':
        return {
          routing_key: this.options.pagerDutyRoutingKey,
          event_action: failing ? 'trigger' : 'resolve',
          dedup_key: 'ebook-scene-packer-health',
          payload: { summary: text, source: new URL(this.options.healthUrl).host, severity: 'critical' },
        };
    }
  }
}
