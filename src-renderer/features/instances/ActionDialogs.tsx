// The page's shared dialogs for instance actions, mounted once beside the delete confirmation.
import { EditDialog } from './EditDialog.tsx';
import { ForceStopDialog } from './ForceStopDialog.tsx';
import { NameDialog } from './NameDialog.tsx';

export function ActionDialogs() {
  return (
    <>
      <ForceStopDialog />
      <NameDialog />
      <EditDialog />
    </>
  );
}
