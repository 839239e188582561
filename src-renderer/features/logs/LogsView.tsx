// The instance's logs (its driver's, and the VM's own files), newest part of each, read when
// the tab opens and again on request: logs are for looking back, not a live feed.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';

export function LogsView({ name }: { name: string }) {
  const logs = useQuery({ queryKey: ['logs', name], queryFn: () => api.readLogs({ name }) });
  return (
    <div className="logs">
      <button type="button" onClick={() => void logs.refetch()} disabled={logs.isFetching}>Refresh logs</button>
      {logs.isError ? <p role="alert">Could not read the logs: {errorMessage(logs.error)}</p> : null}
      {logs.data?.map((log) => (
        <section key={log.name} aria-label={`Log ${log.name}`}>
          <h3>{log.name}</h3>
          <pre tabIndex={0}>{log.text || '(empty)'}</pre>
        </section>
      ))}
    </div>
  );
}
