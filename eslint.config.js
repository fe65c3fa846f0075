// @ts-check
import js from '@eslint/js';
import vitest from '@vitest/eslint-plugin';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/*
 * Layer boundaries: the terminal app (src/ui) and the headless CLI (src/cli, src/cli.ts) reach the pipeline only
 * through its facade `src/pipeline/index.ts`, so a pipeline area can change its insides without breaking a front end.
 * The patterns match the import text (`../../pipeline/llm/endpoint.js`), and `import type` counts too: a type reached
 * through a deep path couples the front end to that file all the same. test/lint/boundaries.test.ts proves each rule.
 */
const DEEP_PIPELINE = {
  regex: String.raw`(^|/)pipeline/(?!index\.js$)`,
  message: 'Import the pipeline only through its facade (src/pipeline/index.ts), not a file inside a pipeline area.',
};
const CLI = {
  regex: String.raw`(^|/)cli(/|\.js$)`,
  message: 'The terminal app (src/ui) and the presentation model never import the CLI.',
};
const UI = {
  regex: String.raw`(^|/)ui/`,
  message: 'The presentation model (src/present) is shared by the app and the CLI: it never imports src/ui.',
};
const INK_REACT = {
  regex: String.raw`^(ink|react)(/|$)|^ink-`,
  message: 'The presentation model is plain data shared with the headless CLI: it never imports ink or react.',
};
const FRONT_END = {
  regex: String.raw`(^|/)(ui|cli|present)(/|\.js$)|^(ink|react)(/|$)|^ink-`,
  message: 'src/pipeline runs headless: it never imports the app, the CLI, the presentation model, ink or react.',
};
const APP_EAGER = {
  regex: String.raw`(^|/)ui/(launch|App)\.js$|^(ink|react)(/|$)`,
  allowTypeImports: true,
  message:
    "The CLI loads the app only when it opens (`await import('../../ui/launch.js')`): a static import puts Ink in every command's start-up.",
};
const boundary = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'runs/**', '.cxrvqa-tmp/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed parameters and destructured leftovers are deliberate: they document a position or drop a key.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}', 'test/ui/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
    rules: {
      ...reactHooks.configs.flat['recommended-latest'].rules,
      // `refs` and `purity` check what the React Compiler needs; the app is not compiled by it, and its
      // latest-value refs (useKeys, LineInput) and the elapsed clock read during render (Progress) are deliberate.
      'react-hooks/refs': 'off',
      'react-hooks/purity': 'off',
    },
  },
  {
    files: ['test/**/*.{ts,tsx}'],
    ...vitest.configs.recommended,
    rules: {
      ...vitest.configs.recommended.rules,
      // `expect(value, 'what it was')`: the message names the failing case in table and property tests.
      'vitest/valid-expect': ['error', { maxArgs: 2 }],
      // Table-driven tests branch on the case's expected outcome; each branch asserts.
      'vitest/no-conditional-expect': 'off',
      // Helpers that assert or time out: property runs, per-case checkers, waits for a screen text.
      'vitest/expect-expect': [
        'error',
        { assertFunctionNames: ['expect', 'expect*', 'fc.assert', 'check', 'waitForText', 'pressAndWaitFor'] },
      ],
    },
  },
  { files: ['src/ui/**/*.{ts,tsx}'], rules: boundary(DEEP_PIPELINE, CLI) },
  { files: ['src/cli/**/*.ts', 'src/cli.ts'], rules: boundary(DEEP_PIPELINE, APP_EAGER) },
  { files: ['src/present/**/*.{ts,tsx}'], rules: boundary(DEEP_PIPELINE, CLI, UI, INK_REACT) },
  { files: ['src/pipeline/**/*.ts'], rules: boundary(FRONT_END) },
  prettier,
);
