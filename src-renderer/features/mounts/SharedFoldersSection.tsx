// The instance's shared folders (lima.yaml `mounts`, as the driver serves them): which host
// folder the guest sees where, whether the guest may write to it, and over what (9p, virtiofs).
// They come with the instance (its `mounts`): an engine that does not send them shows nothing.
// When Lima's default folders could not be shared, the engine says why (`mountsSkipped`).
import type { Instance } from '../../../src-main/api/contract.ts';

export function SharedFoldersSection({ instance }: { instance: Instance }) {
  const { mounts } = instance;
  if (!mounts) return null;
  return (
    <section aria-labelledby="mounts-title" className="panel-section">
      <h2 id="mounts-title">Shared folders</h2>
      {mounts.length === 0 ? <p>{instance.mountsSkipped === undefined ? 'No folders are shared with the guest.' : `No folders are shared with the guest: ${instance.mountsSkipped}.`}</p> : (
        <ul className="shared-folders" data-testid="shared-folders">
          {mounts.map((mount) => (
            <li key={mount.guestPath}>
              <code>{mount.hostPath}</code>
              <span aria-label="shared as"> → </span>
              <code>{mount.guestPath}</code>
              <span className="console-status">{` ${mount.writable ? 'writable' : 'read-only'}, ${mount.type}`}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
