/** Markdown helpers for job summaries (inputs must already be redacted). */
function cell(v: unknown): string {
  return String(v ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

export function markdownTable(headers: string[], rows: unknown[][]): string {
  const head = `| ${headers.map(cell).join(' | ')} |`;
  const sep = `| ${headers.map(() => '---').join(' | ')} |`;
  return [head, sep, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  title?: string;
}

/** Workflow command for an annotation (`::error file=..,line=..::msg`), escaped per the runner's rules. */
export function annotationCommand(a: Annotation): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const props: string[] = [];
  if (a.file) props.push(`file=${escProp(a.file)}`);
  if (a.line) props.push(`line=${a.line}`);
  if (a.title) props.push(`title=${escProp(a.title)}`);
  return `::${a.level}${props.length ? ' ' + props.join(',') : ''}::${esc(a.message)}`;
}
