// ESLint flat config. The house rules that keep the process boundary honest live here (see docs/conventions.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http',
  'http2', 'https', 'net', 'os', 'path', 'process', 'readline', 'stream', 'tls', 'url', 'util', 'vm', 'worker_threads',
  'zlib',
];

const electronOutsideShell = {
  name: 'electron',
  message: 'Only main/index.ts, main/window.ts, main/ipc/ and preload/ may import electron (import type is fine).',
  allowTypeImports: true,
};
const rawIpc = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'Raw ipcMain/ipcRenderer only in main/ipc/ and preload/: use the typed handle()/bridge.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'release/', 'results/', 'screenshots/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        { selector: 'TSEnumDeclaration', message: 'No enums: use string-literal unions (erasable syntax).' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // CommonJS helpers (preloaded with `node --require`).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tool configuration files must default-export.
    files: ['*.config.ts', '*.config.js', 'eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Everything outside the Electron shell: no electron at runtime, no raw IPC.
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
    ignores: ['main/index.ts', 'main/window.ts', 'main/ipc/**', 'preload/**', 'renderer/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [electronOutsideShell] }] },
  },
  {
    // The shell may import electron, but raw ipcMain/ipcRenderer only in main/ipc/ and preload/.
    files: ['main/index.ts', 'main/window.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [rawIpc] }] },
  },
  {
    // The renderer: DOM only. No Node, no electron, nothing from main/, only types from preload/contract.ts.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer talks to main only through window.keyport (bridge.ts).' },
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer cannot use Node.' })),
          ],
          patterns: [
            { group: ['node:*'], message: 'The renderer cannot use Node.' },
            { group: ['**/main/**', '**/main'], message: 'The renderer imports nothing from main/.' },
            {
              group: ['**/preload/*', '!**/preload/contract.ts'],
              message: 'The renderer may only import types from preload/contract.ts.',
            },
            {
              group: ['**/preload/contract.ts'],
              message: 'Import only types from the contract (import type …).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
