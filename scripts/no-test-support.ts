// An esbuild plugin for production bundles (scripts/build-electron.ts, scripts/pack-driver.ts):
// test support lives in test-support/ folders and *.test.ts files, and none of it ships. A
// build that reaches such a file fails, naming it, instead of shipping test helpers.
import type { Plugin } from 'esbuild';

/** A source path that is test support. */
export const testSupportPath = /(^|[\\/])test-support[\\/]|\.test\.tsx?$/;

export function noTestSupport(): Plugin {
  return {
    name: 'no-test-support',
    setup(builder) {
      builder.onLoad({ filter: testSupportPath }, (args) => ({
        errors: [{ text: `${args.path} is test support (a test-support/ folder or a test file) and must not be bundled into a production build; import it from tests only` }],
      }));
    },
  };
}
