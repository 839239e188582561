// Lint configuration: strict TypeScript rules plus the local `corral/layering` rule
// (eslint/layering.js), which turns the import rules of DESIGN.md into errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layering from './eslint/layering.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'release/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { corral: { rules: { layering } } },
    rules: {
      'corral/layering': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // zod's named `z` is a namespace object that bundlers keep whole (every locale, JSON
      // Schema, the compiler): 734 KB in each bundle, 9 MiB in each driver process.
      'no-restricted-syntax': ['error', {
        selector: "ImportDeclaration[source.value='zod'][importKind='value'] > ImportSpecifier[imported.name='z']",
        message: "import * as z from 'zod' instead: the named z defeats tree-shaking (all of zod in every bundle)",
      }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
