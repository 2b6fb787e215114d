/**
 * docs/inputs.md is rendered from the action.yml files, so the tables cannot drift from them:
 * test/action-yml.test.ts compares, and `PAAS_UPDATE_DOCS=1 npm test -- test/action-yml` rewrites.
 */
import { ALL_ACTIONS, loadActionMetadata, type ActionName } from './metadata.js';

function cell(s: string): string {
  return s.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
}

function code(s: string): string {
  return s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``;
}

function uses(a: ActionName): string {
  return a === 'paas' ? '<owner>/paas-actions@v1' : `<owner>/paas-actions/actions/${a}@v1`;
}

export function renderInputsDoc(): string {
  const out: string[] = [
    '# Action inputs and outputs',
    '',
    '<!-- Generated from the action.yml files by test/harness/docs.ts; edit those, then run',
    '     `PAAS_UPDATE_DOCS=1 npm test -- test/action-yml` to rewrite this file. -->',
    '',
    'Every input arrives as a string. Booleans are `true` or `false` (also `True`, `TRUE`, `False`,',
    '`FALSE`); anything else is refused with `PAAS_INVALID_ARGUMENT` naming the input, never its value.',
    'An empty input is the same as an input not given. How to call the actions: [actions.md](actions.md).',
    '',
    'Every action sets the outputs `result` (JSON envelope), `status` (one-line logfmt status) and',
    '`exit_code`; the others are set by the operation when they apply. The CLI takes the same inputs',
    'as flags in kebab-case (`state_root` is `--state-root`).',
    '',
  ];
  const order: ActionName[] = ['paas', ...ALL_ACTIONS.filter((a) => a !== 'paas')];
  out.push('| action | `uses:` |', '| --- | --- |');
  for (const a of order)
    out.push(
      `| [${a === 'paas' ? 'paas (umbrella)' : a}](#${a === 'paas' ? 'paas-umbrella' : a}) | ${code(uses(a))} |`,
    );
  out.push('');
  for (const a of order) {
    const m = loadActionMetadata(a);
    out.push(
      `## ${a === 'paas' ? 'paas (umbrella)' : a}`,
      '',
      `${m.description}`,
      '',
      `\`uses: ${uses(a)}\``,
      '',
      '### Inputs',
      '',
    );
    out.push('| input | required | default | description |', '| --- | --- | --- | --- |');
    for (const [name, spec] of Object.entries(m.inputs ?? {})) {
      out.push(
        `| \`${name}\` | ${spec.required ? 'yes' : 'no'} | ${spec.default === undefined ? '' : code(spec.default)} | ${cell(spec.description)} |`,
      );
    }
    out.push('', '### Outputs', '', '| output | description |', '| --- | --- |');
    for (const [name, spec] of Object.entries(m.outputs ?? {})) out.push(`| \`${name}\` | ${cell(spec.description)} |`);
    out.push('');
  }
  return out.join('\n');
}
