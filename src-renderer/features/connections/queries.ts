// The connections list through react-query; adding or removing one refetches it (and the
// instance list, whose rows name their connection).
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/index.ts';

export const connectionsKey = ['connections'] as const;

export function useConnections() {
  return useQuery({ queryKey: connectionsKey, queryFn: () => api.listConnections(), staleTime: 30_000 });
}
