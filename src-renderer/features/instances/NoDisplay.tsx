// Where the Display section would be, for an instance without a screen: why it has none and
// how to reach it instead, so the user does not hunt for a Display tab that is not there.
import type { Instance } from '../../../src-main/api/contract.ts';
import type { DriverCapabilities } from './actions.ts';

export function NoDisplay({ instance, capabilities }: { instance: Instance; capabilities: DriverCapabilities }) {
  if (capabilities === undefined) return null; // the drivers have not answered yet
  const why = capabilities === null || capabilities.display.length === 0
    ? <>the {instance.driver} driver has no graphical display</>
    : <>it was created without one (its template does not set <code>video.display: vnc</code>)</>;
  // Only the tabs the page offers: a driver without a serial console has no Console tab.
  const reach = capabilities !== null && capabilities.console.length > 0 ? 'the Console tab, or the Terminal tab once SSH is up' : 'the Terminal tab once SSH is up';
  return (
    <section aria-labelledby="display-title" className="panel-section" data-testid="no-display">
      <h2 id="display-title">Display</h2>
      <p>No display: {why}. Reach it through {reach}.</p>
    </section>
  );
}
