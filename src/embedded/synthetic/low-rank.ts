// A rank-k factorisation of a sparse square matrix W by projection onto a randomized
// estimate of its dominant column space (Halko, Martinsson and Tropp 2011): Y = (W Wᵀ)^q W Ω,
// then W ≈ Q Qᵀ W with Q = Y L⁻ᵀ an orthonormal basis of span(Y) (G = YᵀY = L Lᵀ). Both
// factors come out as rows: W[a][b] ≈ left[a] · right[b] with left[a] = row a of Q and
// right[b] = column b of QᵀW.
//
// The power iterations are not re-orthonormalized in between: that squares the condition
// of G, which a tiny ridge keeps factorizable, and it costs only sparse products; the dense
// work is one Gram matrix and two triangular solves (1.5 n k² multiply-adds). Everything is
// plain loops in a fixed order, so the result is the same on every machine.
import { SeededRandom } from './random.ts';

/** A sparse n x n matrix as coordinate triplets. */
export interface SparseMatrix {
  size: number;
  rows: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

export interface LowRankFactors {
  rank: number;
  /** Row-major n x rank: row a is the factor of W's row a. */
  left: Float64Array;
  /** Row-major n x rank: row b is the factor of W's column b. */
  right: Float64Array;
}

export function factorizeLowRank(
  matrix: SparseMatrix,
  rank: number,
  options: { seed: number; powerIterations: number },
): LowRankFactors {
  const { size } = matrix;
  const random = new SeededRandom(options.seed);
  const sketch = new Float64Array(size * rank);
  random.fillUniform(sketch, 1);
  let basis = multiplyRows(matrix, sketch, rank, false);
  for (let i = 0; i < options.powerIterations; i++) {
    basis = multiplyRows(matrix, multiplyRows(matrix, basis, rank, true), rank, false);
  }
  normalizeColumns(basis, size, rank);
  const cholesky = choleskyWithRidge(gram(basis, size, rank), rank);
  // Q = Y L⁻ᵀ, row by row: q_a = L⁻¹ y_a. Then QᵀW's column b is Qᵀ w_b = L⁻¹ (Yᵀ w_b).
  const right = multiplyRows(matrix, basis, rank, true);
  solveLowerInPlace(cholesky, basis, size, rank);
  solveLowerInPlace(cholesky, right, size, rank);
  return { rank, left: basis, right };
}

/** W·X (or Wᵀ·X) for X row-major n x k. */
function multiplyRows(matrix: SparseMatrix, x: Float64Array, k: number, transpose: boolean): Float64Array {
  const from = transpose ? matrix.rows : matrix.cols;
  const to = transpose ? matrix.cols : matrix.rows;
  const { values } = matrix;
  const out = new Float64Array(matrix.size * k);
  for (let e = 0; e < values.length; e++) {
    const weight = values[e] as number;
    const source = (from[e] as number) * k;
    const target = (to[e] as number) * k;
    for (let j = 0; j < k; j++) out[target + j] = (out[target + j] as number) + weight * (x[source + j] as number);
  }
  return out;
}

/** Unit-length columns: the power iterations leave columns of very different scales. */
function normalizeColumns(x: Float64Array, n: number, k: number): void {
  const squares = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    const row = r * k;
    for (let j = 0; j < k; j++) squares[j] = (squares[j] as number) + (x[row + j] as number) ** 2;
  }
  const scale = Array.from(squares, (square) => (square > 0 ? 1 / Math.sqrt(square) : 0));
  for (let r = 0; r < n; r++) {
    const row = r * k;
    for (let j = 0; j < k; j++) x[row + j] = (x[row + j] as number) * (scale[j] as number);
  }
}

/** XᵀX as a full k x k row-major matrix (the lower triangle is what the Cholesky reads). */
function gram(x: Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let r = 0; r < n; r++) {
    const row = r * k;
    for (let i = 0; i < k; i++) {
      const xi = x[row + i] as number;
      if (xi === 0) continue;
      const target = i * k;
      for (let j = 0; j <= i; j++) out[target + j] = (out[target + j] as number) + xi * (x[row + j] as number);
    }
  }
  return out;
}

/**
 * Lower-triangular L with L Lᵀ = G + λI, λ a tiny fraction of G's largest diagonal entry. A
 * direction that is numerically dependent on earlier ones gets a zero column (and row) in L⁻¹,
 * i.e. the basis simply loses that direction.
 */
function choleskyWithRidge(g: Float64Array, k: number): Float64Array {
  let maxDiagonal = 0;
  for (let i = 0; i < k; i++) maxDiagonal = Math.max(maxDiagonal, g[i * k + i] as number);
  const ridge = maxDiagonal * 1e-12;
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = (g[i * k + j] as number) + (i === j ? ridge : 0);
      for (let p = 0; p < j; p++) sum -= (l[i * k + p] as number) * (l[j * k + p] as number);
      if (i === j) {
        l[i * k + i] = sum > ridge ? Math.sqrt(sum) : 0;
      } else {
        const diagonal = l[j * k + j] as number;
        l[i * k + j] = diagonal > 0 ? sum / diagonal : 0;
      }
    }
  }
  return l;
}

/** Each row y of X (row-major n x k) becomes L⁻¹ y; a zero pivot zeroes that component. */
function solveLowerInPlace(l: Float64Array, x: Float64Array, n: number, k: number): void {
  for (let r = 0; r < n; r++) {
    const row = r * k;
    for (let i = 0; i < k; i++) {
      const diagonal = l[i * k + i] as number;
      if (diagonal === 0) {
        x[row + i] = 0;
        continue;
      }
      let sum = x[row + i] as number;
      const li = i * k;
      for (let p = 0; p < i; p++) sum -= (l[li + p] as number) * (x[row + p] as number);
      x[row + i] = sum / diagonal;
    }
  }
}
