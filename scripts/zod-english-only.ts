// zod's namespace (`z.locales`) pulls every one of its ~60 translations of error messages into a
// bundle: almost half of zod's 750 KB, read, decoded and compiled by every `corral` command that
// validates anything. Corral words its own errors in English and never picks a zod locale, so
// the bundles get a locales module holding only English (the one zod installs by default).
import path from 'node:path';
import type { Plugin } from 'esbuild';

export function zodEnglishOnly(): Plugin {
  return {
    name: 'zod-english-only',
    setup(builder) {
      builder.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
        if (!args.importer.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`)) return undefined;
        return { path: path.join(path.dirname(args.importer), '..', 'locales', 'english-only.js'), namespace: 'zod-english-only' };
      });
      builder.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
        loader: 'js',
        resolveDir: path.dirname(args.path),
      }));
    },
  };
}
