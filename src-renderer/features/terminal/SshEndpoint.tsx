// Where SSH reaches the guest (user@127.0.0.1 -p PORT, the port forwarded at its last start)
// and the `corral shell NAME` command, with a copy button, for a shell outside the app. The
// address is known from the first second of a boot, minutes before sshd answers: until SSH has
// let the host agent in, it says so beside it.
import { useState } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { errorMessage } from '../../api/errors.ts';
import { sshAnswered } from './TerminalPanel.tsx';

/** A name as one POSIX shell word: instance names are plain, but a copied command must be exact. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function SshEndpoint({ instance }: { instance: Instance }) {
  const [copied, setCopied] = useState('');
  const ssh = instance.ssh;
  if (!ssh) return null;
  const command = `corral shell ${shellWord(instance.name)}`;
  const notYet = instance.state === 'Running' && instance.guest !== undefined && !sshAnswered(instance.guest);
  const copy = (): void => {
    navigator.clipboard.writeText(command).then(
      () => setCopied('Copied.'),
      (error: unknown) => setCopied(`Could not copy (${errorMessage(error)}): select the command and copy it.`),
    );
  };
  return (
    <p className="ssh-endpoint" data-testid="ssh-endpoint">
      <span>SSH: <code>{`${ssh.user}@${ssh.host} -p ${ssh.port}`}</code></span>
      {notYet ? <span className="console-status" data-testid="ssh-not-yet">Answers once the guest is up; it is still starting.</span> : null}
      <code className="command" aria-label="Shell command">{command}</code>
      <button type="button" onClick={copy}>Copy command</button>
      <span aria-live="polite" className="console-status">{copied}</span>
    </p>
  );
}
