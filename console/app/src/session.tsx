import { createContext, ReactNode, useContext } from 'react';
import type { Me, Permission } from './types';

/** The logged-in user and what their role allows: pages hide or disable what it does not. */
const SessionContext = createContext<Me | undefined>(undefined);

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <SessionContext.Provider value={me}>{children}</SessionContext.Provider>;
}

export function useSession(): Me & { can: (permission: Permission) => boolean } {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useSession outside a session');
  return { ...me, can: (p) => me.permissions.includes(p) };
}
