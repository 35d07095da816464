import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get } from './api';
import { useSession } from './session';
import type { DestinationRow, GroupRow, Permission, RuleRow, TemplateRow } from './types';

type Listed<K extends string, T> = Record<K, T[]>;

/** A resource list for a select, fetched only when the user may read it. */
function useList<K extends string, T>(key: K, permission: Permission) {
  const { can } = useSession();
  return useQuery({
    queryKey: [key],
    queryFn: () => get<Listed<K, T>>(`/${key}?pageSize=100`),
    enabled: can(permission),
    staleTime: 30_000,
    select: (data) => data[key],
  });
}

export const useGroups = () => useList<'groups', GroupRow & { members?: { id: number }[] }>('groups', 'groups:READ');
export const useRules = () => useList<'rules', RuleRow>('rules', 'rules:READ');
export const useTemplates = () => useList<'templates', TemplateRow>('templates', 'templates:READ');
export const useDestinations = () => useList<'destinations', DestinationRow>('destinations', 'destinations:READ');

/** Debounced copy of a value: previews are asked for once typing pauses. */
export function useDebounced<T>(value: T, ms = 400): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}
