// Figures read from a host agent's hostagent.log, whose lines start with their ISO time.

/**
 * From the guest's ready to the first static forward bound on the host: how long a user waits
 * before a forwarded port answers. Undefined until both lines are there.
 */
export function readyToFirstForwardMs(log: string): number | undefined {
  const at = (pattern: RegExp): number | undefined => {
    const line = log.split('\n').find((l) => pattern.test(l));
    return line ? Date.parse(line.slice(0, line.indexOf(' '))) : undefined;
  };
  const ready = at(/ status: \{"phase":"ready"/);
  const forwarded = at(/ port forwarding: 127\.0\.0\.1:\d+ .*-> guest port \d+ \(static/);
  return ready !== undefined && forwarded !== undefined ? forwarded - ready : undefined;
}
