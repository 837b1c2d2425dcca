import { createRequire } from 'node:module'
import { sql, type RawBuilder } from 'kysely'
import type { Jieba } from '@node-rs/jieba'

// Words of Chinese (and English) text for PostgreSQL's full-text search: PostgreSQL's parsers do
// not split Chinese, so the text is segmented here with jieba and stored as space-separated words
// in a 'simple' tsvector; a query is segmented the same way and matches any of its words.

let jieba: Jieba | null = null

/** Words of community life the general dictionary splits ('充电桩' → '充电' '桩'), kept whole. */
const communityWords = [
  '充电桩',
  '电动车棚',
  '停车费',
  '车位费',
  '物业费',
  '维修基金',
  '加装电梯',
  '垃圾分类',
  '宠物粪便',
  '遛狗',
  '牵绳',
  '广场舞',
  '楼道堆物',
  '高空抛物',
  '老旧小区',
  '适老化',
  '微更新',
  '口袋公园',
  '外来车辆',
]

/**
 * The platform's one word segmenter: jieba with its dictionary and the community's words, loaded
 * on first use (~0.3 s, 5 MB), not at start-up. `hmm` also guesses words the dictionary lacks.
 */
export function segment(text: string, hmm = false): string[] {
  if (!jieba) {
    const require = createRequire(import.meta.url)
    const { Jieba: J } = require('@node-rs/jieba') as typeof import('@node-rs/jieba')
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array }
    jieba = J.withDict(dict)
    jieba.loadDict(Buffer.from(communityWords.map((w) => `${w} 20000 n`).join('\n')))
  }
  return text ? jieba.cut(text, hmm) : []
}

/** Words that say nothing about what a text is about. */
// biome-ignore format: a word list
export const stopWords = new Set([
  // Chinese function words and the phrases every comment uses.
  '的', '了', '和', '是', '在', '我', '有', '也', '就', '不', '人', '都', '一', '上', '很', '到', '说', '要', '去',
  '你', '会', '着', '看', '好', '这', '那', '他', '她', '它', '们', '为', '与', '及', '或', '等', '把', '被', '对',
  '从', '而', '但', '还', '又', '能', '请', '没', '让', '给', '吗', '呢', '吧', '啊',
  '我们', '你们', '他们', '她们', '它们', '大家', '自己', '这个', '那个', '这些', '那些', '这样', '那样', '这里',
  '那里', '什么', '怎么', '怎样', '为什么', '如何', '因为', '所以', '但是', '可是', '而且', '并且', '如果', '虽然',
  '然后', '或者', '还是', '还有', '以及', '已经', '可以', '能够', '应该', '需要', '希望', '建议', '觉得', '认为',
  '感觉', '比较', '非常', '特别', '一些', '一点', '一下', '一个', '一直', '其实', '现在', '时候', '问题', '情况',
  '没有', '不是', '就是', '也是', '都是', '只是', '不要', '不能', '不会', '可能', '是否', '目前', '关于',
  '对于', '通过', '进行', '方面', '有关', '以上', '以下', '之后', '之前', '以后', '如此', '谢谢', '支持', '同意',
  '意见', '条款', '本条', '规定', '规约', '草案',
  '能否', '能不能', '是不是', '有没有', '确实', '一定', '必须', '比如', '例如', '而是', '还要', '不过', '另外', '最好',
  // English.
  'a', 'is', 'to', 'of', 'in', 'on', 'at', 'it', 'be', 'as', 'an', 'or', 'by', 'we', 'do', 'if', 'no', 'so', 'my', 'me',
  'he', 'us', 'am', 'too', 'the', 'and', 'for', 'are', 'but', 'not', 'you', 'all', 'any', 'can', 'had', 'her', 'was',
  'one', 'our', 'out', 'has', 'have', 'his', 'how', 'its', 'who', 'did', 'this', 'that', 'with', 'they', 'them',
  'there', 'their', 'what', 'when', 'which', 'will', 'would', 'should', 'could', 'about', 'from', 'into', 'than',
  'then', 'also', 'just', 'more', 'some', 'very', 'been', 'were', 'your', 'please', 'think', 'agree', 'rule',
])

/** The content words of `text`, in order, lowercased, without punctuation, stop words and single letters. */
export function words(text: string): string[] {
  return segment(text.toLowerCase())
    .map((w) => w.trim())
    .filter(
      (w) => w.length > 0 && /[\p{L}\p{N}]/u.test(w) && !stopWords.has(w) && !(w.length === 1 && /[a-z0-9]/.test(w)),
    )
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
