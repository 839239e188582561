// The trust prompt: what a bundle asks for, who signed it, and whether the sandbox will hold
// it to that. The same text is shown by the CLI (`corral driver install`) and the desktop
// dialog, so a user reads the same facts wherever they install from.
import type { Signer } from './keys.ts';
import type { Manifest } from './manifest.ts';

/** Whether this host can enforce a bundle's permissions, and if not, why. */
export type SandboxSupport = { enforced: true; by: string } | { enforced: false; reason: string };

export interface TrustPrompt {
  name: string;
  version: string;
  description: string;
  signer: Signer;
  permissions: Manifest['permissions'];
  sandbox: SandboxSupport;
  /** Replaces this installed version, if any. */
  replaces: string | null;
  /** The prompt as plain text, one fact a line. */
  text: string;
}

/** What `"ssh": true` grants, in the words of the trust terms (CLI and dialog). */
export const SSH_GRANT_TEXT = 'log in to other hosts as you: your ~/.ssh read-only (keys, known_hosts, config) and your SSH agent';

export function signerLine(signer: Signer): string {
  if (signer.kind === 'unsigned') return 'UNSIGNED: nobody vouches for this bundle';
  if (signer.kind === 'trusted') return `signed by ${signer.name} (${signer.fingerprint})`;
  return `signed by an UNKNOWN key ${signer.fingerprint} (not in your trusted keys)`;
}

export function trustPrompt(manifest: Manifest, signer: Signer, sandbox: SandboxSupport, replaces: string | null): TrustPrompt {
  const p = manifest.permissions;
  const list = (items: string[]) => (items.length ? items.join(', ') : 'nothing');
  const lines = [
    `Install driver ${manifest.name} ${manifest.version}${replaces ? ` (replacing ${replaces})` : ''}?`,
    `  ${manifest.description}`,
    `  ${signerLine(signer)}`,
    'It asks to:',
    `  read:     ${list(p.read)}`,
    `  write:    ${list(p.write)} (besides its instance folders and cache)`,
    `  run:      ${list(p.exec)}`,
    ...(p.spawn?.length ? [`  start:    ${list(p.spawn)} (through Corral's broker: kept running after the driver exits, reaching only the files above)`] : []),
    `  network:  ${p.network ? 'yes' : 'no'}`,
    ...(p.ssh ? [`  ssh:      ${SSH_GRANT_TEXT}`] : []),
    sandbox.enforced
      ? `Sandbox: enforced (${sandbox.by}); the driver gets only the above.`
      : `UNSANDBOXED: ${sandbox.reason}. The driver will run with all of your user's rights, whatever it asks for.`,
  ];
  return { name: manifest.name, version: manifest.version, description: manifest.description, signer, permissions: p, sandbox, replaces, text: lines.join('\n') };
}
