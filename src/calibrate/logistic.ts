/**
 * L2-regularised logistic regression on sparse one-hot rows (each row: the indexes of its active
 * features), fitted by Newton's method (IRLS). Dense Hessian: fine for the ~100 features an export has.
 * The intercept is not penalised.
 */
export function fitLogistic(rows: number[][], y: number[], features: number, l2: number, iterations = 30): { weights: number[]; intercept: number } {
  const d = features + 1; // last slot is the intercept
  const w = new Array<number>(d).fill(0);
  const prior = y.reduce((a, b) => a + b, 0) / y.length;
  w[features] = Math.log(Math.max(prior, 1e-6) / Math.max(1 - prior, 1e-6));
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < rows.length; i++) {
      const active = rows[i]!;
      let z = w[features]!;
      for (const j of active) z += w[j]!;
      const p = 1 / (1 + Math.exp(-z));
      const g = p - y[i]!;
      const h = Math.max(p * (1 - p), 1e-9);
      const idx = [...active, features];
      for (const a of idx) {
        grad[a]! += g;
        const row = hess[a]!;
        for (const b of idx) row[b]! += h;
      }
    }
    for (let j = 0; j < features; j++) {
      grad[j]! += l2 * w[j]!;
      hess[j]![j]! += l2;
    }
    const step = solve(hess, grad);
    let change = 0;
    for (let j = 0; j < d; j++) {
      w[j]! -= step[j]!;
      change = Math.max(change, Math.abs(step[j]!));
    }
    if (change < 1e-7) break;
  }
  return { weights: w.slice(0, features), intercept: w[features]! };
}

/** Solves A x = b for a symmetric positive-definite A (Cholesky). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j]![j]!;
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y[i] = s / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k]![i]! * x[k]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}
