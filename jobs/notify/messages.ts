import type { ReleaseEvent, ReleaseEventPayload, WebhookKind } from '../../lib/domain/release-events';

const TITLES: Record<ReleaseEvent, string> = {
  'release.done': 'Release packed',
  'release.failed': 'Release failed',
  'release.review': 'Release held for review',
  'release.distributed': 'Release distributed',
  'release.distribution_failed': 'Distribution failed',
};

/** Discord embed colours: green for good news, red for failures, amber for a person's attention. */
const COLOURS: Record<ReleaseEvent, number> = {
  'release.done': 0x2ecc71,
  'release.failed': 0xe74c3c,
  'release.review': 0xf1c40f,
  'release.distributed': 0x3498db,
  'release.distribution_failed': 0xe74c3c,
};

/** The body each kind of webhook expects for one event. */
export function messageFor(kind: WebhookKind, payload: ReleaseEventPayload): unknown {
  if (kind === 'generic') return payload;
  const title = TITLES[payload.event];
  const lines = detailLines(payload);
  if (kind === 'slack') {
    return {
      text: `${title}: ${subjectOf(payload)}`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: [`*${title}*`, ...lines].join('\n') } }],
    };
  }
  return {
    username: 'eBook Scene Packer',
    embeds: [
      {
        title,
        description: lines.join('\n').slice(0, 4000),
        color: COLOURS[payload.event],
        timestamp: payload.occurredAt,
        fields: [
          { name: 'Release', value: subjectOf(payload).slice(0, 1024), inline: false },
          { name: 'Release id', value: payload.release.id, inline: false },
          { name: 'State', value: payload.release.state, inline: true },
          ...(payload.release.group ? [{ name: 'Group', value: payload.release.group, inline: true }] : []),
        ],
      },
    ],
  };
}

const subjectOf = (payload: ReleaseEventPayload): string => payload.release.name ?? `release ${payload.release.id}`;

function detailLines(payload: ReleaseEventPayload): string[] {
  // The id is what `npm run story -- <id>` takes.
  const lines = [subjectOf(payload), `id: ${payload.release.id}`];
  if (payload.distribution) lines.push(`destination: ${payload.distribution.destination}`);
  const error = payload.distribution?.error ?? payload.release.error;
  if (error && payload.event !== 'release.done' && payload.event !== 'release.distributed') lines.push(`reason: ${error}`);
  for (const reason of payload.release.reviewReasons) lines.push(`review: ${reason}`);
  return lines;
}
