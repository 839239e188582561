// The guest's host name, in a module of its own: the host agent's port rules need it
// ({{.Hostname}}), and must not load the cloud-config writer (the YAML library) to get it.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

/** A host name from an instance name: one DNS label, as cloud-init and systemd accept it. */
export function hostnameFor(name: string): string {
  const label = name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  if (!label) throw new DriverError('INVALID_NAME', `no host name can be made from "${name}"`, { name });
  return label;
}
