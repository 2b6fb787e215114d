// Seeded pseudo-random generators shared by the test fixtures and the bench corpora, so a corpus
// is the same bytes on every machine and a failing case can be generated again from its seed.
// Plain JavaScript (with prng.d.mts for the TypeScript tests) so bench/*.mjs import it too.
// Changing either function changes every generated corpus and invalidates recorded benchmarks.

/**
 * mulberry32: returns a generator of floats in [0, 1).
 * @param {number} seed
 * @returns {() => number}
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * xorshift32: returns a generator of floats in [0, 1); a zero seed is taken as 1 (xorshift's
 * state must not be zero).
 * @param {number} seed
 * @returns {() => number}
 */
export function xorshift32(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}
