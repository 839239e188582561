// Turns every control inside it off while the engine cannot be reached: a disabled fieldset
// disables its buttons, inputs and selects natively (they grey out, take no clicks and say
// "dimmed" to screen readers), so no action fires into the void and leaves a stuck status.
import type { ReactNode } from 'react';
import { useOnline } from './store.ts';
import './connection.css';

export function ConnectionGate({ children }: { children: ReactNode }) {
  const online = useOnline();
  return <fieldset className="connection-gate" disabled={!online} data-offline={online ? undefined : 'true'}>{children}</fieldset>;
}
