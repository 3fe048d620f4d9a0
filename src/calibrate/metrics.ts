/** Area under the ROC curve: the chance a random converter outscores a random non-converter (ties ½). */
export function auc(scores: number[], outcomes: number[]): number {
  const order = scores.map((s, i) => [s, outcomes[i]!] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (order[k]![1] === 1) {
      rankSum += avgRank;
      positives++;
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface AtThreshold {
  threshold: number;
  mqls: number;
  precision: number;
  recall: number;
  f1: number;
  mqlRate: number;
}

export function atThreshold(scores: number[], outcomes: number[], threshold: number): AtThreshold {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  scores.forEach((s, i) => {
    const y = outcomes[i]!;
    positives += y;
    if (s >= threshold) y === 1 ? tp++ : fp++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = positives === 0 ? 0 : tp / positives;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, mqls: tp + fp, precision, recall, f1, mqlRate: (tp + fp) / scores.length };
}

export interface Decile {
  decile: number;
  rows: number;
  minScore: number;
  maxScore: number;
  conversion: number;
  lift: number;
}

/** Conversion by score decile, best first, with lift over the overall rate. */
export function deciles(scores: number[], outcomes: number[]): Decile[] {
  const order = scores.map((s, i) => [s, outcomes[i]!] as const).sort((a, b) => b[0] - a[0]);
  const base = outcomes.reduce((a, b) => a + b, 0) / outcomes.length;
  const out: Decile[] = [];
  for (let d = 0; d < 10; d++) {
    const slice = order.slice(Math.floor((d * order.length) / 10), Math.floor(((d + 1) * order.length) / 10));
    if (slice.length === 0) continue;
    const conv = slice.reduce((a, [, y]) => a + y, 0) / slice.length;
    out.push({ decile: d + 1, rows: slice.length, minScore: slice[slice.length - 1]![0], maxScore: slice[0]![0], conversion: conv, lift: base === 0 ? 0 : conv / base });
  }
  return out;
}
