// The create dialog's engine data: the catalog with its facts, a template file's facts, the host's size.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/index.ts';

export function useCatalog() {
  return useQuery({ queryKey: ['catalog'], queryFn: () => api.listCatalog(), staleTime: 60_000 });
}

export function useHostInfo() {
  return useQuery({ queryKey: ['host'], queryFn: () => api.hostInfo(), staleTime: Number.POSITIVE_INFINITY });
}

/** A file's facts once its path is given; a path that does not load answers with the engine's error. */
export function useTemplateFileFacts(path: string) {
  return useQuery({
    queryKey: ['template-facts', path],
    queryFn: () => api.describeTemplate({ template: path }),
    enabled: path.trim() !== '',
    retry: false,
  });
}
