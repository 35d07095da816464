import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, get } from '../../api';
import { useSession } from '../../session';
import { ErrorBanner } from '../../ui';

interface Setting {
  key: string;
  category: string;
  description: string;
  secret: boolean;
  source: 'environment' | 'database' | 'unset';
  value: string | null;
}

/** Runtime settings and provider keys; secrets are write-only (the API never answers them). */
export function SettingsAdmin() {
  const { can } = useSession();
  const client = useQueryClient();
  const settings = useQuery({ queryKey: ['configurations'], queryFn: () => get<{ configurations: Setting[] }>('/configurations'), select: (d) => d.configurations });
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (key: string) => api('PUT', `/configurations/${encodeURIComponent(key)}`, { value: drafts[key] }),
    onSuccess: (_d, key) => {
      setDrafts((d) => ({ ...d, [key]: '' }));
      void client.invalidateQueries({ queryKey: ['configurations'] });
    },
  });
  return (
    <section aria-labelledby="settings-h">
      <h2 id="settings-h">Settings and provider keys</h2>
      <div className="table-wrap">
        <table>
          <thead><tr><th scope="col">Setting</th><th scope="col">Value</th><th scope="col">New value</th></tr></thead>
          <tbody>
            {(settings.data ?? []).map((s) => (
              <tr key={s.key}>
                <td><code>{s.key}</code><br /><small className="hint">{s.description}</small></td>
                <td>{s.secret ? (s.source === 'unset' ? 'not set' : `set (${s.source})`) : `${s.value ?? '—'} (${s.source})`}</td>
                <td>
                  {can('configurations:WRITE') && s.source !== 'environment' && (
                    <form className="inline" onSubmit={(e) => (e.preventDefault(), save.mutate(s.key))}>
                      <input aria-label={`New value of ${s.key}`} type={s.secret ? 'password' : 'text'} autoComplete="off" value={drafts[s.key] ?? ''} onChange={(e) => setDrafts({ ...drafts, [s.key]: e.target.value })} />
                      <button type="submit" disabled={!drafts[s.key]}>Save</button>
                      {save.variables === s.key && save.error instanceof ApiError && <small className="field-error" role="alert">{save.error.message}</small>}
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorBanner error={settings.error} />
    </section>
  );
}
