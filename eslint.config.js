// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Node APIs and bare timers that the browser-safe core must not touch. */
const coreRestrictions = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: ['node:*'],
          message: 'The core is browser-safe: node: modules belong in src/server/.',
        },
        { group: ['rxjs/internal/*'], message: 'Compose public RxJS operators instead.' },
      ],
    },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'process', message: 'The core is browser-safe: no process outside src/server/.' },
    { name: 'Buffer', message: 'The core is browser-safe: no Buffer outside src/server/.' },
    { name: 'setTimeout', message: 'Time goes through an RxJS scheduler.' },
    { name: 'setInterval', message: 'Time goes through an RxJS scheduler.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'Read time as scheduler.now().' },
  ],
};

export default tseslint.config(
  { ignores: ['**/dist/**', 'coverage/**', 'node_modules/**', '.doc-examples/**', '.api/**'] },
  { ignores: ['examples/angular/**'] }, // its own project: ng build and ng test check it
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/server/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: coreRestrictions,
  },
);
