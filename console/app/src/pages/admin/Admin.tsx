import { ReactNode } from 'react';
import { Link } from '../../router';
import { useSession } from '../../session';
import { Empty } from '../../ui';
import type { Permission } from '../../types';
import { UsersAdmin } from './Users';
import { RolesAdmin } from './Roles';
import { GroupsAdmin } from './Groups';
import { RulesAdmin } from './Rules';
import { TemplatesAdmin } from './Templates';
import { DestinationsAdmin } from './Destinations';
import { SettingsAdmin } from './Settings';

export const ADMIN_PAGES: { section: string; title: string; permission: Permission; page: () => ReactNode }[] = [
  { section: 'users', title: 'Users', permission: 'users:READ', page: UsersAdmin },
  { section: 'roles', title: 'Roles', permission: 'roles:READ', page: RolesAdmin },
  { section: 'groups', title: 'Groups', permission: 'groups:WRITE', page: GroupsAdmin },
  { section: 'rules', title: 'Rules', permission: 'rules:WRITE', page: RulesAdmin },
  { section: 'templates', title: 'NFO templates', permission: 'templates:WRITE', page: TemplatesAdmin },
  { section: 'destinations', title: 'Destinations', permission: 'destinations:WRITE', page: DestinationsAdmin },
  { section: 'settings', title: 'Settings', permission: 'configurations:READ', page: SettingsAdmin },
];

/** The admin area: one page per resource, each shown only to users who may manage it. */
export function AdminPage({ section }: { section: string }) {
  const { can } = useSession();
  const pages = ADMIN_PAGES.filter((p) => can(p.permission));
  const page = pages.find((p) => p.section === section) ?? (section === 'users' ? pages[0] : undefined);
  return (
    <main className="admin">
      <h1>Admin</h1>
      <nav aria-label="Admin sections" className="tabs">
        {pages.map((p) => (
          <Link key={p.section} to={`/manage/${p.section}`} aria-current={p === page ? 'page' : undefined}>
            {p.title}
          </Link>
        ))}
        {can('queues:MOD') && (
          <>
            <a href="/admin/queues">Bull Board</a>
            <a href="/admin">Ops dashboard</a>
          </>
        )}
      </nav>
      {page ? <page.page /> : <Empty title="Nothing to manage here">Your role has no permission for this page.</Empty>}
    </main>
  );
}
