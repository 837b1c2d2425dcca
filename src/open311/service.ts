import type { FieldCipher } from '../core/crypto.js'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { listCategories, leafCategory, type Category, type CategoryAttribute } from '../cases/catalogue.js'
import { createCase, type Channel, type NewCase } from '../cases/intake.js'
import { openStates, type CaseState } from '../cases/workflow.js'
import type { Db } from '../core/db.js'
import { AppError } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { idempotent, type Reply } from '../core/idempotency.js'
import { shape } from '../core/schemas.js'
import { inScope, type RequestContext } from '../core/scope.js'
import { gridAt } from '../jurisdiction/geometry.js'
import type { ApiKeyIdentity } from './keys.js'

// GeoReport v2 (http://wiki.open311.org/GeoReport_v2) on top of the case catalogue and intake:
// a service is an active leaf category, a service request is a case, its id the tracking code.

export type Lang = 'zh-CN' | 'en'
export type Format = 'json' | 'xml'

export interface Open311ErrorItem {
  code: number
  description: string
}

/** An answer in the spec's error list format: HTTP status plus one or more {code, description}. */
export class Open311Error extends Error {
  constructor(
    readonly status: number,
    readonly errors: Open311ErrorItem[],
  ) {
    super(errors.map((e) => e.description).join('; '))
  }
}

export const fail = (status: number, description: string) => new Open311Error(status, [{ code: status, description }])

/** Requests older than this are left out unless asked for; no search may span more. */
export const WINDOW_DAYS = 90
const WINDOW_MS = WINDOW_DAYS * 86400_000
/** The most requests one GET returns. */
export const MAX_REQUESTS = 1000

/** GeoReport dates: w3 ISO 8601 in UTC, whole seconds. */
export function w3(d: Date): string
export function w3(d: Date | null): string | null
export function w3(d: Date | null): string | null {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null
}

const name = (lang: Lang, zh: string, en: string) => (lang === 'en' ? en : zh)

// ─── the documents' shapes (the JSON form; the XML form is the same tree) ─────

const nullableString = { type: ['string', 'null'] } as const
const dateTime = { type: 'string', format: 'date-time' } as const

export const errorListSchema = {
  type: 'array',
  items: shape({ code: { type: 'integer' }, description: { type: 'string' } }),
} as const

export const discoverySchema = shape({
  changeset: dateTime,
  contact: { type: 'string' },
  key_service: { type: 'string' },
  endpoints: {
    type: 'array',
    items: shape({
      specification: { type: 'string' },
      url: { type: 'string' },
      changeset: dateTime,
      type: { type: 'string', enum: ['production', 'test'] },
      formats: { type: 'array', items: { type: 'string' } },
    }),
  },
})

export const serviceSchema = shape({
  service_code: { type: 'string' },
  service_name: { type: 'string' },
  description: { type: 'string' },
  metadata: { type: 'boolean' },
  type: { type: 'string', enum: ['realtime', 'batch', 'blackbox'] },
  keywords: { type: 'string' },
  group: nullableString,
})

export const definitionSchema = shape({
  service_code: { type: 'string' },
  attributes: {
    type: 'array',
    items: shape({
      variable: { type: 'boolean' },
      code: { type: 'string' },
      datatype: {
        type: 'string',
        enum: ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'],
      },
      required: { type: 'boolean' },
      datatype_description: nullableString,
      order: { type: 'integer' },
      description: { type: 'string' },
      values: { type: 'array', items: shape({ key: { type: 'string' }, name: { type: 'string' } }) },
    }),
  },
})

export const requestSchema = shape({
  service_request_id: { type: 'string' },
  status: { type: 'string', enum: ['open', 'closed'] },
  status_notes: nullableString,
  service_name: { type: 'string' },
  service_code: { type: 'string' },
  description: nullableString,
  agency_responsible: nullableString,
  service_notice: nullableString,
  requested_datetime: dateTime,
  updated_datetime: dateTime,
  expected_datetime: { type: ['string', 'null'], format: 'date-time' },
  address: nullableString,
  address_id: nullableString,
  zipcode: nullableString,
  lat: { type: ['number', 'null'] },
  long: { type: ['number', 'null'] },
  media_url: nullableString,
})
export type RequestView = Output<typeof requestSchema>

export const submittedSchema = shape({
  service_request_id: { type: 'string' },
  service_notice: { type: 'string' },
  account_id: nullableString,
})

export const tokenSchema = shape({ service_request_id: { type: 'string' }, token: { type: 'string' } })

// ─── the parameters ──────────────────────────────────────────────────────────

export const commonParameters = {
  jurisdiction_id: {
    type: 'string',
    maxLength: 100,
    description: 'code of the jurisdiction (the city, JZ in the demo); optional',
  },
  locale: { type: 'string', maxLength: 35, description: 'zh-CN (default) or en; else Accept-Language decides' },
  api_key: { type: 'string', maxLength: 200, description: 'not needed to read; accepted and ignored' },
} as const

const list = { type: 'array', items: { type: 'string', maxLength: 20000 }, maxItems: 50 } as const
const text = <const N extends number>(max: N) => ({ type: 'string', maxLength: max }) as const
const scalarOrList = {
  anyOf: [
    { type: ['string', 'number'], maxLength: 2000 },
    { type: 'array', maxItems: 50, items: { type: ['string', 'number'], maxLength: 2000 } },
  ],
} as const

export const requestBodySchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'Form-encoded (application/x-www-form-urlencoded; the spec’s format) or JSON. Attributes as attribute[code]=value, multivaluelist values as attribute[code][]=value repeated; JSON may instead send attribute: {code: value | [values]}. Empty parameters count as absent.',
  properties: {
    api_key: text(200),
    jurisdiction_id: text(100),
    service_code: text(20),
    lat: { type: ['string', 'number'], maxLength: 40 },
    long: { type: ['string', 'number'], maxLength: 40 },
    address_string: text(300),
    address_id: { type: ['string', 'number'], maxLength: 200 },
    email: text(254),
    device_id: text(200),
    account_id: { type: ['string', 'number'], maxLength: 200 },
    first_name: text(50),
    last_name: text(50),
    phone: text(20),
    description: text(4000),
    media_url: text(2000),
    attribute: { type: 'object', maxProperties: 50, additionalProperties: scalarOrList },
  },
  patternProperties: { '^attribute\\[[^\\[\\]]+\\](\\[\\])?$': scalarOrList },
  maxProperties: 80,
} as const
/** The parameters of POST requests, form-encoded or JSON, as the route schema admits them. */
export type RequestBody = Input<typeof requestBodySchema>

export const requestsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonParameters,
    service_request_id: { ...list, description: 'comma-separated; overrides every other filter' },
    service_code: { ...list, description: 'comma-separated service codes' },
    start_date: { type: 'string', maxLength: 40, description: 'w3 date-time with time zone' },
    end_date: {
      type: 'string',
      maxLength: 40,
      description: 'w3 date-time with time zone; at most 90 days after start_date',
    },
    status: { ...list, description: 'open, closed or both, comma-separated' },
  },
} as const
/** The filters of GET requests, as the route schema admits them. */
export type RequestsQuery = Input<typeof requestsQuery>

// ─── jurisdiction ────────────────────────────────────────────────────────────

export interface Jurisdiction {
  id: number
  code: string
  path: string
}

/**
 * The jurisdiction named by jurisdiction_id: the code of a root area (the city, `JZ` in the demo).
 * Absent or empty means every jurisdiction this server serves.
 */
export async function jurisdiction(db: Db, id: string | undefined): Promise<Jurisdiction | null> {
  if (id === undefined || id.trim() === '') return null
  const root = await db
    .selectFrom('area')
    .select(['id', 'code', 'path'])
    .where('code', '=', id.trim())
    .where('parent_id', 'is', null)
    .where('retired_at', 'is', null)
    .executeTakeFirst()
  if (!root) throw fail(404, `jurisdiction_id ${id} was not found`)
  return root
}

// ─── services ────────────────────────────────────────────────────────────────

const noticeText = (respondHours: number | null, handleWorkdays: number | null, lang: Lang) =>
  lang === 'en'
    ? `We respond within ${respondHours} hours and resolve the problem within ${handleWorkdays} working days of accepting it.`
    : `${respondHours}小时内响应，受理后${handleWorkdays}个工作日内办结。`
const serviceNotice = (c: Category, lang: Lang) => noticeText(c.respondHours, c.handleWorkdays, lang)

function serviceDescription(c: Category, group: Category | undefined, lang: Lang): string {
  const title = group
    ? `${name(lang, group.nameZh, group.nameEn)}${lang === 'en' ? ': ' : '：'}${name(lang, c.nameZh, c.nameEn)}`
    : name(lang, c.nameZh, c.nameEn)
  const photo = c.photoRequired
    ? lang === 'en'
      ? ' A photo is required: send its address as media_url.'
      : '需附照片：请以 media_url 提供照片地址。'
    : ''
  return `${title}${lang === 'en' ? '. ' : '。'}${serviceNotice(c, lang)}${photo}`
}

/** GET services: one service per active leaf category, named in the requested language. */
export async function serviceList(db: Db, lang: Lang): Promise<Output<typeof serviceSchema>[]> {
  const all = await listCategories(db)
  const byId = new Map(all.map((c) => [c.id, c]))
  return all
    .filter((c) => c.isLeaf)
    .map((c) => {
      const group = c.parentId === null ? undefined : byId.get(c.parentId)
      return {
        service_code: c.code,
        service_name: name(lang, c.nameZh, c.nameEn),
        description: serviceDescription(c, group, lang),
        metadata: c.attributes.length > 0,
        type: 'realtime',
        keywords: c.keywords.join(', '),
        group: group ? name(lang, group.nameZh, group.nameEn) : null,
      }
    })
}

async function service(db: Db, code: string): Promise<Category> {
  try {
    return await leafCategory(db, { code }, 'service_code')
  } catch (err) {
    // A group is not a service either.
    if (err instanceof AppError && (err.code === 'CASE_CATEGORY_NOT_FOUND' || err.code === 'VALIDATION_FAILED'))
      throw fail(404, `service_code ${code} was not found`)
    throw err
  }
}

function datatypeDescription(a: CategoryAttribute, lang: Lang): string | null {
  switch (a.datatype) {
    case 'number':
      return name(lang, '数字，例如 12 或 3.5', 'A number, e.g. 12 or 3.5')
    case 'datetime':
      return name(
        lang,
        'ISO 8601 日期时间，例如 2026-11-23T10:00:00+08:00',
        'An ISO 8601 date-time, e.g. 2026-11-23T10:00:00+08:00',
      )
    case 'string':
      return name(lang, '一行文字，最多 200 字', 'One line of text, at most 200 characters')
    case 'text':
      return name(lang, '文字，可换行，最多 2000 字', 'Text, line breaks allowed, at most 2000 characters')
    case 'singlevaluelist':
      return name(lang, '从 values 中选一个 key', 'One key from values')
    case 'multivaluelist':
      return name(
        lang,
        '从 values 中选一个或多个 key：每个值发送一次 attribute[code][]=key',
        'One or more keys from values: send attribute[code][]=key once per value',
      )
  }
}

/** GET service definition: the attributes a request of this service carries. */
export async function serviceDefinition(db: Db, code: string, lang: Lang): Promise<Output<typeof definitionSchema>> {
  const c = await service(db, code)
  return {
    service_code: c.code,
    attributes: [...c.attributes]
      .sort((a, b) => a.order - b.order)
      .map((a) => ({
        variable: true,
        code: a.code,
        datatype: a.datatype,
        required: a.required,
        datatype_description: datatypeDescription(a, lang),
        order: a.order,
        description: name(lang, a.descriptionZh, a.descriptionEn),
        values: (a.values ?? []).map((v) => ({ key: v.key, name: name(lang, v.nameZh, v.nameEn) })),
      })),
  }
}

// ─── POST service request ────────────────────────────────────────────────────

export interface NormalisedRequest {
  apiKey?: string
  jurisdictionId?: string
  serviceCode?: string
  lat?: string | number
  long?: string | number
  addressString?: string
  addressId?: string
  email?: string
  deviceId?: string
  accountId?: string
  firstName?: string
  lastName?: string
  phone?: string
  description?: string
  mediaUrl?: string
  attributes: Record<string, string | number | (string | number)[]>
}

const SCALARS: Record<string, keyof Omit<NormalisedRequest, 'attributes'>> = {
  api_key: 'apiKey',
  jurisdiction_id: 'jurisdictionId',
  service_code: 'serviceCode',
  lat: 'lat',
  long: 'long',
  address_string: 'addressString',
  address_id: 'addressId',
  email: 'email',
  device_id: 'deviceId',
  account_id: 'accountId',
  first_name: 'firstName',
  last_name: 'lastName',
  phone: 'phone',
  description: 'description',
  media_url: 'mediaUrl',
}

const ATTRIBUTE_KEY = /^attribute\[([^[\]]+)\](\[\])?$/

// "A null parameter should be treated as equivalent to a non-declared parameter" (spec): empty
// values count as absent.
const present = (v: unknown): v is string | number =>
  (typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && Number.isFinite(v))

const hasNul = (v: unknown): boolean =>
  typeof v === 'string'
    ? v.includes('\u0000')
    : Array.isArray(v)
      ? v.some(hasNul)
      : v !== null && typeof v === 'object'
        ? Object.values(v).some(hasNul)
        : false

/** Reads the spec's flat parameters (attribute[code]=v, attribute[code][]=v…) or a JSON `attribute` object. */
export function normaliseRequest(body: RequestBody): NormalisedRequest {
  const out: NormalisedRequest = { attributes: {} }
  // A Map, so that an attribute named __proto__ is just an unknown attribute.
  const attributes = new Map<string, string | number | (string | number)[]>()
  const addAttribute = (code: string, value: unknown, many: boolean) => {
    const values = (Array.isArray(value) ? value : [value]).filter(present)
    if (values.length === 0) return
    const prior = attributes.get(code)
    if (prior !== undefined || many || values.length > 1) {
      attributes.set(code, [...(prior === undefined ? [] : Array.isArray(prior) ? prior : [prior]), ...values])
    } else {
      attributes.set(code, values[0]!)
    }
  }
  for (const [k, v] of Object.entries(body)) {
    // PostgreSQL text cannot hold U+0000: refused here rather than failing deep in the database.
    if (hasNul(v)) throw fail(400, `${k} contains a NUL character`)
    const scalar = SCALARS[k]
    if (scalar) {
      if (!present(v)) continue
      const text = typeof v === 'string' ? v.trim() : v
      ;(out as unknown as Record<string, unknown>)[scalar] = scalar === 'lat' || scalar === 'long' ? text : String(text)
      continue
    }
    if (k === 'attribute' && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [code, value] of Object.entries(v)) addAttribute(code, value, false)
      continue
    }
    const m = k.match(ATTRIBUTE_KEY)
    if (m) addAttribute(m[1]!, v, m[2] !== undefined)
  }
  out.attributes = Object.fromEntries(attributes)
  return out
}

/** Turns the text values of a form into what the category's attribute definitions expect. */
function attributeValues(category: Category, given: NormalisedRequest['attributes']): Record<string, unknown> {
  const defs = new Map(category.attributes.map((a) => [a.code, a]))
  const out: Record<string, unknown> = {}
  for (const [code, v] of Object.entries(given)) {
    const def = defs.get(code)
    if (!def) throw fail(400, `attribute[${code}] is not an attribute of service ${category.code}`)
    const one = Array.isArray(v) ? (v.length === 1 ? v[0]! : v) : v
    switch (def.datatype) {
      case 'number': {
        const n =
          typeof one === 'number'
            ? one
            : typeof one === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(one)
              ? Number(one)
              : NaN
        if (!Number.isFinite(n)) throw fail(400, `attribute[${code}] must be a number`)
        out[code] = n
        break
      }
      case 'multivaluelist':
        out[code] = (Array.isArray(v) ? v : [v]).map(String)
        break
      default:
        if (Array.isArray(one)) throw fail(400, `attribute[${code}] takes one value`)
        out[code] = String(one)
    }
  }
  return out
}

function coordinate(v: string | number | undefined, param: 'lat' | 'long'): number | undefined {
  if (v === undefined) return undefined
  const n = typeof v === 'number' ? v : /^[+-]?(\d+\.?\d*|\.\d+)$/.test(v) ? Number(v) : NaN
  const max = param === 'lat' ? 90 : 180
  if (!Number.isFinite(n) || Math.abs(n) > max)
    throw fail(400, `${param} must be a decimal number between -${max} and ${max} (WGS84)`)
  return n
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const PHONE = /^\+?[0-9 -]{5,20}$/

function mediaUrl(v: string | undefined): string | undefined {
  if (v === undefined) return undefined
  let ok = false
  try {
    const u = new URL(v)
    ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== ''
  } catch {
    ok = false
  }
  if (!ok || v.length > 2000) throw fail(400, 'media_url must be an http or https URL of at most 2000 characters')
  return v
}

function reporterName(first: string | undefined, last: string | undefined): string | undefined {
  if (first === undefined && last === undefined) return undefined
  // Chinese names are written family name first, without a space.
  const cjk = /[\u3400-\u9fff]/.test(`${first ?? ''}${last ?? ''}`)
  const full = cjk ? `${last ?? ''}${first ?? ''}` : [first, last].filter(Boolean).join(' ')
  if (full.length > 100) throw fail(400, 'first_name and last_name together may have at most 100 characters')
  return full
}

/**
 * POST service request: files a case for the API key's client as an anonymous reporter (the
 * client's user is not a platform account), so row-level security treats it like any resident's
 * report. Immediate: the answer carries the tracking code as service_request_id, never a token.
 */
export async function submitRequest(
  db: Db,
  ctx: RequestContext,
  key: ApiKeyIdentity,
  input: NormalisedRequest,
  idempotencyKey: string | undefined,
  now: Date,
  lang: Lang,
  cipher: FieldCipher,
): Promise<Reply<Output<typeof submittedSchema>[]>> {
  const root = await jurisdiction(db, input.jurisdictionId)

  const missing: Open311ErrorItem[] = []
  if (input.serviceCode === undefined) missing.push({ code: 400, description: 'service_code was not provided' })
  const lat = coordinate(input.lat, 'lat')
  const lng = coordinate(input.long, 'long')
  if ((lat === undefined) !== (lng === undefined)) {
    missing.push({ code: 400, description: 'lat and long must be sent together' })
  } else if (lat === undefined) {
    missing.push({
      code: 400,
      description:
        input.addressString !== undefined || input.addressId !== undefined
          ? 'lat and long are required in this jurisdiction: an address_string or address_id alone cannot be located (there is no geocoder)'
          : 'a location was not provided: send lat and long',
    })
  }
  if (missing.length) throw new Open311Error(400, missing)

  const category = await service(db, input.serviceCode!)
  const media = mediaUrl(input.mediaUrl)
  if (input.email !== undefined && (input.email.length > 254 || !EMAIL.test(input.email)))
    throw fail(400, 'email is not an e-mail address')
  if (input.phone !== undefined && !PHONE.test(input.phone))
    throw fail(400, 'phone must be 5 to 20 digits, spaces or dashes, optionally after a +')
  if (input.addressString !== undefined && input.addressString.length > 300)
    throw fail(400, 'address_string may have at most 300 characters')
  const attributes = attributeValues(category, input.attributes)
  const reporter = reporterName(input.firstName, input.lastName)
  const location = { lng: lng!, lat: lat! }

  const newCase: NewCase = {
    categoryCode: category.code,
    location,
    description: input.description ?? '',
    attributes,
    ...(input.addressString !== undefined ? { address: input.addressString } : {}),
    ...(reporter !== undefined ? { reporterName: reporter } : {}),
    ...(input.phone !== undefined ? { reporterPhone: input.phone } : {}),
  }
  // A media_url stands in for an uploaded photo where the category requires one.
  const internal: { cipher: FieldCipher; channel: Channel; mediaUrl?: string } = {
    cipher,
    channel: 'open311',
    ...(media ? { mediaUrl: media } : {}),
  }
  // Idempotency keys are per caller; every Open311 client is the anonymous caller, so the key is
  // qualified by the API key. The hash covers what the request asks for, not the API key itself.
  const scopedKey = idempotencyKey === undefined ? undefined : `open311:${key.id}:${idempotencyKey}`
  // Parsed values, so that the same request sent form-encoded or as JSON is the same request.
  const {
    apiKey: _key,
    jurisdictionId: _jurisdiction,
    lat: _lat,
    long: _long,
    attributes: _attributes,
    ...rest
  } = input
  const asked = { ...rest, jurisdiction: root?.code ?? null, lat, long: lng, attributes }

  return inScope(db, ctx, (tx) =>
    idempotent(tx, ctx, scopedKey, asked, async () => {
      const grid = await gridAt(tx, location.lng, location.lat)
      if (!grid || (root && !grid.path.startsWith(root.path))) {
        throw fail(
          400,
          `the location (${location.lat}, ${location.lng}) lies outside the jurisdiction${root ? ` ${root.code}` : ''}`,
        )
      }
      if (!grid.path.startsWith(key.areaPath)) {
        throw fail(403, `this api_key may only submit requests located in ${areaLabel(lang, key)}`)
      }
      const created = await createCase(tx, ctx, newCase, now, internal)
      await tx
        .insertInto('open311_request')
        .values({
          case_id: created.id,
          api_key_id: key.id,
          media_url: media ?? null,
          email: input.email ?? null,
          device_id: input.deviceId ?? null,
          account_id: input.accountId ?? null,
          created_at: now,
        })
        .execute()
      await recordAudit(tx, ctx, {
        action: 'open311.request',
        entityType: 'case',
        entityId: created.id,
        areaId: grid.id,
        detail: {
          apiKeyId: key.id,
          apiKeyName: key.name,
          serviceCode: category.code,
          trackingCode: created.trackingCode,
        },
      })
      return {
        status: 200,
        body: [
          {
            service_request_id: created.trackingCode,
            service_notice: serviceNotice(category, lang),
            account_id: input.accountId ?? null,
          },
        ],
      }
    }),
  )
}

const areaLabel = (lang: Lang, key: ApiKeyIdentity) => `${name(lang, key.areaNameZh, key.areaNameEn)} (${key.areaCode})`

// ─── GET service requests ────────────────────────────────────────────────────

/** Open311 has two statuses; a case is closed once closed, rated, rejected or merged. */
// A shelved request (挂账) is not solved: it stays open to the public.
const publicOpen: readonly CaseState[] = [...openStates, 'shelved']
export const statusOf = (state: string): 'open' | 'closed' =>
  (publicOpen as readonly string[]).includes(state) ? 'open' : 'closed'

const openNotes: Record<string, [string, string]> = {
  submitted: ['已提交，等待受理', 'Submitted; waiting to be accepted'],
  accepted: ['已受理，正在派遣', 'Accepted; being assigned to the responsible agency'],
  dispatched: ['已派遣至承办部门', 'Assigned to the responsible agency'],
  in_progress: ['承办部门正在处理', 'Being handled by the responsible agency'],
  replied: ['承办部门已办结，等待现场核查', 'Reported done; awaiting verification on site'],
  verified: ['已现场核查，即将结案', 'Verified on site; about to be closed'],
  verifying: ['已提交，网格员正在现场核实', 'Submitted; a grid worker is verifying it on site'],
  return_requested: ['承办部门申请退单，等待重新派遣', 'The agency asked to return it; awaiting reassignment'],
  shelved: ['暂时无法解决，已挂账并定期复核', 'Cannot be solved now; kept on file and reviewed regularly'],
}

function requestQuery(db: Db) {
  return db
    .selectFrom('cases as c')
    .innerJoin('case_category as k', 'k.id', 'c.category_id')
    .innerJoin('area as a', 'a.id', 'c.area_id')
    .leftJoin('department as d', 'd.id', 'c.department_id')
    .leftJoin('open311_request as o', 'o.case_id', 'c.id')
    .select([
      'c.id',
      'c.tracking_code',
      'c.channel',
      'c.state',
      'c.result',
      'c.description',
      'c.address',
      'c.submitted_at',
      'c.updated_at',
      'c.closed_at',
      'c.stage_due_at',
      'k.code as service_code',
      'k.name_zh as service_name_zh',
      'k.name_en as service_name_en',
      'k.respond_hours',
      'k.handle_workdays',
      'd.name_zh as agency_zh',
      'd.name_en as agency_en',
      'o.media_url',
      sql<number | null>`ST_X(c.location)`.as('lng'),
      sql<number | null>`ST_Y(c.location)`.as('lat'),
      sql<string | null>`(select m.tracking_code from cases m where m.id = c.merged_into_id)`.as('merged_into'),
      sql<
        string | null
      >`(select e.comment from case_event e where e.case_id = c.id and e.action = 'reject' and e.is_public order by e.id desc limit 1)`.as(
        'reject_reason',
      ),
    ])
}

type RequestRow = Awaited<ReturnType<ReturnType<typeof requestQuery>['executeTakeFirstOrThrow']>>

function statusNotes(r: RequestRow, lang: Lang): string | null {
  switch (r.state) {
    case 'closed':
    case 'rated':
      return r.result ?? name(lang, '已结案', 'Closed')
    case 'rejected':
      return r.reject_reason ?? name(lang, '不予受理', 'Not accepted')
    case 'merged':
      return r.merged_into
        ? name(lang, `重复报告，与 ${r.merged_into} 合并处理`, `Duplicate of request ${r.merged_into}`)
        : name(lang, '重复报告，已合并处理', 'Duplicate request')
    default: {
      const n = openNotes[r.state]
      return n ? name(lang, n[0], n[1]) : null
    }
  }
}

/**
 * A service request as anyone may see it: no reporter, no contact details, no internal notes.
 * Only requests filed through Open311 itself publish their description, address and exact
 * point; a hotline or portal report may carry personal details in its text, so those show the
 * category and a location rounded to about 100 m.
 */
function presentRequest(r: RequestRow, lang: Lang): RequestView {
  const status = statusOf(r.state)
  const published = r.channel === 'open311'
  const round = (x: number | null) => (x === null || published ? x : Math.round(x * 1000) / 1000)
  return {
    service_request_id: r.tracking_code,
    status,
    status_notes: statusNotes(r, lang),
    service_name: name(lang, r.service_name_zh, r.service_name_en),
    service_code: r.service_code,
    description: published && r.description !== '' ? r.description : null,
    agency_responsible: r.agency_zh ? name(lang, r.agency_zh, r.agency_en!) : null,
    service_notice: r.respond_hours ? noticeText(r.respond_hours, r.handle_workdays, lang) : null,
    requested_datetime: w3(r.submitted_at),
    // "For requests with status=closed, this will be the date the request was closed."
    updated_datetime: w3(status === 'closed' ? (r.closed_at ?? r.updated_at) : r.updated_at),
    expected_datetime: status === 'open' ? w3(r.stage_due_at) : null,
    address: published ? r.address : null,
    address_id: null,
    zipcode: null,
    lat: round(r.lat),
    long: round(r.lng),
    media_url: r.media_url,
  }
}

// The W3C note's profile of ISO 8601: a year, month or day, or a date-time with minutes, seconds or
// fractions, which must then carry its time zone (Z or ±hh:mm).
const W3_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/
const W3_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))$/

export function parseW3(text: string, param: string): Date {
  // An unencoded '+' of an offset arrives as a space.
  const v = text.trim().replace(/ (\d{2}:\d{2})$/, '+$1')
  const bad = () =>
    fail(
      400,
      `${param} must be a w3 date-time with its time zone, e.g. 2026-11-01T00:00:00Z or 2026-11-01T08:00:00+08:00`,
    )
  const validDay = (y: number, m: number, d: number) =>
    m >= 1 && m <= 12 && d >= 1 && new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d
  const date = v.match(W3_DATE)
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2] ?? 1), Number(date[3] ?? 1)]
    if (!validDay(y, m, d)) throw bad()
    return new Date(Date.UTC(y, m - 1, d))
  }
  const dt = v.match(W3_DATETIME)
  if (!dt) throw bad()
  const [y, m, d, hh, mm, ss] = [1, 2, 3, 4, 5, 6].map((i) => Number(dt[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (
    !validDay(y, m, d) ||
    hh > 23 ||
    mm > 59 ||
    ss > 59 ||
    (dt[8] !== undefined && (Number(dt[8]) > 23 || Number(dt[9]) > 59))
  )
    throw bad()
  const at = new Date(v)
  if (Number.isNaN(at.getTime())) throw bad()
  return at
}

/** The period searched: the last 90 days unless dates are given; never more than 90 days. */
export function searchWindow(start: string | undefined, end: string | undefined, now: Date): { from: Date; to: Date } {
  const from = start === undefined ? undefined : parseW3(start, 'start_date')
  const to = end === undefined ? undefined : parseW3(end, 'end_date')
  if (from && to) {
    if (to < from) throw fail(400, 'end_date lies before start_date')
    if (to.getTime() - from.getTime() > WINDOW_MS)
      throw fail(400, `start_date and end_date may not span more than ${WINDOW_DAYS} days`)
    return { from, to }
  }
  if (from) return { from, to: new Date(from.getTime() + WINDOW_MS) }
  if (to) return { from: new Date(to.getTime() - WINDOW_MS), to }
  return { from: new Date(now.getTime() - WINDOW_MS), to: now }
}

const listed = (values: string[] | undefined) =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')

/** GET service requests: public, newest first, at most 1000. */
export async function listRequests(db: Db, f: RequestsQuery, now: Date, lang: Lang): Promise<RequestView[]> {
  const root = await jurisdiction(db, f.jurisdiction_id)
  let q = requestQuery(db)
  if (root) q = q.where('a.path', 'like', `${root.path}%`)
  const ids = listed(f.service_request_id)
  if (ids.length > MAX_REQUESTS)
    throw fail(400, `at most ${MAX_REQUESTS} service_request_id values may be asked for at once`)
  if (ids.length) {
    // "This overrides all other arguments."
    q = q.where('c.tracking_code', 'in', ids)
  } else {
    const codes = listed(f.service_code)
    if (codes.length) q = q.where('k.code', 'in', codes)
    const statuses = new Set(listed(f.status).map((s) => s.toLowerCase()))
    for (const s of statuses)
      if (s !== 'open' && s !== 'closed') throw fail(400, `status ${s} is not one of open, closed`)
    if (statuses.size === 1) {
      q = statuses.has('open') ? q.where('c.state', 'in', publicOpen) : q.where('c.state', 'not in', publicOpen)
    }
    const given = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v)
    const { from, to } = searchWindow(given(f.start_date), given(f.end_date), now)
    q = q.where('c.submitted_at', '>=', from).where('c.submitted_at', '<=', to)
  }
  const rows = await q.orderBy('c.submitted_at', 'desc').orderBy('c.id', 'desc').limit(MAX_REQUESTS).execute()
  return rows.map((r) => presentRequest(r, lang))
}

/** GET service request: the one request with this id, as a list of one. */
export async function oneRequest(
  db: Db,
  id: string,
  jurisdictionId: string | undefined,
  lang: Lang,
): Promise<RequestView[]> {
  const root = await jurisdiction(db, jurisdictionId)
  let q = requestQuery(db).where('c.tracking_code', '=', id)
  if (root) q = q.where('a.path', 'like', `${root.path}%`)
  const row = await q.executeTakeFirst()
  if (!row) throw fail(404, `service_request_id ${id} was not found`)
  return [presentRequest(row, lang)]
}

/**
 * GET service_request_id from a token. This server answers every POST at once with the
 * service_request_id and issues no tokens; a token equal to a known id resolves to itself.
 */
export async function requestIdOfToken(
  db: Db,
  token: string,
  jurisdictionId: string | undefined,
): Promise<Output<typeof tokenSchema>[]> {
  const root = await jurisdiction(db, jurisdictionId)
  let q = db
    .selectFrom('cases as c')
    .innerJoin('area as a', 'a.id', 'c.area_id')
    .select('c.tracking_code')
    .where('c.tracking_code', '=', token)
  if (root) q = q.where('a.path', 'like', `${root.path}%`)
  const row = await q.executeTakeFirst()
  if (!row) throw fail(404, `token ${token} was not found`)
  return [{ service_request_id: row.tracking_code, token }]
}
