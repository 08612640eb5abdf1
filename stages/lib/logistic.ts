// L2-regularised logistic regression fitted by full-batch gradient descent from zero weights:
// no randomness at all, so the same data and hyperparameters give the same bits every time.

export interface LogisticCoefficients {
  weights: number[];
  bias: number;
}

export interface LogisticOptions {
  l2: number;
  learningRate: number;
  epochs: number;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z); // avoids overflow for large negative z
  return e / (1 + e);
}

export function predictProbability(coef: LogisticCoefficients, x: readonly number[]): number {
  let z = coef.bias;
  for (let k = 0; k < x.length; k++) z += coef.weights[k]! * x[k]!;
  return sigmoid(z);
}

/**
 * Minimise mean log loss + (l2 / 2)·|w|² (the bias is not penalised). Rows of `x` should be
 * standardised; `y` holds 0/1.
 */
export function fitLogistic(x: readonly (readonly number[])[], y: readonly number[], options: LogisticOptions): LogisticCoefficients {
  const n = x.length;
  const d = n === 0 ? 0 : x[0]!.length;
  const w = new Float64Array(d);
  let b = 0;
  const grad = new Float64Array(d);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    grad.fill(0);
    let gradB = 0;
    for (let i = 0; i < n; i++) {
      const row = x[i]!;
      let z = b;
      for (let k = 0; k < d; k++) z += w[k]! * row[k]!;
      const err = sigmoid(z) - y[i]!;
      for (let k = 0; k < d; k++) grad[k]! += err * row[k]!;
      gradB += err;
    }
    for (let k = 0; k < d; k++) w[k]! -= options.learningRate * (grad[k]! / n + options.l2 * w[k]!);
    b -= options.learningRate * (gradB / n);
  }
  return { weights: Array.from(w), bias: b };
}
