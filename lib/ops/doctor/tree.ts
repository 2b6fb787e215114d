/**
 * The repository tree: which files to check (git's view: tracked plus untracked-not-ignored;
 * a directory walk when the root is not a git work tree), private state artifacts by path, and
 * the content scan for plaintext secrets.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { sep } from 'node:path';
import { findGitWorkTree } from '../../isolation/state-root.js';
import { Detector, type Hit } from './detect.js';
import { FLAG_BINARY, FLAG_PATH_MAYBE, ReadStatus, type ReadAhead, type TakenFile } from './readahead.js';
import type { Severity, SkippedCounts } from './types.js';

export interface FileList {
  listing: 'git' | 'walk';
  files: string[];
}

/** `git ls-files -z --cached --others --exclude-standard` in `root`, or null when git cannot answer. */
function gitFiles(root: string, env: NodeJS.ProcessEnv = process.env): string[] | null {
  try {
    // node:child_process loaded here, in git work trees only (see openDatabase in state/db.ts)
    const { execFileSync } = process.getBuiltinModule('node:child_process');
    const out = execFileSync(
      'git',
      [
        '-c',
        'core.fsmonitor=false',
        '-c',
        'safe.directory=*',
        '-C',
        root,
        'ls-files',
        '-z',
        '--cached',
        '--others',
        '--exclude-standard',
      ],
      {
        encoding: 'latin1',
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: {
          PATH: env.PATH ?? process.env.PATH,
          HOME: env.HOME ?? process.env.HOME,
          GIT_OPTIONAL_LOCKS: '0',
          LC_ALL: 'C',
        },
      },
    );
    const names = out
      .split('\0')
      .filter(Boolean)
      .map((s) => Buffer.from(s, 'latin1').toString('utf8'));
    return [...new Set(names)];
  } catch {
    return null;
  }
}

/** Every regular file below root, skipping `.git` (used when root is not a git work tree). */
function walkFiles(root: string): string[] {
  const out: string[] = [];
  const stack = [''];
  const prefix = root.endsWith('/') || root.endsWith(sep) ? root : `${root}/`;
  while (stack.length) {
    const rel = stack.pop() as string;
    let entries;
    try {
      entries = readdirSync(rel ? prefix + rel : root, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.git') stack.push(p);
      } else out.push(p);
    }
  }
  return out.sort();
}

export function listFiles(root: string, env?: NodeJS.ProcessEnv): FileList {
  // git finds its repository by looking for `.git` in root and its parents (GIT_DIR is not passed
  // to it): with none there, it can only fail, so it is not started
  const git = findGitWorkTree(root) ? gitFiles(root, env) : null;
  if (git) return { listing: 'git', files: git };
  return { listing: 'walk', files: walkFiles(root) };
}

// ---------------------------------------------------------------------------------------------
// Private state artifacts, by path (and a peek at the first bytes for dumps and key files)

interface ArtifactRule {
  kind: string;
  severity: Severity;
  test: (path: string, base: string) => boolean;
  what: string;
}

const DOTENV_OK =
  /^\.env\.(?:example|sample|template|dist|defaults|schema|tpl|in|ci\.example)(?:\.[\w-]+)?$|\.example$|\.sample$|\.template$/i;

export const ARTIFACT_RULES: readonly ArtifactRule[] = [
  {
    kind: 'state_db',
    severity: 'critical',
    what: 'paas state database',
    test: (_p, b) => /^state\.db(?:-wal|-shm|-journal)?$/.test(b),
  },
  {
    kind: 'context_config',
    severity: 'critical',
    what: 'context configuration from a state root',
    test: (p) => /(?:^|\/)contexts\/[a-z0-9][a-z0-9-]{0,62}\/config\.json$/.test(p),
  },
  {
    kind: 'events_log',
    severity: 'critical',
    what: 'context event log',
    test: (p) => /(?:^|\/)events\/\d{4}-\d{2}(?:-\d{2})?\.jsonl(?:\.gz)?$/.test(p),
  },
  {
    kind: 'selected_context',
    severity: 'high',
    what: 'state root context selection',
    test: (_p, b) => b === 'selected-context',
  },
  {
    kind: 'vault_file',
    severity: 'critical',
    what: 'vault file',
    test: (_p, b) => /^(?:\.?vault(?:\.env|\.txt)?|.+\.vault(?:\.env)?|paas-vault.*|\.paas-vault.*)$/i.test(b),
  },
  {
    kind: 'terraform_state',
    severity: 'critical',
    what: 'Terraform state (holds secrets in plaintext)',
    test: (_p, b) => /\.tfstate(?:\.backup|\.\d+\.backup)?$/.test(b),
  },
  {
    kind: 'db_dump',
    severity: 'critical',
    what: 'database dump',
    test: (_p, b) =>
      /\.(?:dump|dmp|pgdump|pg_dump|pgsql|psql|sqldump|sql\.(?:gz|bz2|xz|zst|zip|7z|tar|tgz)|dump\.(?:gz|bz2|xz|zst|zip)|bak\.sql|mysqldump|pgbackup)$/i.test(
        b,
      ) || /^(?:dump|backup|db[-_]?dump|pg[-_]?dump|mysql[-_]?dump)(?:[-_.][\w-]+)?\.sql$/i.test(b),
  },
  {
    kind: 'private_key_file',
    severity: 'critical',
    what: 'private key file',
    test: (_p, b) => /^id_(?:rsa|dsa|ecdsa|ed25519)(?:_[\w-]+)?$/.test(b) || /\.(?:p12|pfx|jks|keystore|ppk)$/i.test(b),
  },
  {
    kind: 'credentials_file',
    severity: 'high',
    what: 'credentials file',
    test: (_p, b) =>
      /^(?:\.pgpass|\.netrc|_netrc|\.git-credentials|\.my\.cnf|\.s3cfg|\.htpasswd|htpasswd|\.pypirc)$/.test(b),
  },
  {
    kind: 'credentials_file',
    severity: 'critical',
    what: 'Rails master key (decrypts config/credentials)',
    test: (p) => /(?:^|\/)config\/(?:master|credentials\/[\w-]+)\.key$/.test(p),
  },
  {
    kind: 'dotenv_file',
    severity: 'high',
    what: '.env file',
    test: (_p, b) => /^\.env(?:\.[\w.-]+)?$/.test(b) && !DOTENV_OK.test(b),
  },
];

/** Files whose content decides: PEM keys in .pem/.key/.crt files, plain-SQL dumps, Terraform state in JSON. */
const CONTENT_ARTIFACT_EXT = /\.(?:pem|key|crt|cer|der|sql|json)$/i;

function contentArtifact(path: string, head: string): { kind: string; severity: Severity; what: string } | null {
  if (/\.(?:pem|key|crt|cer|der)$/i.test(path) && /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY/.test(head))
    return { kind: 'private_key_file', severity: 'critical', what: 'private key file' };
  if (/\.sql$/i.test(path) && /^--\s*(?:PostgreSQL database dump|MySQL dump|MariaDB dump)/m.test(head.slice(0, 512)))
    return { kind: 'db_dump', severity: 'critical', what: 'database dump' };
  if (/\.json$/i.test(path) && head.includes('"terraform_version"') && head.includes('"lineage"'))
    return { kind: 'terraform_state', severity: 'critical', what: 'Terraform state (holds secrets in plaintext)' };
  return null;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const PGDMP_MAGIC = Buffer.from('PGDMP', 'latin1');

/** PBES2's object identifier (1.2.840.113549.1.5.13): an encrypted PKCS#8 key's algorithm. */
const PBES2_OID = Buffer.from('06092a864886f70d01050d', 'hex');

/**
 * A private key in DER (`openssl ... -outform DER`): one ASN.1 SEQUENCE spanning the file, then
 * version 0 or 1 and an algorithm (PKCS#8), the modulus (PKCS#1) or the key octets (SEC1); or an
 * encrypted PKCS#8 key (PBES2). A certificate starts with a SEQUENCE instead of the version.
 */
function derPrivateKey(data: Buffer): boolean {
  if (data[0] !== 0x30 || data.length < 16) return false;
  const l = data[1] as number;
  const [len, hdr] =
    l < 0x80 ? [l, 2] : l === 0x81 ? [data[2] as number, 3] : l === 0x82 ? [data.readUInt16BE(2), 4] : [-1, 0];
  if (hdr + len !== data.length) return false;
  if (data[hdr] === 0x02 && data[hdr + 1] === 1 && (data[hdr + 2] === 0 || data[hdr + 2] === 1))
    return [0x30, 0x02, 0x04].includes(data[hdr + 3] as number);
  return data[hdr] === 0x30 && data.subarray(hdr, hdr + 16).includes(PBES2_OID);
}

/** Binary files recognised by their first bytes, whatever their name: SQLite databases, pg_dump archives, DER private keys. */
function headerArtifact(data: Buffer): { kind: string; severity: Severity; what: string } | null {
  if (derPrivateKey(data)) return { kind: 'private_key_file', severity: 'critical', what: 'private key file (DER)' };
  if (data.length >= 100 && data.subarray(0, 16).equals(SQLITE_MAGIC))
    return { kind: 'sqlite_database', severity: 'critical', what: 'SQLite database (application or paas state)' };
  if (data.length >= 5 && data.subarray(0, 5).equals(PGDMP_MAGIC))
    return { kind: 'db_dump', severity: 'critical', what: 'database dump' };
  return null;
}

interface ArtifactHit {
  file: string;
  kind: string;
  severity: Severity;
  what: string;
}

/**
 * One test that every path some rule above matches passes (a superset, case-insensitive): most
 * files are ruled out by it alone instead of by each rule in turn.
 */
const ARTIFACT_MAYBE =
  /state\.db|contexts\/|events\/|selected-context|vault|\.tfstate|dump|dmp$|\.sql|sql$|\.pgbackup$|id_|\.(?:p12|pfx|jks|keystore|ppk)$|pgpass|netrc|credentials|master\.key$|\.my\.cnf|\.s3cfg|htpasswd|pypirc|(?:^|\/)\.env/i;

/** The test a reader thread makes of each path for artifactByPath() (readahead.ts FLAG_PATH_MAYBE). */
export const ARTIFACT_PATH_FILTER: RegExp = ARTIFACT_MAYBE;

function artifactByPath(path: string): ArtifactHit | null {
  if (!ARTIFACT_MAYBE.test(path)) return null;
  const base = path.slice(path.lastIndexOf('/') + 1);
  for (const r of ARTIFACT_RULES)
    if (r.test(path, base)) return { file: path, kind: r.kind, severity: r.severity, what: r.what };
  return null;
}

// ---------------------------------------------------------------------------------------------
// The content scan

export interface FileHit extends Hit {
  file: string;
  line: number;
  column: number;
}

export interface ScanResult {
  hits: FileHit[];
  artifacts: ArtifactHit[];
  files: number;
  bytes: number;
  skipped: SkippedCounts;
}

interface ScanOptions {
  detector: Detector;
  maxFileBytes: number;
  /** files never scanned for content (doctor's own outputs: baseline, SARIF) */
  exclude?: ReadonlySet<string>;
}

const BINARY_PROBE = 8000;

/** The text of a file that starts with a UTF-16 byte order mark (FF FE: little-endian, FE FF: big-endian), else null. */
function utf16Text(data: Buffer): string | null {
  if (data.length < 2 || !((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)))
    return null;
  const body = Buffer.from(data.subarray(2, data.length & ~1));
  if (data[0] === 0xfe) body.swap16();
  return body.toString('utf16le');
}

const OPEN_NOFOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Line and column (1-based) of each hit, counting newlines once through the text. */
function locate(text: string | Buffer, hits: Hit[], file: string): FileHit[] {
  const out: FileHit[] = [];
  let line = 1;
  let lineStart = 0;
  let pos = 0;
  // a file's bytes (a large file, confirmed in pieces): searched for the byte, not a one-character string
  const nlAt =
    typeof text === 'string' ? (from: number) => text.indexOf('\n', from) : (from: number) => text.indexOf(10, from);
  for (const h of hits) {
    for (let nl = nlAt(pos); nl !== -1 && nl < h.start; nl = nlAt(nl + 1)) {
      line++;
      lineStart = nl + 1;
      pos = nl + 1;
    }
    out.push({ ...h, file, line, column: h.start - lineStart + 1 });
  }
  return out;
}

/** Hands out [start, end) ranges of the file list; several threads may share one (parallel.ts). */
export type Claim = () => readonly [number, number] | null;

export function wholeList(n: number): Claim {
  let done = false;
  return () => {
    if (done) return null;
    done = true;
    return [0, n];
  };
}

/** Where readFileInto() puts a file: its bytes in buf[0, n) (buf grown as needed). */
interface ReadBox {
  buf: Buffer;
  n: number;
}

/** Reads one file into `box`: its status (the length in box.n). */
function readFileInto(abs: string, maxFileBytes: number, box: ReadBox): ReadStatus {
  box.n = 0;
  // open without following symlinks (ELOOP), then fstat the descriptor: one path lookup per file
  let fd: number;
  try {
    fd = openSync(abs, OPEN_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') return ReadStatus.SYMLINK;
    if (code === 'ENOENT' || code === 'ENOTDIR') return ReadStatus.MISSING;
    return code === 'EISDIR' ? ReadStatus.IGNORED : ReadStatus.UNREADABLE;
  }
  let n = 0;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return ReadStatus.IGNORED;
    if (st.size > maxFileBytes) return ReadStatus.OVERSIZED;
    if (st.size > box.buf.length) box.buf = Buffer.allocUnsafeSlow(Math.max(st.size, box.buf.length * 2));
    while (n < st.size) {
      // sequential reads from the start (no position: fewer argument checks per call)
      const r = readSync(fd, box.buf, n, st.size - n, null);
      if (r === 0) break;
      n += r;
    }
  } catch {
    return ReadStatus.UNREADABLE;
  } finally {
    closeSync(fd);
  }
  box.n = n;
  return ReadStatus.OK;
}

/** Collects the results of a scan, file by file. */
class ScanCollector {
  readonly skipped: SkippedCounts = { binary: 0, oversized: 0, symlink: 0, unreadable: 0, missing: 0 };
  readonly hits: FileHit[] = [];
  readonly artifacts: ArtifactHit[] = [];
  files = 0;
  bytes = 0;

  constructor(private readonly detector: Detector) {}

  /** Counts a file that could not be read. */
  notRead(status: ReadStatus): void {
    if (status === ReadStatus.SYMLINK) this.skipped.symlink++;
    else if (status === ReadStatus.MISSING) this.skipped.missing++;
    else if (status === ReadStatus.UNREADABLE) this.skipped.unreadable++;
    else if (status === ReadStatus.OVERSIZED) this.skipped.oversized++;
  }

  /** Scans one file's bytes; `art`: its artifact by path, if any; `binary`: known already (the reader looked). */
  file(rel: string, data: Buffer, art: ArtifactHit | null, binary?: boolean): void {
    const n = data.length;
    if (n === 0) {
      this.files++;
      return;
    }
    let utf16: string | null = null;
    if (binary ?? data.subarray(0, Math.min(n, BINARY_PROBE)).indexOf(0) !== -1) {
      // UTF-16 with a byte order mark (Windows tools, PowerShell scripts): scanned as its text
      utf16 = utf16Text(data);
      if (utf16 === null) {
        const h = art ? null : headerArtifact(data);
        if (h) this.artifacts.push({ file: rel, ...h });
        this.skipped.binary++;
        return;
      }
    }
    this.files++;
    this.bytes += n;
    // the bytes are scanned as they are; a string is made only for the files that need one
    const found =
      utf16 === null ? this.detector.scanBytes(data, rel) : { text: utf16, hits: this.detector.scan(utf16, rel) };
    if (!art && CONTENT_ARTIFACT_EXT.test(rel)) {
      const c = contentArtifact(rel, utf16?.slice(0, 4096) ?? data.toString('latin1', 0, Math.min(n, 4096)));
      if (c) this.artifacts.push({ file: rel, ...c });
    }
    if (found.hits.length) {
      this.hits.push(...locate(found.text, found.hits, rel));
      // a vault file recognised by its content, whatever its name and place
      if (!art && found.hits.some((h) => h.kind === 'paas_vault_value'))
        this.artifacts.push({
          file: rel,
          kind: 'vault_file',
          severity: 'critical',
          what: 'vault file (paas vault keys with values)',
        });
    }
  }

  result(): ScanResult {
    return { hits: this.hits, artifacts: this.artifacts, files: this.files, bytes: this.bytes, skipped: this.skipped };
  }
}

/**
 * Scans files[range] for each range `claim` hands out. `reader`: a read-ahead thread holding the
 * files' bytes (readahead.ts); the files it did not read are read here.
 */
export function scanTree(
  root: string,
  files: readonly string[],
  opts: ScanOptions,
  claim: Claim = wholeList(files.length),
  reader?: ReadAhead,
): ScanResult {
  const out = new ScanCollector(opts.detector);
  // not from Node's pool: 4-byte aligned, so the matcher reads the bytes in place
  const box: ReadBox = { buf: Buffer.allocUnsafeSlow(1 << 20), n: 0 };
  const ahead: TakenFile = { data: box.buf, flags: -1 };
  // listed paths are relative and normalized (git, walkFiles): a concatenation, not path.join
  const prefix = root.endsWith('/') || root.endsWith(sep) ? root : `${root}/`;
  // a list, not the Set: includes() compares strings, has() would hash every path
  const exclude = [...(opts.exclude ?? [])];
  try {
    for (let range = claim(); range; range = claim())
      for (let i = range[0]; i < range[1]; i++) {
        const rel = files[i] as string;
        if (exclude.length !== 0 && exclude.includes(rel)) {
          const art = artifactByPath(rel);
          if (art) out.artifacts.push(art);
          continue;
        }
        let status = reader ? reader.take(i, ahead) : ReadStatus.LARGE;
        // the reader tested the path already when it looked at the file (flags >= 0)
        const art = reader && ahead.flags >= 0 && (ahead.flags & FLAG_PATH_MAYBE) === 0 ? null : artifactByPath(rel);
        if (art) out.artifacts.push(art);
        if (status === ReadStatus.OK) {
          out.file(rel, ahead.data, art, (ahead.flags & FLAG_BINARY) !== 0);
          reader?.release(i);
          continue;
        }
        if (status === ReadStatus.LARGE) status = readFileInto(prefix + rel, opts.maxFileBytes, box);
        if (status === ReadStatus.OK) out.file(rel, box.buf.subarray(0, box.n), art);
        else out.notRead(status);
      }
  } finally {
    reader?.close();
  }
  return out.result();
}
