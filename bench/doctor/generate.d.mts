export interface Planted {
  file: string;
  line: number;
  kind: string;
}
/** Writes about `mb` megabytes of real source (copied from `nodeModules`) with planted secrets below `root`. */
export function generateTree(
  root: string,
  mb: number,
  opts?: { seed?: number; nodeModules?: string },
): { files: number; bytes: number; planted: Planted[] };
