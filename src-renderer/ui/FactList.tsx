// A line of short facts ("qemu · x86_64 · 1 CPU · 256 MiB memory"), each kept whole when the line
// wraps: a narrow window broke "1 GiB disk" between the number and its unit.
import { Fragment } from 'react';

export function FactList({ facts }: { facts: string[] }) {
  return facts.map((fact, i) => (
    <Fragment key={i}>{i > 0 ? ' · ' : ''}<span className="fact">{fact}</span></Fragment>
  ));
}
