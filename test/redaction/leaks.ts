/**
 * What the redaction tests that run real tools on a secret share: the tool run on a file, the
 * stream fed in chunks, the pieces of a secret no output may give back, and the check that
 * redact() hides them and stream() gives the same text however the input is cut.
 */
import { expect } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redactor, derivedForms } from '../../lib/redaction/redactor.js';
import { cutAt } from './fixtures.js';

/** The length of a piece of a secret that must not be readable from any output. */
export const PIECE = 12;

/** `cmd` run on a file (in `dir`) holding `input`; its output as Latin-1. */
export function runTool(dir: string, cmd: string[], input: Buffer | string): string {
  const file = join(dir, 'input');
  writeFileSync(file, input);
  return execFileSync(cmd[0] as string, [...cmd.slice(1), file], { encoding: 'latin1' });
}

/** What Redactor.stream() prints for the input given in these chunks. */
export function streamAll(r: Redactor, chunks: string[]): string {
  const s = r.stream();
  return chunks.map((c) => s.write(c)).join('') + s.end();
}

/** The secret's own lines, without PEM armor (`-----BEGIN OPENSSH PRIVATE KEY-----` is public). */
export const secretLines = (secret: string) => secret.split(/\r?\n/).filter((l) => !/^-----(BEGIN|END) /.test(l));

/** Every PIECE-character window of the lines of the secret and of each of its derived forms. */
export function secretPieces(secret: string): Set<string> {
  const out = new Set<string>();
  const texts = [secret, ...derivedForms(secret).map(([, f]) => f)].flatMap(secretLines);
  for (const t of texts) for (let i = 0; i + PIECE <= t.length; i++) out.add(t.slice(i, i + PIECE));
  return out;
}

/** Throws when any reading of `output` (`readings`: the ways a reader could decode it) holds a piece of the secret. */
export function assertNotReadable(
  secret: string,
  output: string,
  label: string,
  readings: (output: string) => string[],
): void {
  const rs = readings(output);
  for (const p of secretPieces(secret))
    for (const r of rs)
      if (r.includes(p)) throw new Error(`${label}: ${JSON.stringify(p)} can be read back from\n${output}`);
}

/** redact() of `text` is not readable (assertNotReadable), and stream() cut at random points gives the same text. */
export function checkDump(
  r: Redactor,
  secret: string,
  text: string,
  label: string,
  rnd: () => number,
  readings: (output: string) => string[],
): string {
  const batch = r.redact(text);
  assertNotReadable(secret, batch, `${label} redact()`, readings);
  for (let k = 0; k < 3; k++) {
    const cuts = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => Math.floor(rnd() * text.length));
    expect(streamAll(r, cutAt(text, cuts))).toBe(batch);
  }
  return batch;
}
