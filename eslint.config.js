// ESLint for Loop's TypeScript: the type-aware recommended rules (so a floating promise or an
// unsafe `any` is caught by the linter, not by review), plus a few of our own; and the dashboard's
// .vue files with eslint-plugin-vue (their types are checked by vue-tsc in `npm run lint`).
// `npm run lint` also runs `tsc --noEmit`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

// Names that say what they hold: no one-letter class members (`this.o.log` told a reader nothing).
const oneLetterMember = 'Identifier[name=/^[A-Za-z]$/]';
const ownRules = {
  'no-restricted-syntax': [
    'error',
    { selector: `PropertyDefinition > ${oneLetterMember}.key`, message: 'Name class members for what they hold.' },
    { selector: `MethodDefinition > ${oneLetterMember}.key`, message: 'Name class members for what they hold.' },
    { selector: `TSParameterProperty > ${oneLetterMember}.parameter`, message: 'Name class members for what they hold.' },
    { selector: `TSParameterProperty > AssignmentPattern > ${oneLetterMember}.left`, message: 'Name class members for what they hold.' },
  ],
  '@typescript-eslint/no-explicit-any': 'error',
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'data/**', '.memtmp/**', '.notes/**'] },
  { languageOptions: { globals: { ...globals.node } } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // The page's build config runs in Node, outside web/tsconfig.json (which is the browser's).
        projectService: { allowDefaultProject: ['web/vite.config.ts', 'web/build/*.ts'], defaultProject: 'web/tsconfig.node.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      ...ownRules,
      '@typescript-eslint/no-floating-promises': 'error',
      // Action handlers are async by contract (they answer a promise); an `async` arrow that returns
      // a value at once is the plainest way to write one.
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['web/src/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser }, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    rules: {
      ...ownRules,
      // Server strings are text, never markup.
      'vue/no-v-html': 'error',
      // Long attribute lists read better on one line here; the formatter is not the linter's job.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  // Small files with one job: `wc -l` of a source file stays at or under 450.
  {
    files: ['app/**/*.ts', 'core/**/*.ts', 'plugins/**/*.ts', 'web/src/**/*.{ts,vue}'],
    rules: { 'max-lines': ['error', { max: 450, skipBlankLines: false, skipComments: false }] },
  },
);
