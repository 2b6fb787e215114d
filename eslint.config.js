import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ------------------------------------------------------------------------------------------------
// Import boundaries per folder (docs/architecture.md). Layers, bottom to top:
//   foundation and ports: lib/{output,redaction,runtime,isolation,config,state,persistence,transport,db,github}
//   shared engines:       lib/ops/checks (and lib/ops/operation.ts, the operation contract)
//   operations:           lib/ops/<op>/ (entry files: index.ts = inputs + defineOperation, run.ts = the run)
//   entry / dispatch:     lib/entry (runAction, executeOperation, the registry), lib/cli, actions/*/
// A folder imports its own layer's modules or lower layers, never an upper one: the foundation
// nothing under lib/ops (NO_OPERATIONS), the engines no module of an operation (NO_OPERATION_MODULE),
// an operation no other operation's entry file (NO_OTHER_OPERATION_ENTRY), none of them the entry layer.
// ------------------------------------------------------------------------------------------------
const FOUNDATION = [
  'output',
  'redaction',
  'runtime',
  'isolation',
  'config',
  'state',
  'persistence',
  'transport',
  'db',
  'github',
];
const NO_ENTRY = {
  regex: '^\\.\\.?/(?:\\.\\./)*(?:entry|cli)/',
  message:
    'Only the entry layer (lib/entry, lib/cli, actions/) imports the dispatcher, the registry or the CLI (docs/architecture.md).',
};
const NO_OPERATIONS = {
  regex: '^(?:\\.\\./)+ops/',
  message:
    'The foundation (lib/output, lib/transport, lib/runtime, ...) imports nothing under lib/ops: no engine, no operation. Move what it needs down into the foundation (docs/architecture.md).',
};
// lib/ops/checks/*.ts: `../<op>/...` (and the same through `ops/`); lib/ops/operation.ts: `./<op>/...`
const NO_OPERATION_MODULE = {
  regex: '^(?:\\.\\./(?!checks/)[a-z_]+/|(?:\\.\\./)+ops/(?!checks/)[a-z_]+/)',
  message:
    'A shared engine never imports an operation (any module of lib/ops/<op>/, not only its entry files): move what it needs down into the foundation (docs/architecture.md).',
};
const NO_OPERATION_MODULE_BESIDE = {
  regex: '^\\./(?!checks/)[a-z_]+/',
  message: NO_OPERATION_MODULE.message,
};
const NO_OTHER_OPERATION_ENTRY = {
  regex: '^\\.\\./[a-z_]+/(?:index|run)\\.js$',
  message:
    "An operation or engine never imports another operation's entry file (index.ts or run.ts): move the shared helper into its own module or down into an engine (docs/architecture.md).",
};
const NO_ACTIONS_CORE = {
  name: '@actions/core',
  message:
    'Only the action runtime adapter talks to @actions/core (lib/entry/action.ts, and the persistence hooks it calls, lib/persistence/action-hooks.ts); everything else gets the runner through the Runtime ports: logger, redactor, stepState (docs/architecture.md).',
};
const NO_SQLITE = {
  name: 'node:sqlite',
  message:
    'Open databases with openDatabase() from lib/state/db.ts (its types come from there too): it loads node:sqlite when a database is opened, not at the start of every command that imports the module.',
};
/** The files that are the action runtime adapter: the only importers of @actions/core in lib/. */
const ACTION_ADAPTERS = ['lib/entry/action.ts', 'lib/persistence/action-hooks.ts'];
const boundaries = (patterns, paths = [NO_ACTIONS_CORE, NO_SQLITE]) => ({
  'no-restricted-imports': ['error', { patterns, paths }],
});
/**
 * Known violations, each with the rule it still breaks (issue 15; to be moved down a layer): the
 * rule stays on for every other file, so no new one appears. Remove a line when its file is fixed.
 */
const KNOWN_CROSS_OPERATION = [];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: FOUNDATION.map((f) => `lib/${f}/**/*.ts`),
    rules: boundaries([NO_ENTRY, NO_OPERATIONS]),
  },
  // the one importer of node:sqlite (for its types; the module itself is loaded by openDatabase)
  { files: ['lib/state/db.ts'], rules: boundaries([NO_ENTRY, NO_OPERATIONS], [NO_ACTIONS_CORE]) },
  { files: ['lib/ops/**/*.ts'], rules: boundaries([NO_ENTRY, NO_OTHER_OPERATION_ENTRY]) },
  { files: ['lib/ops/checks/**/*.ts'], rules: boundaries([NO_ENTRY, NO_OPERATION_MODULE]) },
  { files: ['lib/ops/operation.ts'], rules: boundaries([NO_ENTRY, NO_OPERATION_MODULE_BESIDE]) },
  { files: ['lib/entry/**/*.ts', 'lib/cli/**/*.ts'], rules: boundaries([]) },
  { files: [ACTION_ADAPTERS[0]], rules: boundaries([], []) },
  { files: [ACTION_ADAPTERS[1]], rules: boundaries([NO_ENTRY, NO_OPERATIONS], []) },
  ...(KNOWN_CROSS_OPERATION.length > 0 ? [{ files: KNOWN_CROSS_OPERATION, rules: boundaries([NO_ENTRY]) }] : []),
  // Small functions with names (docs/architecture.md): a step that needs more than 60 lines is a
  // function waiting to be extracted. Blank lines and comments do not count.
  {
    files: ['lib/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
);
