// The instance's port forwards: host address to guest port, whether static (a portForwards
// rule) or discovered (a guest program opened it), with the ports that could not be forwarded
// and why. Every TCP forward is offered as an http:// link (most forwarded ports are web
// servers; the port is shown beside it for anything else); a UDP one is marked UDP, no link. ports.json changes when guest
// programs open and close ports: the engine pushes the new list (a ports-changed event,
// state/queries.ts), so nothing here asks again. Only a running instance has forwards: the list
// is asked for as it enters Running, not at every other state change (a Start click's Starting,
// beside the booting VM).
import { useQuery } from '@tanstack/react-query';
import type { Instance, InstancePortsInfo } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { portsKeyOf } from '../../state/queries.ts';
import { useOnline } from '../connection/store.ts';

type Forward = InstancePortsInfo['forwards'][number];

/** The page to open for a TCP forward: a wildcard host address is reached on loopback. */
export function forwardUrl(forward: Forward): string {
  const host = forward.hostIP === '0.0.0.0' || forward.hostIP === '::' ? '127.0.0.1' : forward.hostIP;
  return `http://${host.includes(':') ? `[${host}]` : host}:${forward.hostPort}/`;
}

function HostSide({ forward, live }: { forward: Forward; live: boolean }) {
  if (forward.hostSocket) return <code>{forward.hostSocket}</code>;
  const address = `${forward.hostIP}:${forward.hostPort}`;
  if (!live || forward.proto === 'udp') return <code>{address}</code>; // a UDP port is no web page
  return <a href={forwardUrl(forward)} target="_blank" rel="noreferrer" data-testid={`port-link-${forward.hostPort}`}>{forwardUrl(forward)}</a>;
}

export function PortsSection({ instance }: { instance: Instance }) {
  const running = instance.state === 'Running';
  const ports = useQuery({ queryKey: portsKeyOf(instance.name), queryFn: () => api.ports({ name: instance.name }), enabled: running });
  const data = running ? ports.data : undefined;
  const online = useOnline();
  return (
    <section aria-labelledby="ports-title" className="panel-section">
      <h2 id="ports-title">Ports</h2>
      {running ? null : <p className="console-status">{`${instance.name} is ${instance.state}: nothing is forwarded.`}</p>}
      {running && ports.isPending ? <p role="status">Loading port forwards…</p> : null}
      {/* Unreachable: the banner says so; an error here would only repeat it. */}
      {running && ports.isError && online ? <p className="notice error" role="alert">{errorMessage(ports.error)}</p> : null}
      {data?.note ? <p className="console-status">{data.note}</p> : null}
      {data && data.forwards.length === 0 && !data.note ? <p>No ports forwarded. Ports that programs in the guest open appear here.</p> : null}
      {data && data.forwards.length > 0 ? (
        <table className="instances ports" data-testid="ports">
          <thead>
            <tr><th scope="col">On this computer</th><th scope="col">In the guest</th><th scope="col">How</th></tr>
          </thead>
          <tbody>
            {data.forwards.map((forward) => (
              <tr key={forward.hostSocket ?? `${forward.proto}:${forward.hostIP}:${forward.hostPort}`}>
                <td><HostSide forward={forward} live={data.live} /></td>
                <td>{forward.guestSocket ? <code>{forward.guestSocket}</code> : `${forward.proto === 'udp' ? 'UDP ' : ''}port ${forward.guestPort}`}</td>
                <td>{forward.source === 'static' ? 'template rule' : 'opened in the guest'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {data && data.problems.length > 0 ? (
        <ul className="port-problems" aria-label="Ports not forwarded">
          {data.problems.map((problem) => <li key={problem.message} className="row-error">{problem.message}</li>)}
        </ul>
      ) : null}
    </section>
  );
}
