import { useEffect, useState } from 'react';
import { QueryClient } from '@tanstack/react-query';
import { get, SESSION_ENDED } from './api';
import type { Release, ReleaseEvent } from './types';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

/**
 * One EventSource per tab on GET /api/events. Release events update the cached release and its
 * list; a reconnect is the browser's own (it sends Last-Event-ID), and a `reset` reloads all.
 * `unauthorized` (the session ended, or releases:READ was taken away) closes it for good: the
 * browser would otherwise reconnect. A lost session goes to the login page, as a 401 does.
 */
export function useLiveEvents(client: QueryClient): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  useEffect(() => {
    const source = new EventSource('/api/events');
    let listTimer: ReturnType<typeof setTimeout> | undefined;
    const refreshLists = () => {
      clearTimeout(listTimer);
      listTimer = setTimeout(() => void client.invalidateQueries({ queryKey: ['releases'] }), 300);
    };
    const onRelease = (e: MessageEvent<string>) => {
      const event = JSON.parse(e.data) as Extract<ReleaseEvent, { type: 'release' }>;
      const { type: _t, releaseId, distributions: _d, ...state } = event;
      const before = client.getQueryData<{ release: Release }>(['release', releaseId]);
      client.setQueryData<{ release: Release }>(['release', releaseId], (old) => (old ? { release: { ...old.release, ...state } } : old));
      client.setQueryData<Record<string, typeof event>>(['live'], (old) => ({ ...old, [releaseId]: event }));
      // Files, validation and distributions come with the full release once it settles.
      if (!before || before.release.state !== event.state || ['done', 'failed', 'review'].includes(event.state)) void client.invalidateQueries({ queryKey: ['release', releaseId] });
      refreshLists();
    };
    source.onopen = () => setStatus('live');
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return setStatus('reconnecting');
      // A refused reconnect (401, 429) is not retried by the browser, and its status is not told:
      // asking the API who we are goes to the login page if that is why (a 401 does, api.ts).
      setStatus('off');
      void get('/auth/me').catch(() => undefined);
    };
    source.addEventListener('release', onRelease);
    source.addEventListener('release-deleted', (e) => {
      const { releaseId } = JSON.parse((e as MessageEvent<string>).data) as { releaseId: string };
      client.removeQueries({ queryKey: ['release', releaseId] });
      refreshLists();
    });
    source.addEventListener('upload', (e) => {
      const { uploadId } = JSON.parse((e as MessageEvent<string>).data) as { uploadId: string };
      void client.invalidateQueries({ queryKey: ['upload', uploadId] });
    });
    source.addEventListener('reset', () => void client.invalidateQueries());
    source.addEventListener('unauthorized', (e) => {
      source.close();
      setStatus('off');
      const { code } = JSON.parse((e as MessageEvent<string>).data) as { code: string };
      if (code === 'FORBIDDEN') void client.invalidateQueries({ queryKey: ['me'] });
      else window.dispatchEvent(new Event(SESSION_ENDED));
    });
    return () => {
      clearTimeout(listTimer);
      source.close();
    };
  }, [client]);
  return status;
}
