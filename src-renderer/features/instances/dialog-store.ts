// Which action dialog is open (clone, rename, edit, force stop, restart of a Broken one) and for which instance: one
// of each for the whole page, opened from any row's menu or from the instance page.
import { create } from 'zustand';

export type AskingAction = 'clone' | 'rename' | 'edit' | 'force-stop' | 'restart';

interface ActionDialogState {
  asking: { action: AskingAction; name: string } | undefined;
  ask(action: AskingAction, name: string): void;
  close(): void;
}

export const useActionDialog = create<ActionDialogState>((set) => ({
  asking: undefined,
  ask: (action, name) => set({ asking: { action, name } }),
  close: () => set({ asking: undefined }),
}));
