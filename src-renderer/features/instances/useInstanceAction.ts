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
import { actionName, actionSpec } from './actions.ts';
import { isReportedDownloadFailure } from '../downloads/failure.ts';
import type { ActionId } from './actions.ts';
import { useActionDialog } from './dialog-store.ts';

/** The actions that run straight from a click or a confirmation; clone, rename and edit run from their dialogs. */
export type RunnableAction = Exclude<ActionId, 'clone' | 'rename' | 'edit'>;

interface ActionCall {
  id: RunnableAction;
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
    case 'restart': return api.restart({ name: instance.name });
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
    onSuccess: (_result, { id, instance }) => {
      // A restart passes through Stopped back to Running: without a word it looks like nothing happened.
      if (id === 'restart') notify({ kind: 'info', text: `Restarted ${instance.name}.`, instance: instance.name });
    },
    onError: (error, { id, instance }) => {
      // A failed download is said once, on its line with Retry (features/downloads).
      if (!isReportedDownloadFailure(error)) notify({ kind: 'error', text: `${actionName(id, instance.name)}: ${errorMessage(error)}`, instance: instance.name });
      void client.invalidateQueries({ queryKey: keys.instances });
    },
  });
}

/**
 * What a row's buttons call, the same function for every row (so memoized rows stay put):
 * delete, force stop, clone, rename and edit open their one shared dialog; the rest run at once.
 */
export function usePerformAction(): (id: ActionId, instance: Instance) => void {
  const { mutate } = useInstanceAction();
  const askDelete = useUi((s) => s.askDelete);
  const ask = useActionDialog((s) => s.ask);
  return useCallback((id, instance) => {
    if (id === 'delete') askDelete(instance.name);
    else if (id === 'clone' || id === 'rename' || id === 'edit' || id === 'force-stop') ask(id, instance.name);
    else mutate({ id, instance });
  }, [mutate, askDelete, ask]);
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
