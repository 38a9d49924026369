// ESLint flat config. Workflow code runs in Temporal's deterministic sandbox: it must not
// import Node built-ins or anything that does I/O, so that is an error under src/workflows/.
const tseslint = require('typescript-eslint');
const { builtinModules } = require('node:module');

// Packages that perform I/O (or wrap it) and therefore belong in activities only.
const ioModules = [
  '@linode/api-v4',
  'axios',
  'execa',
  'dns-packet',
  'pino',
  'yaml',
  'p-limit',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
];
const workflowForbidden = [
  ...builtinModules.filter((m) => !m.startsWith('_')),
  ...builtinModules.filter((m) => !m.startsWith('_')).map((m) => `node:${m}`),
  ...ioModules,
];

module.exports = tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'test/fixtures/lint/**',
      'dist/**',
      '.tools/**',
      '.temporal/**',
      '.lab/**',
      'coverage/**',
      '**/*.js',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        // Lint fixtures live outside tsconfig's files; give them the default project.
        projectService: { allowDefaultProject: ['test/fixtures/lint/*.ts', 'test/fixtures/lint/workflows/*.ts'] },
        tsconfigRootDir: __dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Prettier wraps code at 120 columns but leaves long strings alone: src/ keeps every line
    // within 120 (split the message, name the parts).
    files: ['src/**/*.ts'],
    rules: { 'max-len': ['error', { code: 120, tabWidth: 2 }] },
  },
  {
    files: ['src/workflows/**/*.ts', 'test/fixtures/lint/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: workflowForbidden.map((name) => ({
            name,
            message: 'Workflow code must be deterministic: no Node built-ins or I/O modules. Do this in an activity.',
          })),
          patterns: [
            {
              group: ['node:*', '**/activities/*', '!**/activities/index'],
              message: 'Workflow code may only import activity *types*; do I/O in activities.',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
        { name: 'process', message: 'Workflow code cannot read the process environment.' },
      ],
    },
  },
);
