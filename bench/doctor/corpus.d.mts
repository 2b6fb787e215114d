export interface Label {
  file: string;
  /** 1-based; null: the file as a whole is private state */
  line: number | null;
  kind: string;
}
export interface ScoredFinding {
  file?: string;
  line?: number;
  kind: string;
  preview?: string;
}
export function rng(seed: number): () => number;
export function writeMonorepo(
  root: string,
  opts?: { seed?: number },
): { labels: Label[]; negatives: number; files: number };
export function score<F extends ScoredFinding>(
  labels: Label[],
  findings: F[],
): { recall: number; precision: number; found: Label[]; missed: Label[]; falsePositives: F[] };
