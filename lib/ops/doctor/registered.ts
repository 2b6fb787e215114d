/**
 * Registered secrets (vault values, named secrets in the environment) and the derived forms
 * doctor looks for in files: the same forms the redaction library covers (PRODUCT.md section 2):
 * the exact value, base64 in all three alignments, base64url, hex, URL-encoded, JSON-escaped,
 * and each line of a multi-line value.
 *
 * The forms come from lib/redaction (`derivedForms`), so doctor finds exactly what the redactor
 * would mask. Docs: docs/doctor.md.
 */
import { createHash } from 'node:crypto';
import { MIN_SECRET_LENGTH, derivedForms } from '../../redaction/redactor.js';

export interface SecretForm {
  /** the form, as Latin-1 text of its UTF-8 bytes (files are scanned as Latin-1) */
  text: string;
  /** vault key or environment variable name (never the value) */
  name: string;
  encoding: string;
  /** SHA-256 of the registered value this form derives from (stable across runs) */
  id: string;
}

/**
 * Derived forms shorter than this are not searched in files: a 6-character base64 fragment of a
 * secret occurs by chance in large trees (the redactor masks them anyway; doctor would report).
 */
const MIN_FORM_LENGTH = Math.max(MIN_SECRET_LENGTH, 8);

/** The redaction library's forms (one definition of "any derived form"), long enough to report. */
function reportableForms(value: string): Array<[string, string]> {
  return derivedForms(value).filter(([, text]) => text.length >= MIN_FORM_LENGTH);
}

/** A set of registered values with their names, searched in every derived form. */
export class RegisteredSecrets {
  private readonly values: string[] = [];
  private readonly names: string[] = [];
  private readonly seen = new Set<string>();

  add(value: string | undefined, name: string): void {
    if (typeof value !== 'string') return;
    const v = value.trim();
    if (v.length < MIN_SECRET_LENGTH || this.seen.has(v)) return;
    this.seen.add(v);
    this.values.push(v);
    this.names.push(name);
  }

  get size(): number {
    return this.values.length;
  }

  forms(): SecretForm[] {
    const out: SecretForm[] = [];
    this.values.forEach((v, i) => {
      const id = createHash('sha256').update(v).digest('hex');
      for (const [encoding, text] of reportableForms(v))
        out.push({ text: Buffer.from(text, 'utf8').toString('latin1'), name: this.names[i] as string, encoding, id });
    });
    return out;
  }
}

/** Environment variable names whose values doctor treats as registered secrets. */
const SECRET_ENV_NAME =
  /(secret|token|passw(or)?d|pwd|credential|private_?key|api_?key|access_?key|dsn|webhook|ssh_key|known_hosts|state_key)/i;
const NOT_A_SECRET_ENV =
  /^(?:OLD)?PWD$|(_FILE|_PATH|_DIR|_NAME|_URL_NAME|_TYPE|_ID)$|^INPUT_|^GITHUB_(?!TOKEN$)|^RUNNER_|^ACTIONS_(?!RUNTIME_TOKEN$|ID_TOKEN_REQUEST_TOKEN$)|^npm_|^JEST_|^NODE_/;

export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV_NAME.test(name) && !NOT_A_SECRET_ENV.test(name);
}
