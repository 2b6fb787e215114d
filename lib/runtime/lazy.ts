/**
 * A value built on first use, then kept: `const schema = lazy(() => z.object({...}))`, read as
 * `schema()`. For zod schemas and tables that a module would otherwise build at import, on the start
 * path of every action, when only some runs use them (docs/benchmarks.md, db_bootstrap start-up).
 */
export function lazy<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}
