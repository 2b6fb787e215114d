/**
 * The action metadata files (root action.yml + actions/<op>/action.yml): where they are, how to
 * read them, and a JSON schema for the subset of GitHub's action metadata syntax we use
 * (https://docs.github.com/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions),
 * tightened to our conventions (node24, every input and output described, string defaults).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const OPERATION_ACTIONS = ['deploy', 'rollback', 'prod_verify', 'ops_daily', 'db_bootstrap', 'doctor'] as const;
export type OperationAction = (typeof OPERATION_ACTIONS)[number];
/** `paas` is the root action.yml (the umbrella, input `operation`). */
export type ActionName = OperationAction | 'paas';
export const ALL_ACTIONS: readonly ActionName[] = [...OPERATION_ACTIONS, 'paas'];

export interface ActionInput {
  description: string;
  required?: boolean;
  default?: string;
  deprecationMessage?: string;
}

export interface ActionMetadata {
  name: string;
  description: string;
  author?: string;
  branding?: { icon?: string; color?: string };
  inputs?: Record<string, ActionInput>;
  outputs?: Record<string, { description: string }>;
  runs: { using: string; main: string; pre?: string; 'pre-if'?: string; post?: string; 'post-if'?: string };
}

/** Directory of an action (what `uses:` points at). */
export function actionDir(name: ActionName): string {
  return name === 'paas' ? REPO_ROOT : join(REPO_ROOT, 'actions', name);
}

export function actionYmlPath(name: ActionName): string {
  return join(actionDir(name), 'action.yml');
}

/** Parses an action.yml strictly (YAML 1.2, unique keys): the runner reads YAML 1.2 too. */
export function loadActionMetadata(name: ActionName): ActionMetadata {
  return parse(readFileSync(actionYmlPath(name), 'utf8'), {
    version: '1.2',
    uniqueKeys: true,
    strict: true,
    prettyErrors: true,
  }) as ActionMetadata;
}

/** The runner's name mangling for input environment variables. */
export function inputEnvName(input: string): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
}

/** `${{ ... }}` in a default: the few expressions our action.yml files use, evaluated like the runner. */
export function evaluateDefault(
  value: string,
  ctx: { githubToken: string; workspace: string; runnerTemp: string },
): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    switch (expr) {
      case 'github.token':
        return ctx.githubToken;
      case 'github.workspace':
        return ctx.workspace;
      case 'runner.temp':
        return ctx.runnerTemp;
      default:
        throw new Error(`harness: unsupported expression in an action.yml default: \${{ ${expr} }}`);
    }
  });
}

export const BRANDING_COLORS = [
  'white',
  'black',
  'yellow',
  'blue',
  'green',
  'orange',
  'red',
  'purple',
  'gray-dark',
] as const;

const described = { type: 'string', minLength: 10, pattern: '\\S' } as const;

/** JSON schema (draft-07, Ajv's default) for our action.yml files. */
export const actionMetadataSchema = {
  $id: 'https://paas-actions.invalid/schemas/action-metadata.json',
  type: 'object',
  required: ['name', 'description', 'runs', 'inputs', 'outputs', 'branding'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    // the Marketplace shows at most 125 characters
    description: { type: 'string', minLength: 10, maxLength: 125 },
    author: { type: 'string' },
    branding: {
      type: 'object',
      required: ['icon', 'color'],
      additionalProperties: false,
      properties: { icon: { type: 'string', pattern: '^[a-z0-9-]+$' }, color: { enum: [...BRANDING_COLORS] } },
    },
    inputs: {
      type: 'object',
      minProperties: 1,
      // input ids: lower snake_case (the CLI flag is the kebab-case of the same name)
      propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
      additionalProperties: {
        type: 'object',
        required: ['description', 'required'],
        additionalProperties: false,
        properties: {
          description: described,
          required: { type: 'boolean' },
          // strings only: an unquoted `false` or `1.5` is a YAML scalar of another type
          default: { type: 'string' },
          deprecationMessage: { type: 'string' },
        },
      },
    },
    outputs: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
      additionalProperties: {
        type: 'object',
        required: ['description'],
        additionalProperties: false,
        // no `value:`: that belongs to composite actions
        properties: { description: described },
      },
    },
    runs: {
      type: 'object',
      required: ['using', 'main'],
      additionalProperties: false,
      properties: {
        using: { const: 'node24' },
        main: { type: 'string', pattern: '^[^/].*\\.js$' },
        pre: { type: 'string', pattern: '^[^/].*\\.js$' },
        'pre-if': { type: 'string', minLength: 1 },
        post: { type: 'string', pattern: '^[^/].*\\.js$' },
        'post-if': { type: 'string', minLength: 1 },
      },
      dependencies: { 'post-if': ['post'], 'pre-if': ['pre'] },
    },
  },
} as const;
