// Runs a lifecycle action: shows a hint of the transient status at once, then lets the engine's
// pushed events (it announces Starting or Stopping, then the result; a refetch on failure) say
// what really happens; failures show the engine's message.
// Every caller shares one mutation key, so which instances are busy is known in one place
// (the list asks once for all its rows instead of each row holding its own mutation).
import { useCallback, useMemo } from 'react';
import { useMutation, useMutationState, useQueryClient } from '@tanstack/react-query';
import type { Instance } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys, patchInstance } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { actionSpec } from './actions.ts';
import { isReportedDownloadFailure } from '../downloads/failure.ts';
import type { ActionId } from './actions.ts';

interface ActionCall {
  id: ActionId;
  instance: Instance;
}

const actionKey = ['instance-action'] as const;

function run({ id, instance }: ActionCall): Promise<unknown> {
  switch (id) {
    case 'start': return api.start({ name: instance.name });
    case 'stop': return api.stop({ name: instance.name });
    case 'force-stop': return api.stop({ name: instance.name, force: true });
    case 'pause': return api.pause({ name: instance.name });
    case 'resume': return api.resume({ name: instance.name });
    // A running instance is deleted only after the user confirmed; force is what they agreed to.
    case 'delete': return api.delete({ name: instance.name, force: instance.state !== 'Stopped' });
  }
}

export function useInstanceAction() {
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  return useMutation({
    mutationKey: actionKey,
    mutationFn: run,
    onMutate: ({ id, instance }: ActionCall) => {
      notify(undefined);
      const hint = actionSpec(id).pendingHint;
      if (hint) patchInstance(client, instance.name, { state: hint });
    },
    onError: (error, { id, instance }) => {
      // A failed download is said once, on its line with Retry (features/downloads).
      if (!isReportedDownloadFailure(error)) notify({ kind: 'error', text: `${actionSpec(id).label} ${instance.name}: ${errorMessage(error)}`, instance: instance.name });
      void client.invalidateQueries({ queryKey: keys.instances });
    },
  });
}

/**
 * What a row's buttons call, the same function for every row (so memoized rows stay put):
 * delete asks first in the one shared confirmation dialog, the rest run at once.
 */
export function usePerformAction(): (id: ActionId, instance: Instance) => void {
  const { mutate } = useInstanceAction();
  const askDelete = useUi((s) => s.askDelete);
  return useCallback((id, instance) => {
    if (id === 'delete') askDelete(instance.name);
    else mutate({ id, instance });
  }, [mutate, askDelete]);
}

/** Names of the instances with a lifecycle action in flight, from every caller. */
export function useBusyInstances(): ReadonlySet<string> {
  const names = useMutationState({
    filters: { mutationKey: actionKey, status: 'pending' },
    select: (mutation) => (mutation.state.variables as ActionCall | undefined)?.instance.name ?? '',
  });
  const joined = names.join('\n');
  return useMemo(() => new Set(joined.split('\n')), [joined]);
}
