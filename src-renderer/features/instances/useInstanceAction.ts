// Runs a lifecycle action: shows the transient status at once, then lets the engine's pushed
// event (or a refetch on failure) say what really happened; failures show the engine's message.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Instance } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys, patchInstance } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { actionSpec } from './actions.ts';
import type { ActionId } from './actions.ts';

function run(id: ActionId, instance: Instance): Promise<unknown> {
  switch (id) {
    case 'start': return api.start(instance.name);
    case 'stop': return api.stop(instance.name);
    case 'force-stop': return api.stop(instance.name, { force: true });
    case 'pause': return api.pause(instance.name);
    case 'resume': return api.resume(instance.name);
    // A running instance is deleted only after the user confirmed; force is what they agreed to.
    case 'delete': return api.delete(instance.name, { force: instance.state !== 'Stopped' });
  }
}

export function useInstanceAction() {
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  return useMutation({
    mutationFn: ({ id, instance }: { id: ActionId; instance: Instance }) => run(id, instance),
    onMutate: ({ id, instance }) => {
      notify(undefined);
      const pending = actionSpec(id).pendingState;
      if (pending) patchInstance(client, instance.name, { state: pending });
    },
    onError: (error, { id, instance }) => {
      notify({ kind: 'error', text: `${actionSpec(id).label} ${instance.name}: ${errorMessage(error)}` });
      void client.invalidateQueries({ queryKey: keys.instances });
    },
  });
}
