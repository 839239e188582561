// Under the connection banner, the list and the instance page still show what the engine last
// said: this note says so where those states and figures are, so nothing reads as live. The
// states and figures themselves are marked too (connection.css, under the offline gate).
import { useConnection } from './store.ts';
import './connection.css';

export function StaleNote() {
  const lostAt = useConnection((s) => s.lostAt);
  if (lostAt === undefined) return null;
  const time = new Date(lostAt).toLocaleTimeString();
  return (
    <p className="stale-note" data-testid="stale-note">
      Last known state, from {time}: states and figures here are not updated until Corral is back.
    </p>
  );
}
