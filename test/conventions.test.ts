// The conventions of docs/architecture.md ("How to add a module") that a type checker cannot
// hold: no casts of request parts, no open success responses, every operation says who may call
// it, and the OpenAPI document is true about which GETs are open to anonymous callers.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestPlatform, type TestPlatform } from './support.js'

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f)
    if (statSync(p).isDirectory()) return sources(p)
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : []
  })
}

const CASTS = [/\b(req|request)\.(body|query|params|headers)\s+as\b/, /\bas never\b/]

describe('source conventions', () => {
  it('has no casts of request parts and no `as never` in src/', () => {
    const found: string[] = []
    for (const file of sources('src')) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (CASTS.some((re) => re.test(line))) found.push(`${file}:${i + 1}: ${line.trim()}`)
        })
    }
    expect(found).toEqual([])
  })

  it('keeps table types in the generated file (npm run generate), none written by hand', () => {
    const found: string[] = []
    for (const file of sources('src')) {
      if (file.endsWith('.generated.ts')) continue
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\b(Generated|ColumnType)<|\$extendTables\b/.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`)
        })
    }
    expect(found).toEqual([])
  })

  it('keeps core free of domain imports', () => {
    const found: string[] = []
    for (const file of sources(path.join('src', 'core'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bfrom '\.\.\/[^']+\/[^']+'/.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`)
        })
    }
    expect(found).toEqual([])
  })
})

type Schema = Record<string, any>

/** An object schema that says nothing of its fields: no properties, no items, no composition. */
function isOpenObject(s: Schema | undefined): boolean {
  if (!s) return true
  if (s.$ref || s.oneOf || s.anyOf || s.allOf) return false
  const type = Array.isArray(s.type) ? s.type : [s.type]
  if (!type.includes('object') && s.type !== undefined) return false
  return !s.properties || Object.keys(s.properties).length === 0
}

/** A value the schema accepts, as query text. */
function validValue(s: Schema): string {
  if (s.enum) return String(s.enum[0])
  if (s.type === 'array') return validValue(s.items ?? {})
  if (s.type === 'integer' || s.type === 'number') return String(s.minimum ?? 1)
  if (s.type === 'boolean') return 'true'
  if (s.format === 'date-time') return '2026-01-01T00:00:00Z'
  if (s.pattern === '^\\d{4}-\\d{2}-\\d{2}$') return '2026-01-01'
  return 'x'.repeat(Math.max(1, s.minLength ?? 1))
}

describe('OpenAPI document', () => {
  let p: TestPlatform
  let doc: { paths: Record<string, Record<string, Schema>> }
  beforeAll(async () => {
    p = await openTestPlatform('pglite')
    doc = (await p.app.inject({ url: '/api/openapi.json' })).json()
  })
  afterAll(() => p?.close())

  const operations = () =>
    Object.entries(doc.paths).flatMap(([url, methods]) =>
      Object.entries(methods)
        .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map(([method, op]) => ({ key: `${method.toUpperCase()} ${url}`, method, url, op })),
    )

  it('declares every success response with its properties', () => {
    const open: string[] = []
    for (const { key, op } of operations()) {
      for (const [status, response] of Object.entries<Schema>(op.responses ?? {})) {
        if (!status.startsWith('2') || status === '204') continue
        const content = response.content as Record<string, { schema?: Schema }> | undefined
        if (!content) {
          open.push(`${key} ${status}: no content`)
          continue
        }
        for (const [type, { schema }] of Object.entries(content)) {
          if (type.includes('json') && isOpenObject(schema)) open.push(`${key} ${status} ${type}`)
        }
      }
    }
    expect(open).toEqual([])
  })

  it('says who may call every operation (x-roles)', () => {
    const missing = operations()
      .filter(({ op }) => !Array.isArray(op['x-roles']) || op['x-roles'].length === 0)
      .map(({ key }) => key)
    expect(missing).toEqual([])
  })

  it('answers 401 to an anonymous caller on every GET it publishes as secured', async () => {
    const open: string[] = []
    for (const { key, method, url, op } of operations()) {
      if (method !== 'get' || (Array.isArray(op.security) && op.security.length === 0)) continue
      // Required query parameters get a valid value (their example, where a pattern needs one), so
      // that validation (which runs first) passes.
      const query = Object.fromEntries(
        ((op.parameters ?? []) as Schema[])
          .filter((x) => x.in === 'query' && x.required)
          .map((x) => [x.name, x.example === undefined ? validValue(x.schema) : String(x.example)]),
      )
      const res = await p.app.inject({ method: 'GET', url: url.replace(/\{[^}]+\}/g, '1'), query })
      if (res.statusCode !== 401) open.push(`${key} → ${res.statusCode}`)
    }
    expect(open).toEqual([])
  })
})
