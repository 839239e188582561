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

/** Runs the action; resolves to its warnings (what a delete's driver could not remove), none for the rest. */
async function run({ id, instance }: ActionCall): Promise<readonly string[]> {
  const { name } = instance;
  switch (id) {
    case 'start': await api.start({ name }); break;
    case 'stop': await api.stop({ name }); break;
    case 'force-stop': await api.stop({ name, force: true }); break;
    case 'pause': await api.pause({ name }); break;
    case 'resume': await api.resume({ name }); break;
    // A Broken VM cannot shut down: its restart ends it at once, which the user confirmed (actionSpec).
    case 'restart': await api.restart({ name, force: instance.state === 'Broken' }); break;
    // A running instance is deleted only after the user confirmed; force is what they agreed to.
    case 'delete': return (await api.delete({ name, force: instance.state !== 'Stopped' })).warnings;
  }
  return [];
}

export function useInstanceAction() {
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  return useMutation({
    mutationKey: actionKey,
    mutationFn: run,
    onMutate: ({ id, instance }: ActionCall) => {
      notify(undefined);
      const hint = actionSpec(id, instance.state).pendingHint;
      if (hint) patchInstance(client, instance.name, { state: hint });
    },
    onSuccess: (warnings, { id, instance }) => {
      // A restart passes through Stopped back to Running: without a word it looks like nothing happened.
      if (id === 'restart') notify({ kind: 'info', text: `Restarted ${instance.name}.`, instance: instance.name });
      // What its driver could not delete outside the folder: the instance is gone, so only this says it.
      if (warnings.length) notify({ kind: 'warning', text: `Deleted ${instance.name}.${warnings.map((warning) => ` Warning: ${warning}`).join('')}` });
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
    else if (id === 'restart' && actionSpec(id, instance.state).asks) ask('restart', instance.name);
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
