/** A seeded PRNG (mulberry32): the same seed gives the same split on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits rows into training and held-out sets, deterministically for a seed. */
export function splitRows<T>(rows: T[], holdout: number, seed: number): { train: T[]; test: T[] } {
  const rnd = prng(seed);
  const train: T[] = [];
  const test: T[] = [];
  for (const row of rows) (rnd() < holdout ? test : train).push(row);
  return { train, test };
}
