/**
 * Read-only remote scripts of the `target` and `backup` checks. They are built like every remote
 * script (lib/transport/commands.ts): validated values, the one quoting function `q`, no string
 * concatenation of untrusted text. Output is `key=value` lines parsed below; nothing else is read.
 */
import { q } from '../../transport/commands.js';

const SERVICE_RE = /^[A-Za-z0-9@._:-]{1,255}$/;
const PATH_RE = /^(\/[A-Za-z0-9._@+-]+)+$|^\/$/;

export function safeRemotePath(p: string): string {
  if (!PATH_RE.test(p) || p.split('/').some((s) => s === '.' || s === '..')) throw new Error('unsafe remote path');
  return p;
}

/** Disk use (percent) of the filesystem holding `diskPath` and/or `systemctl is-active <service>`. */
export function probeScript(opts: { diskPath?: string | undefined; service?: string | undefined }): string {
  const lines = ['set -u'];
  if (opts.diskPath) {
    lines.push(
      `d=${q(safeRemotePath(opts.diskPath))}`,
      'while [ ! -d "$d" ]; do d=$(dirname "$d"); done',
      'echo "disk_pct=$(df -P "$d" 2>/dev/null | awk \'NR==2 {sub("%","",$5); print $5}\')"',
    );
  }
  if (opts.service) {
    if (!SERVICE_RE.test(opts.service)) throw new Error('unsafe service name');
    lines.push(`if command -v systemctl >/dev/null 2>&1; then echo "service=$(systemctl is-active ${q(opts.service)} 2>/dev/null || true)"; else echo "service=no_systemctl"; fi`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The newest regular file of `dir` (by mtime; checksum files and `*.tmp`/`*.partial` excluded),
 * its age by the target's own clock, and its sha256 beside the expected one from `<file>.sha256`,
 * `<file>.sha256sum` or a `SHA256SUMS` file in the directory. File names are never printed.
 */
export function backupScript(dir: string, verifyChecksum: boolean): string {
  const lines = [
    'set -u',
    `D=${q(safeRemotePath(dir))}`,
    'if [ ! -d "$D" ]; then echo "dir=no"; exit 0; fi',
    'echo "dir=yes"',
    'newest=""; newest_m=0',
    'for f in "$D"/* "$D"/.[!.]*; do',
    '  [ -f "$f" ] || continue',
    '  case "$f" in *.sha256|*.sha256sum|*/SHA256SUMS|*.tmp|*.partial) continue;; esac',
    '  m=$(stat -c %Y "$f" 2>/dev/null || stat -f %m "$f" 2>/dev/null || echo 0)',
    '  if [ "$m" -gt "$newest_m" ]; then newest=$f; newest_m=$m; fi',
    'done',
    'if [ -z "$newest" ]; then echo "snapshot=none"; exit 0; fi',
    'echo "snapshot=yes"',
    'echo "mtime=$newest_m"',
    'echo "now=$(date +%s)"',
    'echo "size=$(wc -c <"$newest" | tr -d " ")"',
  ];
  if (verifyChecksum) {
    lines.push(
      'exp=""',
      'if [ -f "$newest.sha256" ]; then exp=$(head -n 1 "$newest.sha256" | cut -d" " -f1)',
      'elif [ -f "$newest.sha256sum" ]; then exp=$(head -n 1 "$newest.sha256sum" | cut -d" " -f1)',
      'elif [ -f "$D/SHA256SUMS" ]; then b=${newest##*/}; exp=$(awk -v n="$b" \'{f=$2; sub(/^\\*/,"",f); if (f==n) {print $1; exit}}\' "$D/SHA256SUMS")',
      'fi',
      'echo "expected=$(printf %s "$exp" | tr -d "\\r\\n " | tr A-F a-f)"',
      'if command -v sha256sum >/dev/null 2>&1; then echo "actual=$(sha256sum "$newest" | cut -d" " -f1)"',
      'elif command -v shasum >/dev/null 2>&1; then echo "actual=$(shasum -a 256 "$newest" | cut -d" " -f1)"',
      'else echo "actual=no_tool"; fi',
    );
  }
  return lines.join('\n') + '\n';
}

/** `key=value` lines → map (later keys win; lines without `=` ignored). */
export function parseKv(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}
