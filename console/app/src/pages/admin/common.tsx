import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, get } from '../../api';

/** A managed resource's list (GET /api/<key>) and its create call, refreshing the list. */
export function useResource<T>(key: string, listKey = key) {
  const client = useQueryClient();
  const list = useQuery({ queryKey: [key], queryFn: () => get<Record<string, T[]>>(`/${key}?pageSize=100`), select: (d) => d[listKey] });
  const create = useMutation({ mutationFn: (body: unknown) => api('POST', `/${key}`, body), onSuccess: () => client.invalidateQueries({ queryKey: [key] }) });
  const update = useMutation({ mutationFn: ({ id, body }: { id: number | string; body: unknown }) => api('PATCH', `/${key}/${id}`, body), onSuccess: () => client.invalidateQueries({ queryKey: [key] }) });
  return { list, create, update, refresh: () => client.invalidateQueries({ queryKey: [key] }) };
}

export const fieldError = (error: unknown, field: string) => (error instanceof ApiError ? error.about(field) : undefined);
export const otherError = (error: unknown) => (error instanceof ApiError && error.details?.fields ? undefined : error);
