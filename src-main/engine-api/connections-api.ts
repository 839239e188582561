// The Connections view's calls over the engine's core/connections.
import type { CorralApi } from '../api/contract.ts';
import type { Engine } from '../core/engine.ts';

/** A URI names a libvirt connection unless the caller names another driver. */
const URI_DRIVER = 'libvirt';

export function connectionsApi(engine: Engine): Pick<CorralApi, 'listConnections' | 'addConnection' | 'testConnection' | 'removeConnection'> {
  return {
    listConnections: () => engine.connections.list(),
    addConnection: ({ name, uri, driver }) => engine.connections.add(name, driver ?? URI_DRIVER, { uri }),
    testConnection: ({ name }) => engine.connections.test(name),
    removeConnection: ({ name }) => engine.connections.remove(name),
  };
}
