import '@fontsource/dejavu-mono/400.css';
import './styles.css';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, get, SESSION_ENDED } from './api';
import { Link, match, navigate, Router, useLocation } from './router';
import { SessionProvider, useSession } from './session';
import { ErrorBanner } from './ui';
import { useLiveEvents } from './live';
import type { Me } from './types';
import { LoginPage } from './pages/Login';
import { NewReleasePage } from './pages/NewRelease';
import { ReleasePage } from './pages/Release';
import { ReleasesPage } from './pages/Releases';
import { ADMIN_PAGES, AdminPage } from './pages/admin/Admin';

const client = new QueryClient({ defaultOptions: { queries: { retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2, refetchOnWindowFocus: false } } });

function Pages() {
  const { path } = useLocation();
  const release = match('/releases/:id', path);
  const admin = match('/manage/:section', path);
  if (path === '/' || path === '/new') return <NewReleasePage />;
  if (path === '/releases') return <ReleasesPage />;
  if (release) return <ReleasePage id={release.id} />;
  if (admin || path === '/manage') return <AdminPage section={admin?.section ?? 'users'} />;
  return (
    <main>
      <h1>Not found</h1>
      <p>
        There is no page at {path}. <Link to="/">Make a new release</Link>.
      </p>
    </main>
  );
}

function Shell() {
  const { user, permissions, can } = useSession();
  const queryClient = useQueryClient();
  const live = useLiveEvents(queryClient);
  const admin = ADMIN_PAGES.some((p) => can(p.permission));
  const logout = async () => {
    await api('DELETE', '/session').catch(() => undefined);
    queryClient.clear();
    navigate('/login', true);
    window.location.reload();
  };
  return (
    <>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          ESP
        </Link>
        <nav aria-label="Main">
          {can('releases:WRITE') && <Link to="/">New release</Link>}
          <Link to="/releases">Releases</Link>
          {admin && <Link to="/manage">Admin</Link>}
        </nav>
        <span className={`live ${live}`} title={`Live updates: ${live}`} aria-live="polite">
          {live}
        </span>
        <details className="user-menu">
          <summary aria-label={`User menu for ${user.email}`}>
            {user.email} <span className="role">{user.role}</span>
          </summary>
          <div className="menu">
            <p>
              Signed in as <strong>{user.email}</strong>, role <strong data-testid="role">{user.role}</strong> ({permissions.length} permissions)
            </p>
            <button type="button" onClick={logout}>
              Log out
            </button>
          </div>
        </details>
      </header>
      <div id="content">
        <Pages />
      </div>
    </>
  );
}

function App() {
  const [ended, setEnded] = useState(false);
  // A 401 means no session: the login page. Anything else (the server busy or unreachable) is retried
  // like any query, then shown as such: it must not pass for a logout.
  const me = useQuery({ queryKey: ['me'], queryFn: () => get<Me>('/auth/me'), staleTime: 60_000 });
  useEffect(() => {
    const onEnded = () => setEnded(true);
    window.addEventListener(SESSION_ENDED, onEnded);
    return () => window.removeEventListener(SESSION_ENDED, onEnded);
  }, []);
  const { path } = useLocation();
  if (me.isPending) return <p className="loading">Loading…</p>;
  if (!me.data && me.error && !(me.error instanceof ApiError && me.error.status === 401)) {
    return (
      <main>
        <h1>Your session could not be checked</h1>
        <ErrorBanner error={me.error} />
        <button type="button" onClick={() => void me.refetch()} disabled={me.isFetching}>
          Try again
        </button>
      </main>
    );
  }
  if (!me.data || ended) {
    return (
      <LoginPage
        expired={ended && !!me.data}
        onLoggedIn={(data) => {
          client.setQueryData(['me'], data);
          setEnded(false);
          if (path === '/login') navigate('/', true);
        }}
      />
    );
  }
  if (path === '/login') navigate('/', true);
  return (
    <SessionProvider me={me.data}>
      <Shell />
    </SessionProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <Router>
        <App />
      </Router>
    </QueryClientProvider>
  </StrictMode>,
);
