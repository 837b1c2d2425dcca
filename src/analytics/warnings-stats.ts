/*
 * The tests behind the early-warning detector (warnings.ts), pure functions so that the method is
 * checked on its own (warnings-stats.test.ts) and reused by the benchmark.
 *
 * Spike. The count of a grid × category in a period (a day, or a week) is Poisson with an unknown
 * rate λ. Its history (n earlier periods of the same kind: the same weekday over the previous 8
 * weeks, or the previous 8 weeks) with a Gamma(a₀, b₀) prior gives the posterior
 * Gamma(a₀ + S, b₀ + n), S the sum of the history, and the predictive distribution of the next
 * period's count is negative binomial: NB(r = a₀ + S, p = (b₀ + n)/(b₀ + n + 1)), mean
 * (a₀ + S)/(b₀ + n). The prior (a₀ = 0.25, b₀ = 0.5: half a period at 0.5 cases) keeps a grid
 * without history from alarming on one case and weighs nothing once there is history; the
 * predictive is wider than a plug-in Poisson because 8 periods estimate λ only roughly, which is
 * what keeps the false-alarm rate at α and not above it. The threshold is the smallest count whose
 * upper tail P(X ≥ k) is ≤ α; a period is flagged when its count reaches the threshold (and a
 * minimum count).
 */

export interface SpikePrior {
  shape: number
  rate: number
}
export const spikePrior: SpikePrior = { shape: 0.25, rate: 0.5 }

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-13). */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x)
  const y = x - 1
  let a = c[0]!
  const t = y + 7.5
  for (let i = 1; i < 9; i++) a += c[i]! / (y + i)
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a)
}

/** ln P(X = k) for X ~ NB(r, p) (number of failures before the r-th success, success probability p). */
function nbLogPmf(k: number, r: number, p: number): number {
  return lnGamma(k + r) - lnGamma(r) - lnGamma(k + 1) + r * Math.log(p) + k * Math.log1p(-p)
}

/** P(X ≥ k) for X ~ NB(r, p), summed upward from k so that small tails keep their precision. */
export function nbUpperTail(k: number, r: number, p: number): number {
  if (k <= 0) return 1
  const mean = (r * (1 - p)) / p
  if (k <= mean) {
    // Below the mean the tail is large: 1 − P(X < k), summed from 0.
    let s = 0
    for (let j = 0; j < k; j++) s += Math.exp(nbLogPmf(j, r, p))
    return Math.min(1, Math.max(0, 1 - s))
  }
  let term = Math.exp(nbLogPmf(k, r, p))
  let sum = 0
  for (let j = k; term > 0; j++) {
    sum += term
    if (term < sum * 1e-15) break
    term *= ((j + r) / (j + 1)) * (1 - p)
    if (j > k + 100_000) break
  }
  return Math.min(1, sum)
}

export interface SpikeTest {
  /** Predictive mean of the period's count. */
  expected: number
  /** The smallest count k with P(X ≥ k) ≤ α. */
  threshold: number
  /** P(X ≥ observed) under the predictive. */
  pValue: number
  flagged: boolean
}

/**
 * Tests one period's count against its history: `historySum` over `historyPeriods` earlier
 * periods. Flagged when the count reaches both the α-threshold and `minimum`.
 */
export function spikeTest(
  observed: number,
  historySum: number,
  historyPeriods: number,
  alpha: number,
  minimum: number,
  prior: SpikePrior = spikePrior,
): SpikeTest {
  const r = prior.shape + historySum
  const beta = prior.rate + historyPeriods
  const p = beta / (beta + 1)
  const expected = r / beta
  let threshold = Math.max(1, Math.floor(expected))
  while (nbUpperTail(threshold, r, p) > alpha) threshold++
  const pValue = nbUpperTail(observed, r, p)
  return { expected, threshold, pValue, flagged: observed >= threshold && observed >= minimum }
}

/** Severity of a count over its threshold: how far above it the count lies. */
export function spikeSeverity(observed: number, threshold: number): 'low' | 'medium' | 'high' | 'critical' {
  const ratio = observed / Math.max(1, threshold)
  return ratio >= 3 ? 'critical' : ratio >= 2 ? 'high' : ratio >= 1.5 ? 'medium' : 'low'
}

/** P(Z ≥ z) for a standard normal Z (erfc by Chebyshev fit, relative error below 1.2e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.5 * x)
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return z >= 0 ? erfc / 2 : 1 - erfc / 2
}

export interface DropTest {
  recentRate: number
  baselineRate: number
  z: number
  pValue: number
}

/**
 * One-sided two-proportion z-test that the recent rate (x₁ of n₁) is below the baseline rate
 * (x₀ of n₀), with the pooled proportion: z = (p₀ − p₁) / √(p̂(1 − p̂)(1/n₁ + 1/n₀)).
 */
export function dropTest(x1: number, n1: number, x0: number, n0: number): DropTest {
  const p1 = x1 / n1
  const p0 = x0 / n0
  const pooled = (x1 + x0) / (n1 + n0)
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
  // Every answer the same in both windows (all satisfied, say): no variation, no evidence of a fall.
  const z = se === 0 ? 0 : (p0 - p1) / se
  return { recentRate: p1, baselineRate: p0, z, pValue: normalUpperTail(z) }
}
