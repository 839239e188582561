// "Open display": the vnc:// address and its password for an external viewer. The address
// and password come from the engine's display(); the password is new for every start, so
// the query is keyed by the instance's state.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { DisplayInfo, Instance } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';

export const displayKey = (name: string, state: string) => ['display', name, state] as const;

/** The running instance's display; undefined data while stopped. */
export function useDisplay(instance: Instance) {
  const running = instance.state === 'Running' || instance.state === 'Paused';
  return useQuery<DisplayInfo | null>({
    queryKey: displayKey(instance.name, instance.state),
    queryFn: () => api.display({ name: instance.name }),
    enabled: running,
  });
}

export function vncLink(display: DisplayInfo): string {
  const host = display.host.includes(':') ? `[${display.host}]` : display.host;
  return `vnc://${host}:${display.port}`;
}

export function DisplaySection({ instance }: { instance: Instance }) {
  const display = useDisplay(instance);
  const [copied, setCopied] = useState<string | undefined>();
  const running = instance.state === 'Running' || instance.state === 'Paused';
  let body;
  if (!running) body = <p>The display is available while the instance runs; it is {instance.state.toLowerCase()}.</p>;
  else if (display.isPending) body = <p role="status">Asking the driver for the display…</p>;
  else if (display.isError) body = <p className="notice error" role="alert">{errorMessage(display.error)}</p>;
  else if (display.data === null) body = <p>This instance has no display (its template does not set <code>video.display: vnc</code>).</p>;
  else {
    const info = display.data;
    const copy = (): void => {
      navigator.clipboard.writeText(info.password).then(
        () => setCopied('Password copied.'),
        (error: unknown) => setCopied(`Could not copy: ${errorMessage(error)}`),
      );
    };
    body = (
      <div className="display-link">
        <a href={vncLink(info)} data-testid="vnc-link">{vncLink(info)}</a>
        <button type="button" onClick={copy}>Copy password</button>
        <span role="status" className="console-status">{copied ?? ''}</span>
      </div>
    );
  }
  return (
    <section aria-labelledby="display-title" className="panel-section">
      <h2 id="display-title">Display</h2>
      {body}
    </section>
  );
}
