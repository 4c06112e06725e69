// ESLint for Loop's TypeScript: the type-aware recommended rules (so a floating promise or an
// unsafe `any` is caught by the linter, not by review), plus a few of our own. `npm run lint` also
// runs `tsc --noEmit` and the formatter check.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'data/**', '.memtmp/**', '.notes/**'] },
  { languageOptions: { globals: { ...globals.node } } },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      // Action handlers are async by contract (they answer a promise); an `async` arrow that returns
      // a value at once is the plainest way to write one.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
