// Bundled ssh2 reads __dirname/__filename; ESM bundles have neither. Each entry imports this first.
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';

const g = globalThis as { __filename?: string; __dirname?: string };
g.__filename ??= fileURLToPath(import.meta.url);
g.__dirname ??= dirname(g.__filename);
