import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

// Every string the web app shows exists in both languages: each zh-CN locale file and its English
// twin (web/src/locales/*.json and the per-part files of modules in web/src/locales/<module>/)
// hold the same keys, and none is empty.

const root = path.resolve(import.meta.dirname, '../web/src/locales')

function keys(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value))
    return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
  return [prefix]
}
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as unknown

const pairs: [string, string][] = []
for (const dir of [
  root,
  ...readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(root, d.name)),
])
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.zh-CN.json') || f === 'zh-CN.json'))
    pairs.push([path.join(dir, f), path.join(dir, f.replace('zh-CN.json', 'en.json'))])

describe('locales', () => {
  it('finds the main pair and the per-part pairs', () => {
    expect(pairs.length).toBeGreaterThan(10)
  })
  it.each(pairs.map(([zh, en]) => [path.relative(root, zh), zh, en]))(
    '%s has the same keys in English',
    (_n, zh, en) => {
      const zhKeys = keys(read(zh)).sort()
      const enKeys = keys(read(en)).sort()
      expect(
        enKeys.filter((k) => !zhKeys.includes(k)),
        'only in English',
      ).toEqual([])
      expect(
        zhKeys.filter((k) => !enKeys.includes(k)),
        'only in Chinese',
      ).toEqual([])
    },
  )
  it.each(pairs.flat().map((f) => [path.relative(root, f), f]))('%s has no empty string', (_n, f) => {
    const empty: string[] = []
    const walk = (v: unknown, at: string) => {
      if (typeof v === 'string' && v.trim() === '') empty.push(at)
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`)
    }
    walk(read(f), '')
    expect(empty).toEqual([])
  })
})
