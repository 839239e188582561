// Whether a view has been shown at least once on this page: a view that stays mounted while
// hidden (the serial console keeps its stream and scrollback across tab switches) need not
// start before the user first opens it. The console's history comes first when it attaches, so
// opening it later shows the whole boot all the same, and a booting VM is not sharing the CPU
// with a terminal no one looks at.
import { useState } from 'react';

export function useShownOnce(shown: boolean): boolean {
  const [once, setOnce] = useState(shown);
  if (shown && !once) setOnce(true); // React re-renders at once with the new state
  return once || shown;
}
