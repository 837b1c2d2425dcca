import { createRequire } from 'node:module'
import { sql, type RawBuilder } from 'kysely'
import type { Jieba } from '@node-rs/jieba'

// Words of Chinese (and English) text for PostgreSQL's full-text search: PostgreSQL's parsers do
// not split Chinese, so the text is segmented here with jieba and stored as space-separated words
// in a 'simple' tsvector; a query is segmented the same way and matches any of its words.

let jieba: Jieba | null = null
function segmenter(): Jieba {
  if (!jieba) {
    // The dictionary is large (~5 MB): loaded on first use, not at start-up.
    const require = createRequire(import.meta.url)
    const { Jieba: J } = require('@node-rs/jieba') as typeof import('@node-rs/jieba')
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array }
    jieba = J.withDict(dict)
  }
  return jieba
}

/** Function words that say nothing about what a text is about. */
const STOP = new Set(
  '的 了 和 是 在 我 有 也 就 不 人 都 一 一个 上 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 他 她 它 们 我们 你们 他们 这个 那个 什么 怎么 为 与 及 或 等 把 被 对 从 而 但 还 又 能 可以 希望 建议 问题 请 没 让 给 吗 呢 吧 啊 the a an and or of to in on for is are be with this that it'.split(
    ' ',
  ),
)

/** The content words of `text`, in order, lowercased, without punctuation, stop words and single letters. */
export function words(text: string): string[] {
  return segmenter()
    .cut(text.toLowerCase(), false)
    .map((w) => w.trim())
    .filter((w) => w.length > 0 && /[\p{L}\p{N}]/u.test(w) && !STOP.has(w) && !(w.length === 1 && /[a-z0-9]/.test(w)))
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter((w) => w.length > 0)
}

/** What goes into `to_tsvector('simple', …)`: the words separated by spaces. */
export const searchTerms = (text: string) => words(text).join(' ')

/** A tsquery matching any content word of `text` (ranked by how many match); an empty one matches nothing. */
export function termsQuery(text: string): RawBuilder<unknown> {
  const unique = [...new Set(words(text))].slice(0, 30)
  if (unique.length === 0) return sql`''::tsquery`
  return sql`to_tsquery('simple', ${unique.map((w) => `'${w.replace(/'/g, "''")}'`).join(' | ')})`
}

/** The `n` most frequent content words of `texts`, with their counts (themes of comments). */
export function topWords(texts: Iterable<string>, n = 10): { word: string; count: number }[] {
  const counts = new Map<string, number>()
  for (const t of texts) for (const w of words(t)) if (w.length > 1) counts.set(w, (counts.get(w) ?? 0) + 1)
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([word, count]) => ({ word, count }))
}
