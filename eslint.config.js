// Lint, including the layer boundaries of docs/architecture.md: each layer may import only the layers below it.
// test/unit/layer-boundaries.node.test.ts proves every rule below still fires.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const layers = ['core', 'storage', 'arrays', 'compute', 'controllers', 'gadgets', 'server'];
/** Import patterns (gitignore syntax) that reach into the given layers' folders. */
const into = (...names) => names.flatMap((name) => [`**/${name}`, `**/${name}/**`]);
const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'http', 'https', 'crypto', 'child_process', 'worker_threads', 'stream'];

/** A config block restricting what files under `files` may import, with the reason in the message. */
function boundary(files, groups, message, extraPaths = []) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: groups, message }], paths: extraPaths }],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.es2022 } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'No enum: use a string-literal union (docs/architecture.md, "Conventions").' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No namespace (docs/architecture.md, "Conventions").' },
        { selector: 'TSParameterProperty', message: 'No parameter properties (docs/architecture.md, "Conventions").' },
      ],
    },
  },
  { files: ['src/server/**', 'src/analytics/**', 'test/unit/**', 'test/support/**', 'e2e/**', 'bench/**', '*.config.*', '.ci/**'], languageOptions: { globals: globals.node } },
  { files: ['src/**', 'test/browser/**'], ignores: ['src/server/**', 'src/analytics/**'], languageOptions: { globals: globals.browser } },
  { files: ['sw/**'], languageOptions: { globals: globals.serviceworker } },

  // Layer boundaries.
  boundary(
    ['src/core/**'],
    [...into(...layers.filter((layer) => layer !== 'core')), '**/main', ...nodeBuiltins],
    'core is pure and isomorphic: it imports nothing of ours outside core, and no Node built-ins.',
  ),
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'indexedDB', 'localStorage', 'process', 'Buffer', 'require'],
    },
  },
  boundary(
    ['src/storage/**', 'src/arrays/**', 'src/compute/**'],
    [...into('controllers', 'gadgets', 'server'), '**/main'],
    'storage, arrays and compute may import core and each other, never UI or server code.',
  ),
  boundary(
    ['src/controllers/**'],
    [...into('gadgets', 'server'), '**/main'],
    'app services (controllers) serve gadgets; they never import gadgets or server code.',
  ),
  boundary(
    ['src/gadgets/**'],
    // `../storage` (the layer's index: types, createStorage) is allowed; its implementations are not.
    ['**/storage/**', ...into('server'), '**/main'],
    'gadgets reach storage, compute and sync through controllers and context; never storage implementations or server code.',
  ),
  boundary(
    ['src/server/**'],
    [...into('gadgets', 'controllers'), 'lit', 'lit/**', '@lit/**', 'workbox-window', 'uplot', 'uplot/**'],
    'the server never imports DOM or gadget code.',
  ),
  boundary(
    ['src/analytics/**'],
    [...into(...layers.filter((layer) => layer !== 'core')), '**/main'],
    'analytics (offline tools over files: the anomaly CLI, the NAB scorer) imports core only.',
  ),
  boundary(
    ['sw/**'],
    ['**/src/**', '!**/src/core', '!**/src/core/**'],
    'the service worker imports core only.',
  ),
);
