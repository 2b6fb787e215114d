#!/usr/bin/env node
// Release notes from CHANGELOG.md (Keep a Changelog 1.1.0), for .github/workflows/release.yml.
//
//   node scripts/release-notes.mjs 1.2.0              # prints the body of "## [1.2.0] - <date>"
//   node scripts/release-notes.mjs --prepare 1.2.0    # moves the [Unreleased] entries under a new
//                                                     # "## [1.2.0] - <today>" heading (in a PR)
//   options: --changelog <file> (default CHANGELOG.md beside this repository's package.json)
//
// A version is X.Y.Z (a leading `v` is accepted). Errors are one line with the fix, exit 1.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export class ReleaseError extends Error {}

/** `1.2.3` from `1.2.3` or `v1.2.3`; throws on anything else. */
export function parseVersion(input) {
  const v = String(input ?? '')
    .trim()
    .replace(/^v/, '');
  if (!/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.test(v)) {
    throw new ReleaseError(
      `"${String(input ?? '').slice(0, 40)}" is not a version X.Y.Z (e.g. 1.2.0): tags are vX.Y.Z`,
    );
  }
  return { version: v, tag: `v${v}`, major: `v${v.split('.')[0]}` };
}

const heading = /^## \[([^\]]+)\][^\n]*$/gm;

/** The sections of a changelog: [{ name, start, bodyStart, end }]. */
function sections(text) {
  const found = [...text.matchAll(heading)].map((m) => ({
    name: m[1],
    start: m.index,
    bodyStart: m.index + m[0].length,
  }));
  return found.map((s, i) => {
    let end = found[i + 1]?.start ?? text.length;
    const refs = text.slice(s.bodyStart, end).search(/^\[[^\]]+\]: /m); // link references at the end
    if (refs >= 0) end = s.bodyStart + refs;
    return { ...s, end };
  });
}

/** The body of the section of `version`, trimmed; throws when missing or empty. */
export function releaseNotes(changelog, version) {
  const { version: v } = parseVersion(version);
  const s = sections(changelog).find((x) => x.name === v);
  if (!s)
    throw new ReleaseError(
      `CHANGELOG.md has no "## [${v}] - YYYY-MM-DD" section: run \`node scripts/release-notes.mjs --prepare ${v}\` and merge it first`,
    );
  const body = changelog.slice(s.bodyStart, s.end).trim();
  if (!/^- /m.test(body))
    throw new ReleaseError(
      `the CHANGELOG.md section of ${v} lists no change: add its entries ("- ...") under "### Added/Changed/Fixed"`,
    );
  return `${body}\n`;
}

/** The changelog with the [Unreleased] entries moved under "## [version] - date". */
export function prepare(changelog, version, date = new Date().toISOString().slice(0, 10)) {
  const { version: v } = parseVersion(version);
  const all = sections(changelog);
  if (all.some((x) => x.name === v)) throw new ReleaseError(`CHANGELOG.md already has a section for ${v}`);
  const un = all.find((x) => x.name.toLowerCase() === 'unreleased');
  if (!un) throw new ReleaseError('CHANGELOG.md has no "## [Unreleased]" section to release');
  const body = changelog.slice(un.bodyStart, un.end).trim();
  if (!/^- /m.test(body))
    throw new ReleaseError('the [Unreleased] section of CHANGELOG.md lists no change: nothing to release');
  return `${changelog.slice(0, un.bodyStart)}\n\n## [${v}] - ${date}\n\n${body}\n\n${changelog.slice(un.end).replace(/^\n+/, '')}`;
}

function main(argv) {
  const args = [...argv];
  let file = join(ROOT, 'CHANGELOG.md');
  const at = args.indexOf('--changelog');
  if (at >= 0) [, file] = args.splice(at, 2);
  const prep = args.indexOf('--prepare');
  if (prep >= 0) args.splice(prep, 1);
  if (args.length !== 1)
    throw new ReleaseError('usage: node scripts/release-notes.mjs [--prepare] <X.Y.Z> [--changelog CHANGELOG.md]');
  const text = readFileSync(file, 'utf8');
  if (prep >= 0) {
    writeFileSync(file, prepare(text, args[0]));
    process.stdout.write(`${file}: [Unreleased] is now [${parseVersion(args[0]).version}]\n`);
  } else {
    process.stdout.write(releaseNotes(text, args[0]));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`release: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
