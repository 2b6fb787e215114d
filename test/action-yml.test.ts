/**
 * The action metadata files agree with the code: schema, inputs = common ∪ the operation's own,
 * defaults that the zod schemas accept and that equal their defaults, bundles that exist, docs.
 * Assumes dist/ is built (`npm run build`; CI builds first).
 */
import { describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import type { z } from 'zod';
import { OPERATIONS } from '../lib/ops/operation.js';
import { REGISTRY } from '../lib/entry/registry.js';
import { OUTPUTS } from '../lib/entry/action.js';
import { commonInputsSchema, COMMON_INPUT_NAMES } from '../lib/runtime/inputs.js';
import { renderInputsDoc } from './harness/docs.js';
import { entryFile } from './harness/runner.js';
import {
  actionDir,
  actionMetadataSchema,
  actionYmlPath,
  ALL_ACTIONS,
  evaluateDefault,
  loadActionMetadata,
  OPERATION_ACTIONS,
  REPO_ROOT,
  type ActionMetadata,
  type OperationAction,
} from './harness/metadata.js';

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(actionMetadataSchema);
const meta = Object.fromEntries(ALL_ACTIONS.map((a) => [a, loadActionMetadata(a)])) as Record<
  (typeof ALL_ACTIONS)[number],
  ActionMetadata
>;
const EXPR_CTX = {
  githubToken: 'ghs_' + 'x'.repeat(36),
  workspace: '/home/runner/work/r/r',
  runnerTemp: '/home/runner/work/_temp',
};

/** The zod schema of one input of an operation (common inputs included). */
function inputSchema(op: OperationAction, name: string): z.ZodType | undefined {
  const shape = { ...commonInputsSchema.shape, ...REGISTRY[op].inputs.shape } as Record<string, z.ZodType>;
  return shape[name];
}

/** What an input is when the runner passes nothing: the zod default (or undefined). */
function zodDefault(schema: z.ZodType): { ok: boolean; value: unknown } {
  const r = schema.safeParse(undefined);
  return { ok: r.success, value: r.success ? r.data : undefined };
}

/** The value an action.yml default gives the operation: core.getInput trims; '' is dropped. */
function parsedDefault(schema: z.ZodType, raw: string): { ok: boolean; value: unknown } {
  const v = evaluateDefault(raw, EXPR_CTX).trim();
  const r = schema.safeParse(v === '' ? undefined : v);
  return { ok: r.success, value: r.success ? r.data : undefined };
}

describe('action.yml metadata', () => {
  test('there is an action.yml for the umbrella and each of the six operations, and no other', () => {
    expect([...OPERATION_ACTIONS]).toEqual([...OPERATIONS]);
    for (const a of ALL_ACTIONS) expect(existsSync(actionYmlPath(a))).toBe(true);
  });

  test.each(ALL_ACTIONS)('%s: matches the action metadata schema', (a) => {
    const ok = validate(meta[a]);
    expect(ok ? [] : validate.errors).toEqual([]);
  });

  test.each(ALL_ACTIONS)('%s: runs node24 bundles that exist in dist/, with an always() post step', (a) => {
    const runs = meta[a].runs;
    expect(runs.using).toBe('node24');
    const entry = a === 'paas' ? 'paas' : a;
    expect(relative(REPO_ROOT, resolve(actionDir(a), runs.main))).toBe(join('dist', entry, 'index.js'));
    expect(relative(REPO_ROOT, resolve(actionDir(a), runs.post ?? ''))).toBe(join('dist', 'post', 'index.js'));
    expect(runs['post-if']).toBe('always()');
    for (const p of [runs.main, runs.post ?? '']) {
      const file = entryFile(a, p); // dist/, or PAAS_HARNESS_DIST
      expect({ file, exists: existsSync(file) }).toEqual({ file, exists: true });
    }
  });

  test('the bundles named by action.yml files are the build entries of scripts/entries.mjs', async () => {
    const { ENTRIES } = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'entries.mjs')).href)) as {
      ENTRIES: Array<{ name: string; source: string }>;
    };
    const names = new Set(ENTRIES.map((e) => e.name));
    for (const a of ALL_ACTIONS) {
      for (const p of [meta[a].runs.main, meta[a].runs.post ?? '']) {
        const rel = relative(join(REPO_ROOT, 'dist'), resolve(actionDir(a), p));
        expect(names.has(rel.split('/')[0] as string)).toBe(true);
      }
    }
  });

  test.each(ALL_ACTIONS)('%s: `${{ }}` only in input defaults, and only the github context there', (a) => {
    // the runner evaluates templates when it loads action.yml: an expression in a description
    // ("e.g. ${{ secrets.X }}") fails every workflow that uses the action with
    // "Unrecognized named-value" before any step runs
    const m = meta[a];
    const offenders: string[] = [];
    const scan = (where: string, v: unknown) => {
      if (typeof v === 'string' && v.includes('${{')) offenders.push(where);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) scan(`${where}.${k}`, x);
    };
    for (const [k, v] of Object.entries(m)) if (k !== 'inputs') scan(k, v);
    for (const [name, spec] of Object.entries(m.inputs ?? {})) {
      scan(`inputs.${name}.description`, spec.description);
      for (const expr of (spec.default ?? '').matchAll(/\$\{\{\s*([^}]*?)\s*\}\}/g)) {
        if (!/^github\.[a-z_]+$/.test(expr[1] ?? '')) offenders.push(`inputs.${name}.default: ${expr[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('action names are unique', () => {
    const names = ALL_ACTIONS.map((a) => meta[a].name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe.each(OPERATION_ACTIONS)('actions/%s/action.yml inputs and outputs', (op) => {
  const m = meta[op];
  const def = REGISTRY[op];
  const inputs = m.inputs ?? {};

  test("inputs are exactly the common inputs plus the operation's own zod inputs", () => {
    const expected = [...COMMON_INPUT_NAMES, ...Object.keys(def.inputs.shape)].sort();
    expect(Object.keys(inputs).sort()).toEqual(expected);
  });

  test('every default parses under the zod schema to the zod default; inputs without a zod default have none (except expressions)', () => {
    for (const [name, spec] of Object.entries(inputs)) {
      const schema = inputSchema(op, name);
      expect(schema).toBeDefined();
      const zd = zodDefault(schema as z.ZodType);
      if (spec.default === undefined) {
        // nothing passed: the zod schema must accept absence
        expect({ name, acceptsAbsence: zd.ok }).toEqual({ name, acceptsAbsence: true });
        continue;
      }
      const pd = parsedDefault(schema as z.ZodType, spec.default);
      expect({ name, default: spec.default, parses: pd.ok }).toEqual({ name, default: spec.default, parses: true });
      if (/\$\{\{/.test(spec.default)) {
        // an expression default (github.token) stands for a value the schema has no default for
        expect({ name, zodDefault: zd.value }).toEqual({ name, zodDefault: undefined });
      } else {
        expect({ name, value: pd.value }).toEqual({ name, value: zd.value });
        expect({ name, zodHasDefault: zd.value !== undefined }).toEqual({ name, zodHasDefault: true });
      }
    }
  });

  test('every zod default is spelled out in action.yml (the runner passes it; docs show it)', () => {
    for (const name of Object.keys(inputs)) {
      const zd = zodDefault(inputSchema(op, name) as z.ZodType);
      if (zd.value !== undefined)
        expect({ name, default: inputs[name]?.default !== undefined }).toEqual({ name, default: true });
    }
  });

  test('required: true exactly where the zod schema refuses absence, or `context` of a mutating operation', () => {
    for (const [name, spec] of Object.entries(inputs)) {
      const refusesAbsence = !zodDefault(inputSchema(op, name) as z.ZodType).ok;
      const expected = refusesAbsence || (name === 'context' && def.mutating);
      expect({ name, required: spec.required }).toEqual({ name, required: expected });
    }
  });

  test('secret inputs are described as masked', () => {
    for (const name of [...def.secretInputs, 'vault'])
      expect({ name, masked: /masked/i.test(inputs[name]?.description ?? '') }).toEqual({ name, masked: true });
  });

  test('outputs include result, status and exit_code', () => {
    for (const o of Object.values(OUTPUTS)) expect(Object.keys(m.outputs ?? {})).toContain(o);
  });
});

describe('root action.yml (umbrella)', () => {
  const root = meta.paas;
  const inputs = root.inputs ?? {};

  test('`operation` is required and lists the six operations', () => {
    expect(inputs.operation?.required).toBe(true);
    expect(inputs.operation?.default).toBeUndefined();
    const listed = [...(inputs.operation?.description ?? '').matchAll(/`([a-z_]+)`/g)].map((x) => x[1]);
    expect(listed).toEqual([...OPERATIONS]);
  });

  test("inputs are `operation` plus the union of the six actions' inputs", () => {
    const union = new Set<string>(['operation']);
    for (const op of OPERATION_ACTIONS) for (const k of Object.keys(meta[op].inputs ?? {})) union.add(k);
    expect(Object.keys(inputs).sort()).toEqual([...union].sort());
  });

  test("outputs are the union of the six actions' outputs", () => {
    const union = new Set<string>();
    for (const op of OPERATION_ACTIONS) for (const k of Object.keys(meta[op].outputs ?? {})) union.add(k);
    expect(Object.keys(root.outputs ?? {}).sort()).toEqual([...union].sort());
  });

  test('a default only where every operation reading the input has that same default', () => {
    for (const [name, spec] of Object.entries(inputs)) {
      if (name === 'operation') continue;
      const readers = OPERATION_ACTIONS.filter((op) => name in (meta[op].inputs ?? {}));
      const defaults = new Set(readers.map((op) => meta[op].inputs?.[name]?.default));
      const agreed = defaults.size === 1 ? [...defaults][0] : undefined;
      expect({ name, default: spec.default }).toEqual({ name, default: agreed });
    }
  });

  test('operation-specific inputs and outputs name the operations that use them', () => {
    const common = new Set<string>([...COMMON_INPUT_NAMES, 'operation']);
    for (const [name, spec] of Object.entries(inputs)) {
      if (common.has(name)) continue;
      const readers = OPERATION_ACTIONS.filter((op) => name in (meta[op].inputs ?? {}));
      for (const op of readers)
        expect({ name, mentions: spec.description.includes(op) }).toEqual({ name, mentions: true });
    }
    const commonOut = new Set<string>(Object.values(OUTPUTS));
    for (const [name, spec] of Object.entries(root.outputs ?? {})) {
      if (commonOut.has(name)) continue;
      const setters = OPERATION_ACTIONS.filter((op) => name in (meta[op].outputs ?? {}));
      for (const op of setters)
        expect({ name, mentions: spec.description.includes(op) }).toEqual({ name, mentions: true });
    }
  });

  test('common inputs are described the same way as in the six actions', () => {
    for (const name of COMMON_INPUT_NAMES) {
      if (name === 'context') continue; // says which operations require it
      for (const op of OPERATION_ACTIONS)
        expect({ name, op, description: meta[op].inputs?.[name]?.description }).toEqual({
          name,
          op,
          description: inputs[name]?.description,
        });
    }
  });
});

describe('docs', () => {
  test('docs/inputs.md is generated from the action.yml files (PAAS_UPDATE_DOCS=1 rewrites it)', () => {
    const file = join(REPO_ROOT, 'docs', 'inputs.md');
    const expected = renderInputsDoc();
    if (process.env.PAAS_UPDATE_DOCS === '1') writeFileSync(file, expected);
    expect(readFileSync(file, 'utf8')).toBe(expected);
  });

  test('docs/actions.md shows a `uses:` step for every action', () => {
    const text = readFileSync(join(REPO_ROOT, 'docs', 'actions.md'), 'utf8');
    for (const op of OPERATION_ACTIONS) expect(text).toContain(`uses: <owner>/paas-actions/actions/${op}@v1`);
    expect(text).toContain('uses: <owner>/paas-actions@v1');
  });

  test('the workflow examples in docs/actions.md parse and pass only declared inputs', () => {
    const text = readFileSync(join(REPO_ROOT, 'docs', 'actions.md'), 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    let steps = 0;
    const visit = (v: unknown) => {
      if (Array.isArray(v)) return v.forEach(visit);
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      const m = typeof o.uses === 'string' ? /^<owner>\/paas-actions(?:\/actions\/([a-z_]+))?@v1$/.exec(o.uses) : null;
      if (m) {
        steps++;
        const a = (m[1] ?? 'paas') as (typeof ALL_ACTIONS)[number];
        expect(ALL_ACTIONS).toContain(a);
        const declared = Object.keys(meta[a].inputs ?? {});
        expect(Object.keys((o.with ?? {}) as object).filter((k) => !declared.includes(k))).toEqual([]);
        for (const [name, spec] of Object.entries(meta[a].inputs ?? {}))
          if (spec.required && a === 'paas') expect(Object.keys((o.with ?? {}) as object)).toContain(name);
      }
      Object.values(o).forEach(visit);
    };
    for (const b of blocks) visit(parse(b, { version: '1.2', uniqueKeys: true }));
    expect(steps).toBeGreaterThanOrEqual(8);
  });
});
