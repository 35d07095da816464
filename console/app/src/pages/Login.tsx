import { FormEvent, useState } from 'react';
import { api, ApiError } from '../api';
import { Field } from '../ui';
import type { Me } from '../types';

export function LoginPage({ onLoggedIn, expired }: { onLoggedIn: (me: Me) => void; expired?: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onLoggedIn(await api<Me>('POST', '/session', { email, password }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'NETWORK', 'The server did not answer'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title" className="card">
        <h1 id="login-title">eBook Scene Packer</h1>
        {expired && <p className="banner">Your session has ended. Log in again to go on.</p>}
        <Field label="Email" error={error?.about('email')}>
          {(p) => <input {...p} type="text" name="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />}
        </Field>
        <Field label="Password" error={error?.about('password')}>
          {(p) => <input {...p} type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}
        </Field>
        {error && !error.details?.fields && (
          <p className="field-error" role="alert">
            {error.code === 'INVALID_CREDENTIALS' ? 'Wrong email or password.' : error.message}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}
