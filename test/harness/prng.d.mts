/** mulberry32: a seeded generator of floats in [0, 1). */
export function mulberry32(seed: number): () => number;
/** xorshift32: a seeded generator of floats in [0, 1); a zero seed is taken as 1. */
export function xorshift32(seed: number): () => number;
