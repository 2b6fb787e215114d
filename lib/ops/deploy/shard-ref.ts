// `shard: i/N` as the deploy input schema reads it (apart from shards.ts: the input schema stays light)

/** GitHub Actions runs at most 256 jobs per matrix. */
export const MAX_SHARDS = 256;

export interface ShardRef {
  /** 1-based */
  index: number;
  count: number;
}

const SHARD_RE = /^([1-9]\d{0,2})\/([1-9]\d{0,2})$/;

/** `i/N` with 1 <= i <= N <= 256, else null. */
export function parseShard(v: string): ShardRef | null {
  const m = SHARD_RE.exec(v);
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index <= count && count <= MAX_SHARDS ? { index, count } : null;
}
