import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const intoAddin = { regex: '(^|/)addin/', message: 'Der Server und core/ importieren nichts aus addin/: Gemeinsames gehört nach core/.' };
const intoServer = { regex: '(^|/)server/', message: 'core/ importiert nichts aus server/.' };

/**
 * The architecture's boundaries (README, "Aufbau des Codes"): core/ is pure and imports neither
 * side nor any platform module; the server never imports the add-in; the add-in takes from the
 * server at most types (for the hc client), which the bundle erases.
 */
const boundaries = [
  {
    files: ['core/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [intoAddin, intoServer, { regex: '^node:', message: 'core/ bleibt frei von Node-Modulen.' }],
          paths: builtinModules.map((name) => ({ name, message: 'core/ bleibt frei von Node-Modulen.' })),
        },
      ],
    },
  },
  {
    files: ['server/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [intoAddin] }] },
  },
  {
    files: ['addin/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)server/',
              allowTypeImports: true,
              message: 'Das Add-in nimmt aus server/ nur Typen (import type); Gemeinsames gehört nach core/.',
            },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...boundaries,
);
