// Property-based fuzzing of every operation in the OpenAPI document, on both backends.
//
// For each operation (every method and path the server publishes, Open311 and the public routes
// included) fast-check generates hostile requests: wrong types for every body, query and path
// field, missing required and unknown fields, huge strings and arrays, deep nesting, unicode edge
// cases, SQL and HTML injection, path traversal, odd numbers, malformed JSON, wrong content types,
// oversized bodies, forged tokens and cookies; the photo upload also gets random bytes, truncated
// images, an SVG with a script and a gzip bomb. They are sent anonymously, as guihua.staff and as
// admin. The properties: no answer is a 5xx; every 4xx is in the error shape (on /open311 routes the
// GeoReport error list, JSON or XML); the server keeps answering /healthz after each batch.
//
// FUZZ_RUNS=2000 runs that many requests per operation and backend (a longer manual run; the default
// of 100 keeps the file at about a minute on two cores). A failure prints its seed and path:
// FUZZ_SEED=<seed> FUZZ_PATH=<path> FUZZ_ONLY='POST /api/v1/cases' replays it (the database then
// lacks what earlier operations wrote, which rarely matters), FUZZ_SHRINK=1 shrinks it to a minimal
// request, FUZZ_STATS=1 prints the status counts per operation.
//
// A last test stores script-bearing text in a case and checks in headless Chromium that neither the
// public tracking page nor the staff case detail runs it (skipped without /usr/bin/chromium unless
// TEST_REQUIRE_BROWSER=1).
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { errorCodes } from '../src/core/errors.js'
import { DEMO_PASSWORD, backends, call, openTestPlatform, type TestPlatform } from './support.js'

/** Requests per operation, caller mix included, per backend. */
const DEFAULT_RUNS = 100
const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS) || DEFAULT_RUNS)
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined
/** With FUZZ_SEED, FUZZ_PATH replays one counterexample; FUZZ_ONLY limits the run to operations containing it. */
const PATH = process.env.FUZZ_PATH || undefined
const ONLY = process.env.FUZZ_ONLY || undefined
/** FUZZ_STATS=1 prints the answers' status counts per operation (is the fuzzer getting past validation?). */
const STATS = process.env.FUZZ_STATS === '1'
const MB = 1024 * 1024
/** Fuzzed requests come from this address, so their failed sign-ins never throttle the test's own. */
const FUZZ_ADDRESS = '198.51.100.23'
/** An answer slower than this counts as a hang. */
const ANSWER_WITHIN_MS = 30_000
/** An answer slower than this is a failure too (an injected pg_sleep(10), an inflated bomb, a runaway regex). */
const SLOW_MS = 8_000

// ─── the operations, from the OpenAPI document ───────────────────────────────

type Schema = Record<string, any>

interface Param {
  name: string
  in: 'path' | 'query' | 'header'
  required: boolean
  schema: Schema
}

interface Operation {
  key: string
  method: string
  path: string
  params: Param[]
  body: Schema | null
  bodyTypes: string[]
  open311: boolean
}

function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = []
  for (const [p, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      const content = (op.requestBody?.content ?? {}) as Record<string, { schema?: Schema }>
      const bodyTypes = Object.keys(content)
      const body = content['application/json']?.schema ?? content['application/x-www-form-urlencoded']?.schema ?? null
      ops.push({
        key: `${method.toUpperCase()} ${p}`,
        method: method.toUpperCase(),
        path: p,
        params: ((op.parameters ?? []) as any[]).map((x) => ({
          name: x.name,
          in: x.in,
          required: !!x.required,
          schema: x.schema ?? {},
        })),
        body,
        bodyTypes,
        open311: p.startsWith('/open311/'),
      })
    }
  }
  return ops
}

// ─── hostile values ──────────────────────────────────────────────────────────

/** JSON text spliced into a body as it is (deep nesting built as text, never as a JS value). */
class Raw {
  constructor(readonly text: string) {}
  toString() {
    return this.text
  }
}

const SQLI = [
  `' OR '1'='1`,
  `'; DROP TABLE app_user; --`,
  `1; select pg_sleep(10)--`,
  `" OR ""="`,
  `1' UNION SELECT token_hash, null FROM session--`,
  `%' AND 1=1 --`,
  `\\'; select 1; --`,
  `$$; drop table cases; $$`,
  `1)) or true --`,
  `%_%\\`,
  `'||(select version())||'`,
  `admin'--`,
  `1 AND 1=CAST((SELECT current_user) AS int)`,
]
const HTML = [
  '<script>alert(1)</script>',
  '<img src=x onerror="window.__xss=1">',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
  '{{constructor.constructor("alert(1)")()}}',
  '<![CDATA[x]]>',
  ']]>&lt;&amp;&#0;',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  '</errors><error><code>200</code></error>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  '${7*7}#{7*7}',
]
const TRAVERSAL = [
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%2e%2e/%2e%2e/etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  '....//....//etc/passwd',
  '%252e%252e%252f',
  '..%c0%af..%c0%afetc/passwd',
  'file:///etc/passwd',
  '..',
  '.',
  '%00',
]
const UNICODE = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\udc00\ud800',
  '\u202e\u0645\u0631\u062d\u0628\u0627\u202c',
  '\u200f\u200e\u200b\u2060',
  '😀👍🏽👨‍👩‍👧‍👦🏳️‍🌈',
  'e\u0301\u0301\u0301\u0301\u0301',
  'Z̷̧̛͉̈a̶̠͝l̸̢̛g̵̱̈́o̴͎͝',
  '\ufeff',
  '\uffff\ufffe',
  '\u2028\u2029',
  '𝕳𝖊𝖑𝖑𝖔',
  '\u0085\u00a0',
  '\r\n\t\v\f\b',
  'İıſK',
  '\u001b[31m',
  '\u{10ffff}',
]
const NUMERIC_TEXT = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1',
  '0',
  '-0',
  '2147483648',
  '9007199254740993',
  '1e-400',
  '0x1F',
  '1_000',
  ' 1',
  '1 ',
  '01',
  '+1',
  '1.5',
  '',
  'null',
  'true',
  'false',
  '[]',
  '{}',
  '1e5',
  '-9999999999999999999999',
]
const NUMBERS = [
  -1,
  0,
  -0,
  1.5,
  2147483647,
  2147483648,
  -2147483649,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  1e308,
  -1e308,
  5e-324,
  -180.0000001,
  90.0000001,
  1e21,
]
const SPECIAL_STRINGS = [...SQLI, ...HTML, ...TRAVERSAL, ...UNICODE, ...NUMERIC_TEXT]

/** An object whose keys are own properties even where JS would treat them specially (__proto__). */
function ownKeys(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  return o
}

const POLLUTERS = [
  () => ownKeys([['__proto__', { polluted: 'yes' }]]),
  () => ownKeys([['constructor', { prototype: { polluted: 'yes' } }]]),
  () =>
    ownKeys([
      ['toString', 'x'],
      ['hasOwnProperty', 1],
      ['valueOf', null],
    ]),
]

const hugeString = fc
  .record({
    unit: fc.constantFrom('a', '😀', '\u0000', '<', "'", '\ud800', 'é', '%'),
    bytes: fc.constantFrom(10_000, 100_000, MB),
  })
  .map(({ unit, bytes }) => unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit))))

const hugeArray = fc
  .record({
    item: fc.constantFrom<unknown>(1, 'x', null, {}, [], -1.5, SQLI[0]),
    size: fc.constantFrom(1_000, 10_000, 100_000),
  })
  .map(({ item, size }) => new Array(size).fill(item))

const deep = fc
  .record({ depth: fc.constantFrom(100, 1_000, 5_000, 100_000), kind: fc.constantFrom('array', 'object') })
  .map(
    ({ depth, kind }) =>
      new Raw(
        kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
      ),
  )

const specialString = fc.oneof(
  fc.constantFrom(...SPECIAL_STRINGS),
  fc.array(fc.constantFrom(...SPECIAL_STRINGS), { minLength: 2, maxLength: 4 }).map((xs) => xs.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
)

/** Any value a client might send where something else is expected. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, '', [], {}, [null], [[]], { '': '' }), weight: 3 },
  { arbitrary: fc.constantFrom(...NUMBERS), weight: 2 },
  { arbitrary: fc.double({ noNaN: true }), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: specialString, weight: 6 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.constantFrom(...POLLUTERS).map((f) => f()), weight: 1 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: hugeArray, weight: 1 },
  { arbitrary: deep, weight: 1 },
)

/** A value as query or path text. */
function asText(v: unknown): string {
  if (typeof v === 'string') return v
  if (v instanceof Raw) return v.text
  if (v === undefined) return ''
  try {
    return typeof v === 'object' ? JSON.stringify(v) : String(v)
  } catch {
    return String(v)
  }
}

const hostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: specialString, weight: 6 },
  { arbitrary: fc.constantFrom(...NUMBERS).map(String), weight: 2 },
  { arbitrary: hostile.map(asText), weight: 2 },
)

/** Percent-encodes like encodeURIComponent; lone surrogates become invalid UTF-8 instead of throwing. */
function encodeLoose(s: string): string {
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (c >= 0xd800 && c <= 0xdfff)
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('')
    else out += encodeURIComponent(ch)
  }
  return out
}

/** JSON text of a value; Raw parts spliced in verbatim. */
function jsonText(v: unknown): string {
  const raws: string[] = []
  const s = JSON.stringify(v, (_k, x) => (x instanceof Raw ? `\u0000RAW${raws.push(x.text) - 1}\u0000` : x)) ?? 'null'
  return raws.length ? s.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_, i) => raws[Number(i)]!) : s
}

// ─── plausible values from a schema (the starting point that hostile mutations bend) ─────────

interface Known {
  ids: number[]
  strings: Record<string, string[]>
  point?: { lng: number; lat: number }
}

function plausible(schema: Schema | undefined, name: string, known: Known, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.jsonValue({ maxDepth: 2 })
  const named = known.strings[name]
  if (named && (schema.type === 'string' || schema.type === undefined || schema.anyOf)) {
    return fc.oneof(
      { arbitrary: fc.constantFrom(...named), weight: 3 },
      { arbitrary: plausibleBare(schema, name, known, depth), weight: 1 },
    )
  }
  return plausibleBare(schema, name, known, depth)
}

function plausibleBare(schema: Schema, name: string, known: Known, depth: number): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const)
  if (Array.isArray(schema.enum) && schema.enum.length) return fc.constantFrom(...schema.enum)
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
  if (alternatives && !schema.properties && alternatives.some((a) => a.type || a.enum || a.properties || a.items)) {
    return fc.oneof(
      ...alternatives.map((a) =>
        plausible({ ...schema, anyOf: undefined, oneOf: undefined, ...a }, name, known, depth + 1),
      ),
    )
  }
  const type = Array.isArray(schema.type)
    ? schema.type
    : schema.type
      ? [schema.type]
      : schema.properties
        ? ['object']
        : schema.items
          ? ['array']
          : []
  if (type.length > 1)
    return fc.oneof(...type.map((t: string) => plausibleBare({ ...schema, type: t }, name, known, depth)))
  switch (type[0]) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer': {
      const min = Math.max(schema.minimum ?? -1000, -(2 ** 31))
      const max = Math.min(schema.maximum ?? 100_000, 2 ** 31 - 1)
      const pool = known.ids.filter((i) => i >= min && i <= max)
      return fc.oneof(
        ...(pool.length ? [fc.constantFrom(...pool)] : []),
        fc.integer({ min, max: Math.min(max, min + 300) }),
        fc.integer({ min, max }),
      )
    }
    case 'number': {
      const min = schema.minimum ?? -1e6
      const max = schema.maximum ?? 1e6
      const near = /lng|long/i.test(name) ? [120.12, 120.13] : /lat/i.test(name) ? [30.245, 30.25] : []
      return fc.oneof(
        ...(near.length ? [fc.constantFrom(...near)] : []),
        fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
      )
    }
    case 'string': {
      if (schema.format === 'date-time')
        return fc
          .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString())
      if (schema.format === 'date')
        return fc
          .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10))
      if (schema.format === 'uri' || /url/i.test(name))
        return fc.constantFrom(
          'http://127.0.0.1:9/hook',
          'https://example.invalid/h',
          'ftp://x/y',
          'http://user:pw@x/',
          'javascript:alert(1)',
        )
      if (typeof schema.pattern === 'string') {
        try {
          return fc.stringMatching(new RegExp(schema.pattern))
        } catch {
          // not a JS pattern: fall through to plain strings
        }
      }
      const minLength = schema.minLength ?? 0
      const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40))
      return fc.string({ unit: 'grapheme', minLength, maxLength })
    }
    case 'array': {
      const maxLength = Math.min(schema.maxItems ?? 3, 3)
      return fc.array(plausible(schema.items, name, known, depth + 1), {
        minLength: Math.min(schema.minItems ?? 0, maxLength),
        maxLength,
      })
    }
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>
      const keys = Object.keys(props)
      if (!keys.length)
        return fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })
      // A point: mostly a real one inside a grid, so intake gets past locating it.
      if (props.lng && props.lat && known.point) {
        return fc.oneof(
          { arbitrary: fc.constant({ ...known.point }), weight: 3 },
          { arbitrary: record(props, schema.required ?? [], keys, known, depth), weight: 1 },
        )
      }
      // oneOf/anyOf of required-only branches (categoryCode | categoryId): exactly one of them.
      const branches = ((schema.oneOf ?? schema.anyOf ?? []) as Schema[])
        .filter((b) => b.required?.length && !b.properties)
        .map((b) => b.required as string[])
      if (branches.length) {
        const others = (b: string[]) => new Set(branches.flat().filter((k) => !b.includes(k)))
        return fc.constantFrom(...branches).chain((b) =>
          record(
            props,
            [...(schema.required ?? []), ...b],
            keys.filter((k) => !others(b).has(k)),
            known,
            depth,
          ),
        )
      }
      return record(props, schema.required ?? [], keys, known, depth)
    }
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

function record(
  props: Record<string, Schema>,
  required: string[],
  keys: string[],
  known: Known,
  depth: number,
): fc.Arbitrary<unknown> {
  const arbs = Object.fromEntries(keys.map((k) => [k, plausible(props[k], k, known, depth + 1)]))
  return fc.record(arbs, { requiredKeys: keys.filter((k) => required.includes(k)) })
}

// ─── mutations of a plausible body ───────────────────────────────────────────

type Mutation = { kind: 'set' | 'delete' | 'unknown' | 'wrap'; at: number; key: string; value: unknown }

const hostileKey = fc.oneof(
  fc.constantFrom(
    'extra',
    '__proto__',
    'constructor',
    'prototype',
    '',
    ' ',
    '$where',
    'a.b',
    '0',
    'toString',
    '<script>',
    "'; drop table x; --",
    '\u0000',
    '😀',
    'id',
    'admin',
    'role',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
)

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('set', 'set', 'set', 'delete', 'unknown', 'wrap'),
  at: fc.nat(),
  key: hostileKey,
  value: hostile,
})

function plainClone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainClone)
  if (v && typeof v === 'object' && !(v instanceof Raw))
    return ownKeys(Object.entries(v).map(([k, x]) => [k, plainClone(x)]))
  return v
}

/** Paths to every container and leaf of a value, the root included (depth-capped). */
function pathsOf(
  v: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
  depth = 0,
): (string | number)[][] {
  out.push(prefix)
  if (depth > 5 || v instanceof Raw) return out
  if (Array.isArray(v))
    v.slice(0, 20).forEach((x, i) => {
      pathsOf(x, [...prefix, i], out, depth + 1)
    })
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v).slice(0, 30)) pathsOf(x, [...prefix, k], out, depth + 1)
  return out
}

function applyMutations(base: unknown, mutations: Mutation[]): unknown {
  let root = plainClone(base)
  for (const original of mutations) {
    // fast-check hands out the same constant instances again: never mutate or nest them.
    const m = { ...original, value: plainClone(original.value) }
    const paths = pathsOf(root)
    const p = paths[m.at % paths.length]!
    if (p.length === 0) {
      if (m.kind === 'wrap') root = [root]
      else if (
        m.kind === 'unknown' &&
        root &&
        typeof root === 'object' &&
        !Array.isArray(root) &&
        !(root instanceof Raw)
      )
        Object.defineProperty(root, m.key, { value: m.value, enumerable: true, writable: true, configurable: true })
      else if (m.kind === 'set') root = m.value
      continue
    }
    let parent: any = root
    for (const k of p.slice(0, -1)) parent = parent[k]
    const last = p[p.length - 1]!
    if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else delete parent[last]
    } else if (m.kind === 'wrap') {
      parent[last] = m.key.length % 2 ? [parent[last]] : ownKeys([['value', parent[last]]])
    } else if (
      m.kind === 'unknown' &&
      parent[last] &&
      typeof parent[last] === 'object' &&
      !Array.isArray(parent[last]) &&
      !(parent[last] instanceof Raw)
    ) {
      Object.defineProperty(parent[last], m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } else {
      Object.defineProperty(parent, last, { value: m.value, enumerable: true, writable: true, configurable: true })
    }
  }
  return root
}

// ─── photo payloads ──────────────────────────────────────────────────────────

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
// A 1×1 JPEG and a 1×1 lossless WebP.
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
)
const WEBP = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64')
const SVG = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=3"><script>window.__xss=4</script><rect width="1" height="1"/></svg>',
)

/** A small gzip stream (concatenated members) that would inflate to `inflated` bytes of zeros. */
function gzipBomb(inflated: number): Buffer {
  const chunk = 16 * MB
  const member = gzipSync(Buffer.alloc(chunk), { level: 9 })
  return Buffer.concat(new Array(Math.ceil(inflated / chunk)).fill(member))
}
let bombCache: Buffer | null = null
const bomb = () => (bombCache ??= gzipBomb(1024 * MB)) // ~1 MiB that inflates to 1 GiB

const photoBody: fc.Arbitrary<{ payload: Buffer; type: string; encoding?: string }> = fc.oneof(
  fc.record({
    payload: fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)),
    type: fc.constantFrom('image/png', 'image/jpeg', 'image/webp', 'application/octet-stream'),
  }),
  fc
    .record({
      img: fc.constantFrom(PNG, JPEG, WEBP),
      cut: fc.nat(),
      type: fc.constantFrom('image/png', 'image/jpeg', 'image/webp', 'application/octet-stream'),
    })
    .map(({ img, cut, type }) => ({ payload: img.subarray(0, cut % img.length), type })),
  fc.record({
    payload: fc.constant(SVG),
    type: fc.constantFrom('image/png', 'image/svg+xml', 'application/octet-stream', 'text/html'),
  }),
  fc.record({
    payload: fc.constant(null).map(() => bomb()),
    type: fc.constant('image/png'),
    encoding: fc.constantFrom(undefined, 'gzip', 'deflate', 'br'),
  }),
  fc.record({
    payload: fc.constantFrom(PNG, JPEG).map((b) => Buffer.concat([b, SVG])),
    type: fc.constantFrom('image/png', 'image/jpeg'),
  }),
)

// ─── whole requests ──────────────────────────────────────────────────────────

type Caller = 'anonymous' | 'staff' | 'admin' | 'forged' | 'staffCookie' | 'junkCookie'

interface Request {
  caller: Caller
  method: string
  url: string
  headers: Record<string, string>
  payload?: string | Buffer
}

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'image/png',
  'application/json; charset=utf-16',
  'application/JSON',
  'application/json;;;',
  'application/vnd.api+json',
  'application/octet-stream',
  'application/json, text/html',
  '',
  '*/*',
]
const MALFORMED_JSON = [
  '',
  '{',
  '{"a":',
  '[1,]',
  "{'a':1}",
  'NaN',
  '\u0000',
  '\ufeff{}',
  '{"a":1}{"b":2}',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  'null',
  'true',
  '"string"',
  '123',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":1e99999}',
  '{"a":-0}',
  `[${'"x",'.repeat(1000)}"x"]`,
  `{"a":"${'\\'.repeat(11)}"}`,
  '\u00ff\u00fe{\u0000}',
]

/** Header values must be Latin-1 without control characters, or the client refuses to send them. */
const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?').slice(0, 8000)

function requestArb(op: Operation, known: Known): fc.Arbitrary<Request> {
  const pathParams = op.params.filter((p) => p.in === 'path')
  const queryParams = op.params.filter((p) => p.in === 'query')
  const isPhotos = op.key === 'POST /api/v1/photos'
  const takesBody = op.body !== null || isPhotos

  const pathValue = (p: Param) =>
    p.name === 'format'
      ? fc.oneof(
          { arbitrary: fc.constantFrom('json', 'xml'), weight: 8 },
          {
            arbitrary: fc.constantFrom('yaml', 'JSON', 'json%00', '', 'json.xml', 'xml%2F..%2F..', '%2e%2e', 'j%73on'),
            weight: 1,
          },
        )
      : fc.oneof(
          { arbitrary: plausible(p.schema, p.name, known).map((v) => encodeLoose(asText(v))), weight: 8 },
          { arbitrary: hostileText.map(encodeLoose), weight: 3 },
          {
            arbitrary: fc.constantFrom(
              ...TRAVERSAL,
              '%2e%2e%2f%2e%2e%2f',
              '..%2F..%2F..%2Fetc%2Fpasswd',
              '%E0%A4%A',
              '%',
              '%zz',
              '%ED%A0%80',
              '%C0%AE%C0%AE%2F',
            ),
            weight: 2,
          },
        )

  const queryPairs = fc.tuple(
    fc.tuple(
      ...queryParams.map((p) =>
        fc.option(
          fc.oneof(
            {
              arbitrary: plausible(p.schema, p.name, known).map((v) =>
                Array.isArray(v) ? v.map(asText) : [asText(v)],
              ),
              weight: 8,
            },
            { arbitrary: hostileText.map((v) => [v]), weight: 3 },
            { arbitrary: fc.array(hostileText, { minLength: 2, maxLength: 4 }), weight: 1 },
          ),
          { freq: 2 },
        ),
      ),
    ),
    fc.oneof(
      { arbitrary: fc.constant<[string, string][]>([]), weight: 5 },
      { arbitrary: fc.array(fc.tuple(hostileKey.map(asText), hostileText), { minLength: 1, maxLength: 2 }), weight: 1 },
    ),
    fc.oneof(
      { arbitrary: fc.constant(''), weight: 8 },
      {
        arbitrary: fc.constantFrom(
          '&',
          '&&=',
          '%',
          '%zz',
          '%E0%A4%A',
          'a[b]=1',
          '__proto__[polluted]=1',
          'constructor[prototype][polluted]=1',
          'page=1&page=2',
          ';',
          '?',
          '=',
          '%00=%00',
        ),
        weight: 1,
      },
    ),
  )

  const jsonBody = fc.oneof(
    {
      arbitrary: fc
        .tuple(
          plausible(op.body ?? undefined, 'body', known),
          fc.oneof(
            { arbitrary: fc.constant([]), weight: 2 },
            { arbitrary: mutation.map((m) => [m]), weight: 5 },
            { arbitrary: fc.array(mutation, { minLength: 2, maxLength: 4 }), weight: 1 },
          ),
        )
        .map(([base, ms]) => jsonText(applyMutations(base, ms))),
      weight: 8,
    },
    { arbitrary: hostile.map(jsonText), weight: 1 },
    { arbitrary: fc.constantFrom(...MALFORMED_JSON), weight: 1 },
  )
  const formBody = fc
    .tuple(
      plausible(op.body ?? undefined, 'body', known),
      fc.array(
        fc.tuple(
          fc.oneof(
            hostileKey.map(asText),
            fc.constantFrom('attribute[x][]', 'attribute[', 'attribute[]]', 'attribute[a][b]', 'lat', 'api_key'),
          ),
          hostileText,
        ),
        { maxLength: 3 },
      ),
    )
    .map(([base, extra]) => {
      const form = new URLSearchParams()
      for (const [k, v] of Object.entries((base ?? {}) as Record<string, unknown>)) {
        if (v && typeof v === 'object' && !Array.isArray(v))
          for (const [ak, av] of Object.entries(v)) form.append(`attribute[${ak}]`, asText(av))
        else form.append(k, asText(v))
      }
      for (const [k, v] of extra) form.append(k, v)
      return form.toString()
    })

  type Body = { payload?: string | Buffer; type?: string; encoding?: string }
  const bodyArb: fc.Arbitrary<Body> = isPhotos
    ? fc.oneof(
        { arbitrary: photoBody, weight: 8 },
        { arbitrary: jsonBody.map((payload) => ({ payload, type: 'application/json' })), weight: 1 },
        { arbitrary: fc.constant<Body>({}), weight: 1 },
      )
    : fc.oneof(
        { arbitrary: jsonBody.map((payload) => ({ payload, type: 'application/json' })), weight: takesBody ? 10 : 1 },
        ...(op.bodyTypes.includes('application/x-www-form-urlencoded')
          ? [
              {
                arbitrary: formBody.map((payload) => ({ payload, type: 'application/x-www-form-urlencoded' })),
                weight: 8,
              },
            ]
          : []),
        {
          arbitrary: fc
            .tuple(jsonBody, fc.constantFrom(...CONTENT_TYPES))
            .map(([payload, type]) => ({ payload, type })),
          weight: 2,
        },
        { arbitrary: fc.constant<Body>({}), weight: takesBody ? 1 : 8 },
      )
  // Now and then far past the 5 MiB limit.
  const oversized = fc
    .constantFrom('application/json', 'application/x-www-form-urlencoded', 'image/png')
    .map((type) => ({
      payload:
        type === 'image/png'
          ? Buffer.concat([PNG, Buffer.alloc(5 * MB + 1000)])
          : `{"description":"${'x'.repeat(5 * MB + 1000)}"}`,
      type,
    }))
  const body = fc.oneof({ arbitrary: bodyArb, weight: 60 }, { arbitrary: oversized, weight: 1 })

  const extraHeaders = fc.record(
    {
      'idempotency-key': hostileText.map(headerSafe),
      'x-access-purpose': fc.oneof(
        fc.constantFrom('%E0%A4%A', '%', '%zz', '%ED%A0%80', 'a'.repeat(3000)),
        hostileText.map((s) => headerSafe(encodeLoose(s))),
      ),
      'accept-language': fc.oneof(
        fc.constantFrom('en', 'zh-CN', 'en;q=abc', ';;;,,,', '*;q=-1', 'en;q=1e999'),
        hostileText.map(headerSafe),
      ),
      'content-length': fc.constantFrom('0', '1', '-1', 'abc', '99999999999'),
      origin: fc.constantFrom('http://localhost:80', 'https://evil.example', 'null', ''),
    },
    { requiredKeys: [] },
  )

  const caller = fc.oneof(
    { arbitrary: fc.constantFrom<Caller>('anonymous', 'staff', 'admin'), weight: 10 },
    { arbitrary: fc.constantFrom<Caller>('forged', 'staffCookie', 'junkCookie'), weight: 1 },
  )
  const method = fc.oneof(
    { arbitrary: fc.constant(op.method), weight: 20 },
    { arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'), weight: 1 },
  )

  return fc
    .record({
      caller,
      method,
      path: fc.tuple(...pathParams.map(pathValue)),
      query: queryPairs,
      body,
      headers: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: extraHeaders, weight: 1 }),
    })
    .map(({ caller, method, path: values, query: [named, extra, raw], body, headers }) => {
      let url = op.path
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, values[i]!)
      })
      const pairs: string[] = []
      queryParams.forEach((p, i) => {
        for (const v of named[i] ?? []) pairs.push(`${encodeLoose(p.name)}=${encodeLoose(v)}`)
      })
      for (const [k, v] of extra) pairs.push(`${encodeLoose(k)}=${encodeLoose(v)}`)
      if (raw) pairs.push(raw)
      if (pairs.length) url += `?${pairs.join('&')}`
      const h: Record<string, string> = { ...(headers ?? {}) }
      // A wrong content-length makes the client hang waiting for bytes: only send it without a body.
      if (body.payload !== undefined) delete h['content-length']
      if (body.type !== undefined) h['content-type'] = body.type
      if (body.encoding) h['content-encoding'] = body.encoding
      return { caller, method, url, headers: h, payload: body.payload }
    })
}

// ─── checking answers ────────────────────────────────────────────────────────

function describeRequest(r: Request): string {
  const payload =
    r.payload === undefined
      ? ''
      : typeof r.payload === 'string'
        ? r.payload
        : `<${r.payload.length} bytes: ${r.payload.subarray(0, 16).toString('hex')}…>`
  const show = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s)
  return `${r.caller} ${r.method} ${show(r.url)} headers=${show(JSON.stringify(r.headers))} body=${show(JSON.stringify(payload))}`
}

const XML_ERRORS =
  /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<errors>\n(?: {2}<error>\n {4}<code>(\d+)<\/code>\n {4}(?:<description>[^<]*<\/description>|<description\/>)\n {2}<\/error>\n)+<\/errors>\n$/

/** The problems with an answer; empty when it keeps the contract. */
function problemsOf(req: Request, res: LightMyRequestResponse): string[] {
  const problems: string[] = []
  const status = res.statusCode
  if (status >= 500) problems.push(`status ${status}`)
  if (/root:x:0:0:/.test(res.body)) problems.push('the answer contains /etc/passwd')
  if (status < 400 || req.method === 'HEAD') return problems
  const type = String(res.headers['content-type'] ?? '')
  // The client normalises the path first (`%2e%2e/`, `\\`), like a browser: judge by what the server saw.
  const seen = String((res.raw.req as { url?: string }).url ?? req.url)
  const open311 = seen.startsWith('/open311/v2/')
  if (open311) {
    if (type.startsWith('application/json')) {
      let list: any
      try {
        list = JSON.parse(res.body)
      } catch {
        return [...problems, `open311 JSON error is not JSON: ${res.body.slice(0, 200)}`]
      }
      const ok =
        Array.isArray(list) &&
        list.length > 0 &&
        list.every(
          (e) =>
            e &&
            typeof e === 'object' &&
            Object.keys(e).sort().join() === 'code,description' &&
            e.code === status &&
            typeof e.description === 'string',
        )
      if (!ok) problems.push(`open311 JSON error list malformed: ${res.body.slice(0, 300)}`)
    } else if (type.startsWith('text/xml')) {
      const m = XML_ERRORS.exec(res.body)
      if (!m || [...res.body.matchAll(/<code>(\d+)<\/code>/g)].some((c) => Number(c[1]) !== status))
        problems.push(`open311 XML error list malformed: ${res.body.slice(0, 300)}`)
    } else {
      problems.push(`open311 error with content-type ${JSON.stringify(type)}: ${res.body.slice(0, 200)}`)
    }
    return problems
  }
  let body: any
  try {
    body = JSON.parse(res.body)
  } catch {
    return [...problems, `error body is not JSON (${type}): ${res.body.slice(0, 200)}`]
  }
  const e = body?.error
  const shapeOk =
    body &&
    typeof body === 'object' &&
    !Array.isArray(body) &&
    Object.keys(body).join() === 'error' &&
    e &&
    typeof e === 'object' &&
    typeof e.code === 'string' &&
    typeof e.message === 'string' &&
    (e.field === null || typeof e.field === 'string') &&
    Object.keys(e).every((k) => ['code', 'message', 'field', 'details'].includes(k)) &&
    ['code', 'message', 'field'].every((k) => k in e) &&
    (e.details === undefined || (e.details && typeof e.details === 'object' && !Array.isArray(e.details)))
  if (!shapeOk) problems.push(`error shape: ${res.body.slice(0, 300)}`)
  else if (!(e.code in errorCodes)) problems.push(`unknown error code ${e.code}`)
  else if (errorCodes[e.code as keyof typeof errorCodes] !== status)
    problems.push(`code ${e.code} with status ${status}`)
  if (!type.startsWith('application/json')) problems.push(`error content-type ${type}`)
  return problems
}

// ─── the suite ───────────────────────────────────────────────────────────────

describe.each(backends())('fuzzing every operation on %s', (backend) => {
  let p: TestPlatform
  let ops: Operation[] = []
  let known: Known
  let sent = 0
  const tokens: Record<'staff' | 'admin', string> = { staff: '', admin: '' }
  const usernames = { staff: 'guihua.staff', admin: 'admin' } as const
  let grantSnapshot: Record<string, unknown>[] = []

  async function login(who: 'staff' | 'admin'): Promise<void> {
    const res = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: usernames[who], password: DEMO_PASSWORD },
    })
    if (res.status !== 200) throw new Error(`login ${usernames[who]}: ${res.status} ${JSON.stringify(res.body)}`)
    tokens[who] = res.body.token
  }

  /** Fuzzed admins may disable accounts, drop grants or sign the test's own sessions out: undo that. */
  async function keepCallersUsable(): Promise<void> {
    for (const who of ['staff', 'admin'] as const) {
      const me = await call(p.app, 'GET', '/api/v1/auth/me', { token: tokens[who] })
      const grants = me.status === 200 ? me.body.user.roles.length : 0
      if (me.status === 200 && grants > 0) continue
      await p.database.db
        .updateTable('app_user')
        .set({ status: 'active' })
        .where('username', 'in', Object.values(usernames))
        .execute()
      for (const g of grantSnapshot) {
        await sql`insert into role_grant select * from json_populate_record(null::role_grant, ${JSON.stringify(g)}::json) on conflict do nothing`.execute(
          p.database.db,
        )
      }
      await login(who)
    }
  }

  async function send(req: Request): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...req.headers }
    if (req.caller === 'staff' || req.caller === 'admin') headers.authorization = `Bearer ${tokens[req.caller]}`
    if (req.caller === 'forged') headers.authorization = `Bearer ${headerSafe("' OR 1=1 --")}`
    if (req.caller === 'staffCookie') headers.cookie = `gr_session=${tokens.staff}`
    if (req.caller === 'junkCookie') headers.cookie = 'gr_session=%E0%A4%A; gr_session=x'
    sent++
    const opts: InjectOptions = {
      method: req.method as InjectOptions['method'],
      url: req.url,
      headers,
      remoteAddress: FUZZ_ADDRESS,
      ...(req.payload !== undefined ? { payload: req.payload } : {}),
    }
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        p.app.inject(opts),
        new Promise<never>(
          (_, reject) =>
            (timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS)),
        ),
      ])
    } finally {
      clearTimeout(timer)
    }
  }

  async function healthy(): Promise<string[]> {
    const h = await p.app.inject({ method: 'GET', url: '/healthz' })
    const problems: string[] = []
    if (h.statusCode !== 200 || h.json().status !== 'ok') problems.push(`/healthz answered ${h.statusCode} ${h.body}`)
    if (({} as any).polluted !== undefined || (Object.prototype as any).polluted !== undefined)
      problems.push('Object.prototype was polluted')
    return problems
  }

  beforeAll(async () => {
    // No request may leave the machine: a fuzzed webhook test ping would otherwise call out.
    vi.stubGlobal('fetch', async () => {
      throw new Error('network disabled in the fuzz test')
    })
    p = await openTestPlatform(backend)
    await login('staff')
    await login('admin')
    grantSnapshot = (await sql<Record<string, unknown>>`select * from role_grant`.execute(p.database.db)).rows
    const doc = await call(p.app, 'GET', '/api/openapi.json')
    ops = operationsOf(doc.body)
    // Real ids and codes, so that many requests get past "not found" into the handlers.
    const resident = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'guihua.resident', password: DEMO_PASSWORD },
    })
    const { rows } = await sql<{
      lng: number
      lat: number
    }>`select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = 'JZ-QH-01-01-G01'`.execute(
      p.database.db,
    )
    const point = { lng: Number(rows[0]!.lng), lat: Number(rows[0]!.lat) }
    const filed = await call(p.app, 'POST', '/api/v1/cases', {
      token: resident.body.token,
      body: { categoryCode: 'DL-03', location: point, description: 'fuzz seed case' },
    })
    const anon = await call(p.app, 'POST', '/api/v1/cases', {
      body: { categoryCode: 'DL-03', location: point, description: 'fuzz anonymous seed case' },
    })
    expect(filed.status).toBe(201)
    expect(anon.status).toBe(201)
    const ids = (table: 'area' | 'app_user' | 'department' | 'role_grant' | 'cases') =>
      p.database.db
        .selectFrom(table)
        .select('id')
        .orderBy('id')
        .limit(12)
        .execute()
        .then((r) => r.map((x) => x.id))
    const idPool = new Set<number>([
      ...(await ids('area')),
      ...(await ids('app_user')),
      ...(await ids('department')),
      ...(await ids('role_grant')),
      ...(await ids('cases')),
    ])
    known = {
      point,
      ids: [...idPool],
      strings: {
        trackingCode: [filed.body.trackingCode, anon.body.trackingCode, '000000-AAAAAA'],
        service_request_id: [filed.body.trackingCode, anon.body.trackingCode],
        token: [anon.body.trackingCode],
        reporterToken: [anon.body.reporterToken],
        code: ['DL-03', 'SR-05', 'DL', 'XX-99'],
        service_code: ['DL-03', 'SR-05', 'DL'],
        categoryCode: ['DL-03', 'SR-05', 'DL'],
        day: ['2026-10-01', '2026-02-30', '2027-01-01'],
        api_key: ['grassroots-demo-key'],
        jurisdiction_id: ['JZ', 'XX'],
        locale: ['en', 'zh-CN'],
        lat: [String(point.lat)],
        long: [String(point.lng)],
      },
    }
    known.strings.description = ['路灯不亮', ...HTML.slice(0, 2)]
  })

  afterAll(async () => {
    await p?.close()
    vi.unstubAllGlobals()
  })

  it('reads every operation from the OpenAPI document, Open311 and the photo upload included', () => {
    expect(ops.length).toBeGreaterThan(50)
    const keys = ops.map((o) => o.key)
    expect(keys).toContain('POST /api/v1/photos')
    expect(keys).toContain('POST /open311/v2/requests.{format}')
    expect(keys).toContain('GET /api/v1/public/cases/{trackingCode}')
    expect(keys.filter((k) => k.includes('/open311/v2/')).length).toBeGreaterThanOrEqual(7)
  })

  it('answers hostile requests to every operation without a 5xx, in the error shape, and stays healthy', async () => {
    const started = Date.now()
    const before = sent
    const failures: string[] = []
    const stats: Record<string, Record<number, number>> = {}
    const took: Record<string, number> = {}
    let slowest = 0
    for (const op of ops.filter((o) => !ONLY || o.key.includes(ONLY))) {
      const opStarted = Date.now()
      const result = await fc.check(
        fc.asyncProperty(requestArb(op, known), async (req) => {
          const t0 = Date.now()
          const res = await send(req)
          const ms = Date.now() - t0
          slowest = Math.max(slowest, ms)
          if (STATS) {
            stats[op.key] ??= {}
            const counts = stats[op.key]!
            counts[res.statusCode] = (counts[res.statusCode] ?? 0) + 1
          }
          const problems = problemsOf(req, res)
          if (ms > SLOW_MS) problems.push(`answered after ${ms} ms`)
          if (problems.length)
            throw new Error(
              `${problems.join('; ')}\n    request: ${describeRequest(req)}\n    answer: ${res.statusCode} ${res.body.slice(0, 300)}`,
            )
        }),
        { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: process.env.FUZZ_SHRINK !== '1' },
      )
      if (result.failed)
        failures.push(
          `${op.key} (seed ${result.seed}, path ${result.counterexamplePath}): ${String((result.errorInstance as Error)?.message ?? result.errorInstance)}`,
        )
      const sick = await healthy()
      if (sick.length) failures.push(`after ${op.key}: ${sick.join('; ')}`)
      await keepCallersUsable()
      took[op.key] = Date.now() - opStarted
    }
    if (STATS)
      for (const [k, v] of Object.entries(stats))
        console.log(`[fuzz ${backend}] ${k}: ${took[k]} ms ${JSON.stringify(v)}`)
    console.log(
      `[fuzz ${backend}] ${sent - before} requests to ${ops.length} operations (${RUNS} per operation) in ${((Date.now() - started) / 1000).toFixed(1)} s; slowest answer ${slowest} ms`,
    )
    expect(failures).toEqual([])
  }, 600_000)

  it('answers the requests that once made it fail in the error shape (regressions)', async () => {
    const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`
    // A point inside a grid as the grids stand now: the hostile run before may have moved or
    // retired the one the fuzzing started from.
    const { rows } = await sql<{ lng: number; lat: number }>`
      select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
      from area where level = 'grid' and retired_at is null order by id limit 1`.execute(p.database.db)
    const inside = { lng: Number(rows[0]!.lng), lat: Number(rows[0]!.lat) }
    const intake = (extra: string) =>
      `{"categoryCode":"DL-03","location":${JSON.stringify(inside)},"description":"x"${extra}}`
    const cases: [Request, number, string | null][] = [
      // Fastify's own answers for a path that is not UTF-8 or too long, bypassing the error handler.
      [{ caller: 'staff', method: 'GET', url: '/api/v1/areas/%E0%A4%A', headers: {} }, 400, 'VALIDATION_FAILED'],
      [
        { caller: 'anonymous', method: 'GET', url: `/api/v1/public/cases/${'x'.repeat(300)}`, headers: {} },
        400,
        'VALIDATION_FAILED',
      ],
      [{ caller: 'anonymous', method: 'GET', url: '/open311/v2/services/%ED%A0%80.json', headers: {} }, 400, null],
      [{ caller: 'anonymous', method: 'GET', url: '/open311/v2/services/%zz.xml', headers: {} }, 400, null],
      [
        { caller: 'anonymous', method: 'GET', url: `/open311/v2/requests/${'1'.repeat(300)}.json`, headers: {} },
        400,
        null,
      ],
      // NUL characters PostgreSQL cannot store (SQLSTATE 22021, 22P05), in a path, a query and JSON.
      [
        { caller: 'staff', method: 'GET', url: '/api/v1/categories/%00/routing', headers: {} },
        400,
        'VALIDATION_FAILED',
      ],
      [{ caller: 'staff', method: 'GET', url: '/api/v1/cases?q=%00', headers: {} }, 400, 'VALIDATION_FAILED'],
      [
        {
          caller: 'staff',
          method: 'POST',
          url: '/api/v1/cases',
          headers: { 'content-type': 'application/json' },
          payload: intake(',"attributes":{"pole_number":"a\\u0000b"}'),
        },
        400,
        'VALIDATION_FAILED',
      ],
      // Integers the schema allowed but the column cannot hold (22003, 22P02).
      [
        {
          caller: 'admin',
          method: 'POST',
          url: '/api/v1/api-keys',
          headers: { 'content-type': 'application/json' },
          payload: '{"name":"x","areaId":2147483648}',
        },
        400,
        'VALIDATION_FAILED',
      ],
      [
        {
          caller: 'admin',
          method: 'POST',
          url: '/api/v1/api-keys',
          headers: { 'content-type': 'application/json' },
          payload: '{"name":"x","areaId":1e308}',
        },
        400,
        'VALIDATION_FAILED',
      ],
      // Nesting deeper than the stack when the body is hashed for an Idempotency-Key.
      [
        {
          caller: 'anonymous',
          method: 'POST',
          url: '/api/v1/cases',
          headers: { 'content-type': 'application/json', 'idempotency-key': 'deep' },
          payload: intake(`,"attributes":${deep(20_000)}`),
        },
        400,
        'VALIDATION_FAILED',
      ],
    ]
    const failures: string[] = []
    for (const [req, status, code] of cases) {
      const res = await send(req)
      const problems = problemsOf(req, res)
      if (res.statusCode !== status) problems.push(`status ${res.statusCode}, not ${status}`)
      if (code && res.json().error?.code !== code) problems.push(`code ${res.json().error?.code}, not ${code}`)
      if (problems.length) failures.push(`${describeRequest(req)}: ${problems.join('; ')}: ${res.body.slice(0, 200)}`)
    }
    expect(failures).toEqual([])
  })

  it('refuses a body over 5 MiB on every operation that takes one with 413', async () => {
    const failures: string[] = []
    for (const op of ops.filter((o) => ['POST', 'PUT', 'PATCH'].includes(o.method))) {
      const url = op.path.replace(/\{format\}/g, 'json').replace(/\{[^}]+\}/g, '1')
      const isPhotos = op.key === 'POST /api/v1/photos'
      const payload = isPhotos
        ? Buffer.concat([PNG, Buffer.alloc(5 * MB + 1)])
        : `{"description":"${'x'.repeat(5 * MB + 1)}"}`
      const req: Request = {
        caller: 'admin',
        method: op.method,
        url,
        headers: { 'content-type': isPhotos ? 'image/png' : 'application/json' },
        payload,
      }
      const res = await send(req)
      const problems = problemsOf(req, res)
      // Open311 answers every client error but 403/404 as 400, as its documentation says (open311.md#errors).
      const expected = op.open311 ? 400 : 413
      if (res.statusCode !== expected) problems.push(`status ${res.statusCode}, not ${expected}`)
      if (!op.open311 && res.statusCode === 413 && res.json().error.code !== 'PAYLOAD_TOO_LARGE')
        problems.push(`code ${res.json().error.code}`)
      if (problems.length) failures.push(`${op.key}: ${problems.join('; ')}`)
    }
    expect(failures).toEqual([])
    expect(await healthy()).toEqual([])
  }, 120_000)

  it('refuses photo uploads that are not JPEG, PNG or WebP by their bytes, and never inflates a gzip bomb', async () => {
    const upload = (who: Caller, payload: Buffer, type: string, extra: Record<string, string> = {}) =>
      send({ caller: who, method: 'POST', url: '/api/v1/photos', headers: { 'content-type': type, ...extra }, payload })
    for (const who of ['anonymous', 'staff'] as const) {
      for (const [payload, type] of [
        [SVG, 'image/png'],
        [SVG, 'application/octet-stream'],
        [Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;'), 'image/png'],
        [Buffer.from('%PDF-1.7\n'), 'image/jpeg'],
        [Buffer.alloc(0), 'image/png'],
      ] as const) {
        const res = await upload(who, payload, type)
        expect(res.statusCode, `${type} ${payload.subarray(0, 8).toString()}`).toBe(422)
        expect(res.json().error).toMatchObject({ code: 'PHOTO_INVALID', field: 'body' })
      }
      const svg = await upload(who, SVG, 'image/svg+xml')
      expect(svg.statusCode).toBe(415)
      expect(svg.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE')
      // The real images are accepted, each as what its bytes say.
      for (const [img, mime] of [
        [PNG, 'image/png'],
        [JPEG, 'image/jpeg'],
        [WEBP, 'image/webp'],
      ] as const) {
        const ok = await upload(who, img, 'application/octet-stream')
        expect(ok.statusCode).toBe(201)
        expect(ok.json().contentType).toBe(mime)
      }
    }
    const gz = bomb()
    expect(gz.length).toBeLessThan(2 * MB)
    for (const encoding of [undefined, 'gzip']) {
      const rssBefore = process.memoryUsage().rss
      const t0 = Date.now()
      const res = await upload('staff', gz, 'image/png', encoding ? { 'content-encoding': encoding } : {})
      expect(res.statusCode).toBeGreaterThanOrEqual(400)
      expect(res.statusCode).toBeLessThan(500)
      expect(['PHOTO_INVALID', 'UNSUPPORTED_MEDIA_TYPE']).toContain(res.json().error.code)
      // Inflating 1 GiB would take seconds and hundreds of megabytes.
      expect(Date.now() - t0).toBeLessThan(3000)
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * MB)
    }
    const stored = await p.database.db
      .selectFrom('case_photo')
      .select((eb) => eb.fn.max('byte_size').as('max'))
      .executeTakeFirstOrThrow()
    expect(Number(stored.max)).toBeLessThanOrEqual(5 * MB)

    // Random bytes and cut-off images: never a 5xx; what is accepted is what its bytes say it is.
    let runs = 0
    await fc.assert(
      fc.asyncProperty(photoBody, fc.constantFrom<Caller>('anonymous', 'staff'), async (b, who) => {
        runs++
        const res = await upload(who, b.payload, b.type, b.encoding ? { 'content-encoding': b.encoding } : {})
        const problems = problemsOf({ caller: who, method: 'POST', url: '/api/v1/photos', headers: {} }, res)
        if (problems.length) throw new Error(problems.join('; '))
        if (res.statusCode === 201) {
          const magic: Record<string, (x: Buffer) => boolean> = {
            'image/png': (x) => x.subarray(0, 8).equals(PNG.subarray(0, 8)),
            'image/jpeg': (x) => x[0] === 0xff && x[1] === 0xd8 && x[2] === 0xff,
            'image/webp': (x) => x.subarray(0, 4).toString() === 'RIFF' && x.subarray(8, 12).toString() === 'WEBP',
          }
          const ct = res.json().contentType as string
          if (!magic[ct]?.(b.payload))
            throw new Error(`accepted as ${ct}: ${b.payload.subarray(0, 16).toString('hex')}`)
        } else if (![413, 415, 422].includes(res.statusCode)) {
          throw new Error(`status ${res.statusCode}: ${res.body}`)
        }
      }),
      { numRuns: Math.max(20, Math.round(RUNS * 1.5)), seed: SEED },
    )
    console.log(`[fuzz ${backend}] photo property: ${runs} uploads`)
    expect(await healthy()).toEqual([])
  }, 120_000)

  it('counts the requests it sent', () => {
    console.log(`[fuzz ${backend}] ${sent} requests in total`)
    expect(sent).toBeGreaterThan(ops.length)
  })
})

// ─── stored script in a browser ──────────────────────────────────────────────

const CHROMIUM = '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1') {
  console.warn(
    `\n[grassroots tests] no Chromium at ${CHROMIUM}: the stored-script browser test is skipped (apt-get install chromium)\n`,
  )
}

const IMG = '<img src=x onerror="window.__xss=1">'
const SCRIPT = '<script>window.__xss=2</script>'

describe.skipIf(!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1')(
  'stored script in case text is shown literally (pglite, browser)',
  () => {
    let p: TestPlatform
    let baseUrl: string
    let browser: import('playwright-core').Browser
    const pageProblems: string[] = []

    beforeAll(async () => {
      if (!hasChromium)
        throw new Error(`browser test needs Chromium at ${CHROMIUM} (e.g. apt-get install chromium); none found`)
      p = await openTestPlatform('pglite')
      if (!existsSync(path.join(p.config.webDir, 'index.html'))) {
        throw new Error(`web app not built (${p.config.webDir}/index.html missing): run \`npm run build:web\` first`)
      }
      await p.app.listen({ port: 0, host: '127.0.0.1' })
      baseUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`
      const { chromium } = await import('playwright-core')
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      })
    })

    afterAll(async () => {
      await browser?.close()
      await p?.close()
    })

    it('runs no script from a case’s description, address, attributes or public comment', async () => {
      const byTestId = (id: string) => `[data-testid="${id}"]`
      const resident = await call(p.app, 'POST', '/api/v1/auth/login', {
        body: { username: 'guihua.resident', password: DEMO_PASSWORD },
      })
      const staffToken = (
        await call(p.app, 'POST', '/api/v1/auth/login', { body: { username: 'guihua.staff', password: DEMO_PASSWORD } })
      ).body.token
      const { rows } = await sql<{
        lng: number
        lat: number
      }>`select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = 'JZ-QH-01-01-G01'`.execute(
        p.database.db,
      )
      const description = `路灯不亮 ${IMG} ${SCRIPT}`
      const address = `桂花路 ${SCRIPT} ${IMG}`
      const pole = `${IMG}${SCRIPT}`
      const filed = await call(p.app, 'POST', '/api/v1/cases', {
        token: resident.body.token,
        body: {
          categoryCode: 'DL-03',
          location: { lng: Number(rows[0]!.lng), lat: Number(rows[0]!.lat) },
          address,
          description,
          attributes: { pole_number: pole },
        },
      })
      expect(filed.status).toBe(201)
      const { id, trackingCode } = filed.body
      // A public step with the same text, so the tracking page carries it too.
      const reason = `重复上报 ${SCRIPT} ${IMG}`
      const rejected = await call(p.app, 'POST', `/api/v1/cases/${id}/actions`, {
        token: staffToken,
        body: { action: 'reject', comment: reason },
      })
      expect(rejected.status).toBe(200)

      const watch = (page: import('playwright-core').Page, who: string) => {
        page.on('pageerror', (err) => pageProblems.push(`${who} pageerror: ${err.message}`))
        page.on('dialog', (d) => {
          pageProblems.push(`${who} dialog: ${d.message()}`)
          void d.dismiss()
        })
      }
      // CSP (script-src 'self') would stop the payloads anyway; bypass it so the test proves the pages
      // render the text as text, not that the policy caught it.
      const ctx = await browser.newContext({ locale: 'zh-CN', bypassCSP: true })
      ctx.setDefaultTimeout(30_000)
      try {
        const visitor = await ctx.newPage()
        watch(visitor, 'visitor')
        await visitor.goto(`${baseUrl}/#/track/${trackingCode}`)
        await visitor.waitForSelector(`${byTestId('track-state')}[data-state="rejected"]`)
        await visitor.waitForTimeout(300)
        expect(await visitor.evaluate(() => (window as any).__xss)).toBeUndefined()
        expect(await visitor.textContent('body')).toContain(reason)
        expect(await visitor.locator('img[src="x"]').count()).toBe(0)

        const staffCtx = await browser.newContext({ locale: 'zh-CN', bypassCSP: true })
        staffCtx.setDefaultTimeout(30_000)
        try {
          const staff = await staffCtx.newPage()
          watch(staff, 'staff')
          await staff.goto(baseUrl)
          await staff.fill(byTestId('login-username'), 'guihua.staff')
          await staff.fill(byTestId('login-password'), DEMO_PASSWORD)
          await staff.click(byTestId('login-submit'))
          await staff.waitForSelector(byTestId('user-menu'))
          await staff.evaluate((h) => (window.location.hash = h), `#/cases/${id}`)
          await staff.waitForSelector(`${byTestId('case-state')}[data-state="rejected"]`)
          await staff.waitForSelector(byTestId('case-facts'))
          await staff.waitForTimeout(300)
          expect(await staff.evaluate(() => (window as any).__xss)).toBeUndefined()
          expect(await staff.textContent(byTestId('case-description'))).toBe(description)
          const facts = (await staff.textContent(byTestId('case-facts')))!
          expect(facts).toContain(address)
          expect(facts).toContain(pole)
          expect(await staff.textContent('body')).toContain(reason)
          expect(await staff.locator('img[src="x"]').count()).toBe(0)
          expect(await staff.locator('script:not([src])').count()).toBe(0)
        } finally {
          await staffCtx.close()
        }
      } finally {
        await ctx.close()
      }
      expect(pageProblems).toEqual([])
    }, 120_000)
  },
)
