// Says when the engine cannot be reached, at the top where the user looks: gone (stopped or
// restarting: the page reconnects by itself, and actions are off until then), or refusing this
// tab (Corral was restarted with a new access token: the tab must open the new address). The
// alert region is always in the page, so screen readers announce what appears in it.
import { useConnection } from './store.ts';
import './connection.css';

export function ConnectionBanner() {
  const state = useConnection((s) => s.state);
  return (
    <div role="alert" className={`connection-banner ${state === 'offline' || state === 'unauthorised' ? state : 'hidden'}`} data-testid="connection-banner">
      {state === 'offline' ? (
        <>
          <strong>Corral cannot be reached.</strong>
          <span>It was stopped or is restarting. This page reconnects by itself when Corral is back; until then, actions are off.</span>
        </>
      ) : null}
      {state === 'unauthorised' ? (
        <>
          <strong>This tab's access has ended.</strong>
          <span>Corral was restarted with a new access token. Open the address that <code>corral serve</code> printed (it carries the new token).</span>
        </>
      ) : null}
    </div>
  );
}
