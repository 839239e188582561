// Engine data through react-query. Nothing polls: pushed events update the cached list (a
// status change is patched in place, a list change refetches), and every (re)connect of
// the WebSocket refetches what may have changed while no events flowed.
import { useEffect } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import type { ApiEvent, Instance } from '../../src-main/api/contract.ts';
import { api, socket } from '../api/index.ts';
import { useDownloads } from '../features/downloads/store.ts';

export const keys = { instances: ['instances'] as const, drivers: ['drivers'] as const, templates: ['templates'] as const };
/** An instance's port forwards (features/ports), asked for while it runs. */
export const portsKeyOf = (name: string) => ['ports', name] as const;

export function useTemplates() {
  return useQuery({ queryKey: keys.templates, queryFn: () => api.listTemplates(), staleTime: Number.POSITIVE_INFINITY });
}

export function useInstances() {
  return useQuery({
    queryKey: keys.instances,
    queryFn: () => api.listInstances(),
  });
}

export function useDrivers() {
  return useQuery({ queryKey: keys.drivers, queryFn: () => api.listDrivers(), staleTime: 60_000 });
}

/** Sets one instance's status in the cached list (pushed events, optimistic updates). */
export function patchInstance(client: QueryClient, name: string, patch: Partial<Instance>): void {
  client.setQueryData<Instance[]>(keys.instances, (list) => list?.map((i) => (i.name === name ? { ...i, ...patch } : i)));
}

function apply(client: QueryClient, event: ApiEvent): void {
  if (event.type === 'instance-status') {
    const known = client.getQueryData<Instance[]>(keys.instances)?.some((i) => i.name === event.name);
    // A VM that now runs has a new boot whose guest status only the list carries: ask for it.
    // Why one broke comes with the event, and a fact of an earlier break must not outlive it.
    if (known && event.state !== 'Running') {
      const { state, reason, configProblem, driverMissing, driverUnreachable } = event;
      patchInstance(client, event.name, { state, reason, configProblem, driverMissing, driverUnreachable });
    }
    if (!known || event.state === 'Running') void client.invalidateQueries({ queryKey: keys.instances });
  } else if (event.type === 'instances-changed') {
    void client.invalidateQueries({ queryKey: keys.instances });
  } else if (event.type === 'guest-status') {
    patchInstance(client, event.name, { guest: event.guest ?? undefined });
  } else if (event.type === 'ports-changed') {
    client.setQueryData(portsKeyOf(event.name), event.ports);
  } else if (event.type === 'download-progress') {
    const { type: _type, ...transfer } = event;
    useDownloads.getState().record(transfer);
  }
}

/** Mount once at the root: keeps the cache in step with the engine's events. */
export function useEngineEvents(): void {
  const client = useQueryClient();
  useEffect(() => {
    void socket.connect();
    const stopEvents = api.onEvent((event) => apply(client, event));
    const stopOpen = socket.onOpen(() => {
      void client.invalidateQueries({ queryKey: keys.instances });
      void client.invalidateQueries({ queryKey: ['ports'] }); // every instance's
    });
    return () => {
      stopEvents();
      stopOpen();
    };
  }, [client]);
}
