// The driver conformance kit: `runConformance()` checks any driver against the driver
// contract through a real process boundary; `corral driver test` is its command line.
export { runConformance } from './run.ts';
export { conformancePaths, defaultCmdline, guestNeeded } from './state.ts';
export { defaultTimeouts } from './types.ts';
export type { CheckGroup, CheckResult, CheckStatus, ConformanceGuest, ConformanceOptions, ConformanceReport, ConformanceTimeouts } from './types.ts';
