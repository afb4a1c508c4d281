// Lint (npm run lint; CI runs it from .ci/run). ESLint's and typescript-eslint's recommended
// rules, plus the type-aware rules that catch real bugs (a promise nobody awaits or catches, a
// promise where a callback's result is ignored, await on a non-promise, an object printed as
// "[object Object]", a throw of a non-Error…). No formatting or naming rules: the code's layout
// is its authors'. Type information comes from tsconfig.test.json (src/ and test/); the .mjs
// scripts are linted without it.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const NODE_GLOBALS = Object.fromEntries([
  'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'fetch', 'AbortController', 'AbortSignal',
  'TextEncoder', 'TextDecoder', 'performance', 'structuredClone', 'queueMicrotask',
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
].map((name) => [name, 'readonly']))

export default tseslint.config(
  { ignores: ['dist/**', 'dist-pkg/**', 'coverage/**', '.tap/**', '.prove/**', 'test/fixtures/**', '**/*.generated.ts'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    rules: {
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // These match control characters on purpose (escaping them in logs, refusing them in
      // secrets, ANSI colours in tests): the rule would only ask for a disable comment each time.
      'no-control-regex': 'off',
      'no-regex-spaces': 'off', // style: /a  b/ and /a {2}b/ match the same
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      // promises
      '@typescript-eslint/no-floating-promises': ['error', {
        // tap queues t.test() itself and waits for it; nothing else may float
        allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }], // passing on a caught rejection is fine
      '@typescript-eslint/only-throw-error': 'error',
      // values that do not say what was meant. (no-base-to-string is left off: here it fires
      // only on values narrowed from unknown and stringified on purpose; an object in a
      // template is still caught by restrict-template-expressions.)
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true, allowRegExp: true, allowAny: true, allowNever: false }],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      '@typescript-eslint/no-array-delete': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-unsafe-unary-minus': 'error',
      '@typescript-eslint/no-duplicate-type-constituents': 'error',
      '@typescript-eslint/unbound-method': 'error',
      // a switch over a union (error kinds, levels, record types) names every member or has a default
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // Tests read back JSON they produced, and reach into fakes: `any` is the honest type there.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: NODE_GLOBALS },
  },
)
