/** The one list of non-secret key words (lib/redaction/patterns.ts) and doctor's superset of it. */
import { describe, expect, test } from '@jest/globals';
import { NON_SECRET_KEY_WORDS, keyNamesSecret } from '../lib/redaction/redactor.js';
import { NON_SECRET_KEY_SUFFIXES } from '../lib/ops/doctor/patterns.js';

describe('non-secret key words', () => {
  test('are whole words, not characters', () => {
    expect(NON_SECRET_KEY_WORDS.size).toBeGreaterThan(90);
    for (const w of NON_SECRET_KEY_WORDS) expect(w).toMatch(/^[a-z]{2,}$/);
    for (const w of ['name', 'stdin', 'timeout', 'bits']) expect(NON_SECRET_KEY_WORDS.has(w)).toBe(true);
  });

  test('doctor passes over every word redaction does, and keys about code and display besides', () => {
    for (const w of NON_SECRET_KEY_WORDS) expect(NON_SECRET_KEY_SUFFIXES.has(w)).toBe(true);
    for (const w of ['id', 'hash', 'cache', 'fingerprint']) {
      expect(NON_SECRET_KEY_SUFFIXES.has(w)).toBe(true);
      expect(NON_SECRET_KEY_WORDS.has(w)).toBe(false);
    }
  });

  test('redaction: a key ending in one of them names no secret, unless that word is itself a keyword', () => {
    expect(keyNamesSecret('DB_PASSWORD')).toBe(true);
    expect(keyNamesSecret('DB_PASSWORD_FILE')).toBe(false);
    expect(keyNamesSecret('docker_password_stdin')).toBe(false);
    expect(keyNamesSecret('API_TOKEN_HASH')).toBe(true);
  });
});
