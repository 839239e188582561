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
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
