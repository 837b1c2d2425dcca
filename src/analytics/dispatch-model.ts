/*
 * Multinomial naive Bayes over tokens, written out (≈60 lines) rather than taken from a library:
 * the model must be stored as data (jsonb), versioned and loaded by every process, and a library's
 * serialised form would tie stored models to its internals.
 *
 * Training: for each class c, N_c documents and the count n_wc of every token w over its documents.
 * Prediction for a document with token counts k_w (tokens outside the vocabulary ignored):
 *   score(c) = log(N_c / N) + Σ_w k_w · log((n_wc + α) / (T_c + α·|V|))
 * with T_c = Σ_w n_wc, |V| the vocabulary size and α = 1 (Laplace smoothing). The confidence
 * shown is softmax(score), i.e. the model's posterior; naive Bayes is known to be over-confident,
 * so it ranks well but its probabilities run high.
 */

export interface NbModel {
  alpha: number
  labels: number[]
  docs: number[]
  totals: number[]
  /** token → [[class index, count], …] (sparse). */
  counts: Record<string, [number, number][]>
}

export function trainNb(docs: { tokens: string[]; label: number }[], alpha = 1, maxVocabulary = 20000): NbModel {
  const labels = [...new Set(docs.map((d) => d.label))].sort((a, b) => a - b)
  const index = new Map(labels.map((l, i) => [l, i]))
  // The vocabulary: the most frequent tokens, so a large corpus keeps a bounded model.
  const freq = new Map<string, number>()
  for (const d of docs) for (const t of d.tokens) freq.set(t, (freq.get(t) ?? 0) + 1)
  const vocab = new Set(
    [...freq.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxVocabulary)
      .map(([t]) => t),
  )
  const docCounts = new Array<number>(labels.length).fill(0)
  const totals = new Array<number>(labels.length).fill(0)
  const counts = new Map<string, Map<number, number>>()
  for (const d of docs) {
    const c = index.get(d.label) ?? 0
    docCounts[c] = (docCounts[c] ?? 0) + 1
    for (const t of d.tokens) {
      if (!vocab.has(t)) continue
      totals[c] = (totals[c] ?? 0) + 1
      const m = counts.get(t) ?? new Map<number, number>()
      counts.set(t, m)
      m.set(c, (m.get(c) ?? 0) + 1)
    }
  }
  return {
    alpha,
    labels,
    docs: docCounts,
    totals,
    counts: Object.fromEntries([...counts.entries()].map(([t, m]) => [t, [...m.entries()]])),
  }
}

/** A model ready to predict: per token, the log-likelihood of every class. */
export interface CompiledNb {
  labels: number[]
  prior: Float64Array
  unseen: Float64Array
  table: Map<string, Float64Array>
}

export function compileNb(m: NbModel): CompiledNb {
  const v = Object.keys(m.counts).length
  const n = m.docs.reduce((a, b) => a + b, 0)
  const prior = Float64Array.from(m.docs, (d) => Math.log(d / n))
  const denominator = Float64Array.from(m.totals, (t) => Math.log(t + m.alpha * v))
  const unseen = Float64Array.from(denominator, (d) => Math.log(m.alpha) - d)
  const table = new Map<string, Float64Array>()
  for (const [token, pairs] of Object.entries(m.counts)) {
    const row = Float64Array.from(unseen)
    for (const [c, count] of pairs) row[c] = Math.log(count + m.alpha) - (denominator[c] ?? 0)
    table.set(token, row)
  }
  return { labels: m.labels, prior, unseen, table }
}

/** Classes by posterior, best first (ties by label), each with its probability. */
export function predictNb(m: CompiledNb, tokens: string[], top = 3): { label: number; p: number }[] {
  const k = m.labels.length
  if (k === 0) return []
  const score = Float64Array.from(m.prior)
  for (const t of tokens) {
    const row = m.table.get(t)
    if (!row) continue
    for (let c = 0; c < k; c++) score[c] = (score[c] ?? 0) + (row[c] ?? 0)
  }
  let max = Number.NEGATIVE_INFINITY
  for (const s of score) if (s > max) max = s
  let sum = 0
  const e = Float64Array.from(score, (s) => {
    const x = Math.exp(s - max)
    sum += x
    return x
  })
  return [...e]
    .map((x, c) => ({ label: m.labels[c] ?? 0, p: x / sum }))
    .sort((a, b) => b.p - a.p || a.label - b.label)
    .slice(0, top)
}
