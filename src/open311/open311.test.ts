import { createHash } from 'node:crypto'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { DEMO_API_KEY } from './keys.js'

// A conformance test of GeoReport v2 (http://wiki.open311.org/GeoReport_v2) as this server
// implements it: every method in both formats, the error list format, the default 90-day window,
// the 1000-request cap, idempotent POSTs, and no personal data in anything a GET returns.

const DAY = 86400_000
const V2 = '/open311/v2'
const TRACKING = /^\d{6}-[0-9A-Z]{6}$/
const W3 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/
const REQUEST_FIELDS = [
  'service_request_id',
  'status',
  'status_notes',
  'service_name',
  'service_code',
  'description',
  'agency_responsible',
  'service_notice',
  'requested_datetime',
  'updated_datetime',
  'expected_datetime',
  'address',
  'address_id',
  'zipcode',
  'lat',
  'long',
  'media_url',
]

// ─── a strict little XML reader: well-formedness, entities, the element tree ──

interface XmlNode {
  name: string
  children: XmlNode[]
  text: string
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decode(text: string): string {
  return text.replace(/&([a-z]+|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16))
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)))
    const v = ENTITIES[e]
    if (v === undefined) throw new Error(`unknown entity &${e};`)
    return v
  })
}

/** Parses the element-only XML of GeoReport documents; throws on anything not well-formed. */
function parseXml(doc: string): XmlNode {
  const decl = doc.match(/^<\?xml version="1\.0" encoding="utf-8"\?>\s*/i)
  if (!decl) throw new Error('no XML declaration with encoding utf-8')
  let rest = doc.slice(decl[0].length)
  const root: XmlNode = { name: '#document', children: [], text: '' }
  const stack: XmlNode[] = [root]
  while (rest.length) {
    const tag = rest.match(/^<(\/?)([A-Za-z_][A-Za-z0-9_.-]*)\s*(\/?)>/)
    if (tag) {
      const [whole, close, name, selfClose] = tag as unknown as [string, string, string, string]
      if (close) {
        const open = stack.pop()!
        if (open.name !== name) throw new Error(`</${name}> closes <${open.name}>`)
      } else {
        const node: XmlNode = { name, children: [], text: '' }
        stack[stack.length - 1]!.children.push(node)
        if (!selfClose) stack.push(node)
      }
      rest = rest.slice(whole.length)
      continue
    }
    const text = rest.match(/^[^<]+/)
    if (!text) throw new Error(`unexpected markup at: ${rest.slice(0, 40)}`)
    const raw = text[0]
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(raw)) throw new Error(`bare & in text: ${raw}`)
    if (raw.includes('>') && stack.length > 1) throw new Error(`bare > in text: ${raw}`)
    const top = stack[stack.length - 1]!
    if (top === root) {
      if (raw.trim() !== '') throw new Error('text outside the root element')
    } else {
      top.text += decode(raw)
    }
    rest = rest.slice(raw.length)
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`)
  if (root.children.length !== 1) throw new Error('not exactly one root element')
  return root.children[0]!
}

const child = (n: XmlNode, name: string) => n.children.find((c) => c.name === name)
const textOf = (n: XmlNode, name: string) => child(n, name)?.text.trim()

// ─── the suite ───────────────────────────────────────────────────────────────

describe.each(backends())('Open311 GeoReport v2 on %s', (backend) => {
  let p: TestPlatform
  let app: FastifyInstance
  let g01: { lng: number; lat: number }
  let cuizhu: { lng: number; lat: number }
  let guihuaKey: string

  const pointIn = async (code: string) => {
    const { rows } = await sql<{ lng: number; lat: number }>`
      select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = ${code}`.execute(
      p.database.db,
    )
    return rows[0]!
  }
  const inject = (opts: InjectOptions) => app.inject(opts)
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await inject({ method: 'GET', url, headers })
    return {
      status: res.statusCode,
      type: String(res.headers['content-type']),
      body: res.body,
      json: () => JSON.parse(res.body),
      headers: res.headers,
    }
  }
  const form = (fields: Record<string, string | number | (string | number)[]>) => {
    const f = new URLSearchParams()
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, String(x))
    return f.toString()
  }
  const postForm = async (
    fields: Record<string, string | number | (string | number)[]>,
    format = 'json',
    headers: Record<string, string> = {},
  ) => {
    const res = await inject({
      method: 'POST',
      url: `${V2}/requests.${format}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
      payload: form(fields),
    })
    return {
      status: res.statusCode,
      type: String(res.headers['content-type']),
      body: res.body,
      json: () => JSON.parse(res.body),
    }
  }
  const postJson = async (body: unknown, format = 'json', headers: Record<string, string> = {}) => {
    const res = await inject({
      method: 'POST',
      url: `${V2}/requests.${format}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    })
    return {
      status: res.statusCode,
      type: String(res.headers['content-type']),
      body: res.body,
      json: () => JSON.parse(res.body),
    }
  }
  const lamp = (extra: Record<string, string | number | (string | number)[]> = {}) => ({
    api_key: DEMO_API_KEY,
    service_code: 'DL-03',
    lat: g01.lat,
    long: g01.lng,
    description: '路灯不亮',
    ...extra,
  })
  const expectErrors = (res: { status: number; type: string; json: () => any }, status: number, match?: RegExp) => {
    expect(res.status).toBe(status)
    expect(res.type).toBe('application/json; charset=utf-8')
    const body = res.json()
    expect(Array.isArray(body)).toBe(true)
    expect(body.length).toBeGreaterThanOrEqual(1)
    for (const e of body) {
      expect(Object.keys(e).sort()).toEqual(['code', 'description'])
      expect(e.code).toBe(status)
      expect(typeof e.description).toBe('string')
    }
    if (match) expect(body.map((e: any) => e.description).join(' | ')).toMatch(match)
    return body as { code: number; description: string }[]
  }
  const caseByCode = (code: string) =>
    p.database.db.selectFrom('cases').selectAll().where('tracking_code', '=', code).executeTakeFirstOrThrow()

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2026-11-23T02:00:00Z')
    app = p.app
    g01 = await pointIn('JZ-QH-01-01-G01')
    cuizhu = await pointIn('JZ-QH-02-01-G01')
    const admin = await tokenFor(app, 'guihua.admin')
    const guihua = await p.database.db
      .selectFrom('area')
      .select('id')
      .where('code', '=', 'JZ-QH-01-01')
      .executeTakeFirstOrThrow()
    const created = await call(app, 'POST', '/api/v1/api-keys', {
      token: admin,
      body: { name: 'Guihua app', areaId: guihua.id },
    })
    expect(created.status).toBe(201)
    guihuaKey = created.body.key
  })
  afterAll(async () => {
    await p?.close()
  })

  it('publishes a discovery document in JSON and XML', async () => {
    const res = await get(`${V2}/discovery.json`)
    expect(res.status).toBe(200)
    expect(res.type).toBe('application/json; charset=utf-8')
    const d = res.json()
    expect(Object.keys(d)).toEqual(['changeset', 'contact', 'key_service', 'endpoints'])
    expect(d.changeset).toMatch(W3)
    expect(d.endpoints).toEqual([
      {
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url: expect.stringMatching(/^https?:\/\/[^/]+\/open311\/v2$/),
        changeset: d.changeset,
        type: 'production',
        formats: ['application/json', 'text/xml'],
      },
    ])
    const xml = await get(`${V2}/discovery.xml`)
    expect(xml.type).toBe('text/xml; charset=utf-8')
    const root = parseXml(xml.body)
    expect(root.name).toBe('discovery')
    const endpoint = child(child(root, 'endpoints')!, 'endpoint')!
    expect(textOf(endpoint, 'specification')).toBe('http://wiki.open311.org/GeoReport_v2')
    expect(child(endpoint, 'formats')!.children.map((f) => [f.name, f.text])).toEqual([
      ['format', 'application/json'],
      ['format', 'text/xml'],
    ])
  })

  it('lists one service per active leaf category with the spec’s fields, in zh-CN or en', async () => {
    const leaves = await p.database.db
      .selectFrom('case_category')
      .select(['code', 'name_zh', 'name_en', 'attributes', 'parent_id'])
      .where('active', '=', true)
      .where('is_leaf', '=', true)
      .execute()
    const res = await get(`${V2}/services.json`)
    expect(res.status).toBe(200)
    const services = res.json()
    expect(services.map((s: any) => s.service_code).sort()).toEqual(leaves.map((l) => l.code).sort())
    for (const s of services) {
      expect(Object.keys(s)).toEqual([
        'service_code',
        'service_name',
        'description',
        'metadata',
        'type',
        'keywords',
        'group',
      ])
      const leaf = leaves.find((l) => l.code === s.service_code)!
      expect(s.service_name).toBe(leaf.name_zh)
      expect(s.metadata).toBe((leaf.attributes as unknown[]).length > 0)
      expect(s.type).toBe('realtime')
      expect(typeof s.keywords).toBe('string')
      expect(typeof s.group).toBe('string')
      expect(s.description.length).toBeGreaterThan(0)
    }
    expect(res.headers['content-language']).toBe('zh-CN')
    const lamp = services.find((s: any) => s.service_code === 'DL-03')
    expect(lamp.keywords).toMatch(/^[^,]+(, [^,]+)*$/)

    const en = (await get(`${V2}/services.json?locale=en`)).json()
    expect(en.find((s: any) => s.service_code === 'DL-03').service_name).toBe('Street light out')
    const byHeader = await get(`${V2}/services.json`, { 'accept-language': 'fr;q=0.9, en-GB;q=0.8, zh;q=0.1' })
    expect(byHeader.json().find((s: any) => s.service_code === 'DL-03').service_name).toBe('Street light out')
    expect(byHeader.headers['content-language']).toBe('en')

    const xml = await get(`${V2}/services.xml?jurisdiction_id=JZ`)
    const root = parseXml(xml.body)
    expect(root.name).toBe('services')
    expect(root.children.length).toBe(leaves.length)
    expect(root.children.every((c) => c.name === 'service')).toBe(true)
    const first = root.children[0]!
    expect(first.children.map((c) => c.name)).toEqual([
      'service_code',
      'service_name',
      'description',
      'metadata',
      'type',
      'keywords',
      'group',
    ])
    expect(['true', 'false']).toContain(textOf(first, 'metadata'))

    expectErrors(
      await get(`${V2}/services.json?jurisdiction_id=nowhere.gov`),
      404,
      /jurisdiction_id nowhere\.gov was not found/,
    )
  })

  it('defines a service’s attributes with datatypes, order and values', async () => {
    const res = await get(`${V2}/services/HW-05.json?locale=en`)
    expect(res.status).toBe(200)
    const def = res.json()
    expect(def.service_code).toBe('HW-05')
    expect(def.attributes).toHaveLength(1)
    const a = def.attributes[0]
    expect(Object.keys(a)).toEqual([
      'variable',
      'code',
      'datatype',
      'required',
      'datatype_description',
      'order',
      'description',
      'values',
    ])
    expect(a).toMatchObject({
      variable: true,
      code: 'toilet_issue',
      datatype: 'multivaluelist',
      required: true,
      order: 1,
    })
    expect(a.values.map((v: any) => v.key)).toEqual(['dirty', 'closed', 'broken', 'no_water'])
    expect(a.values.every((v: any) => Object.keys(v).join() === 'key,name' && typeof v.name === 'string')).toBe(true)

    const types = new Set<string>()
    for (const code of ['DL-03', 'SC-02', 'JZ-02', 'ZS-02']) {
      const d = (await get(`${V2}/services/${code}.json`)).json()
      d.attributes.forEach((x: any, i: number) => {
        types.add(x.datatype)
        expect(x.order).toBe(i + 1)
        expect(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist']).toContain(x.datatype)
        if (!x.datatype.endsWith('valuelist')) expect(x.values).toEqual([])
      })
    }
    expect([...types].sort()).toEqual(['datetime', 'number', 'singlevaluelist', 'string', 'text'])

    const xml = parseXml((await get(`${V2}/services/DL-03.xml`)).body)
    expect(xml.name).toBe('service_definition')
    const attrs = child(xml, 'attributes')!.children
    expect(attrs.map((x) => [x.name, textOf(x, 'code'), textOf(x, 'datatype'), textOf(x, 'variable')])).toEqual([
      ['attribute', 'lamp_count', 'number', 'true'],
      ['attribute', 'pole_number', 'string', 'true'],
    ])

    expectErrors(await get(`${V2}/services/NOPE-1.json`), 404, /service_code NOPE-1 was not found/)
    expectErrors(await get(`${V2}/services/DL.json`), 404) // a group is not a service
    const xmlError = await get(`${V2}/services/NOPE-1.xml`)
    expect(xmlError.status).toBe(404)
    expect(xmlError.type).toBe('text/xml; charset=utf-8')
    const errs = parseXml(xmlError.body)
    expect(errs.name).toBe('errors')
    expect(errs.children.map((e) => [e.name, textOf(e, 'code')])).toEqual([['error', '404']])
  })

  it('files a form-encoded request as an open311 case and answers with its id', async () => {
    const res = await postForm(
      lamp({
        jurisdiction_id: 'JZ',
        address_string: '桂花路 12 号',
        'attribute[lamp_count]': '3',
        'attribute[pole_number]': 'GH-0042',
        first_name: '小明',
        last_name: '王',
        phone: '13800138000',
        email: 'wang@example.org',
        device_id: 'device-1',
        account_id: 'acct-77',
        media_url: 'https://example.org/photos/1.jpg',
      }),
    )
    expect(res.status).toBe(200)
    expect(res.type).toBe('application/json; charset=utf-8')
    const body = res.json()
    expect(body).toEqual([
      {
        service_request_id: expect.stringMatching(TRACKING),
        service_notice: expect.stringContaining('小时内响应'),
        account_id: 'acct-77',
      },
    ])
    const c = await caseByCode(body[0].service_request_id)
    expect(c).toMatchObject({
      channel: 'open311',
      state: 'submitted',
      address: '桂花路 12 号',
      description: '路灯不亮',
      reporter_name: '王小明',
      reporter_phone: null,
      reporter_phone_masked: '138****8000',
      reporter_id: null,
    })
    expect(c.attributes).toEqual({ lamp_count: 3, pole_number: 'GH-0042' })
    const extra = await p.database.db
      .selectFrom('open311_request')
      .selectAll()
      .where('case_id', '=', c.id)
      .executeTakeFirstOrThrow()
    expect(extra).toMatchObject({
      media_url: 'https://example.org/photos/1.jpg',
      email: 'wang@example.org',
      device_id: 'device-1',
      account_id: 'acct-77',
    })
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('entity_id', '=', String(c.id))
      .where('entity_type', '=', 'case')
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual(['case.create', 'open311.request'])
    expect(audit.find((a) => a.action === 'open311.request')!.detail).toMatchObject({
      apiKeyName: 'Demo Open311 client',
      serviceCode: 'DL-03',
    })
    // The staff of the grid are told, as for any new report.
    const note = await p.database.db.selectFrom('notification').select('kind').where('case_id', '=', c.id).execute()
    expect(note.map((n) => n.kind)).toContain('case_new')
  })

  it('takes JSON too, and multivaluelist values as attribute[code][] arrays', async () => {
    const viaForm = await postForm({
      api_key: DEMO_API_KEY,
      service_code: 'HW-05',
      lat: g01.lat,
      long: g01.lng,
      'attribute[toilet_issue][]': ['dirty', 'broken'],
    })
    expect(viaForm.status).toBe(200)
    expect((await caseByCode(viaForm.json()[0].service_request_id)).attributes).toEqual({
      toilet_issue: ['dirty', 'broken'],
    })

    const single = await postForm({
      api_key: DEMO_API_KEY,
      service_code: 'HW-05',
      lat: g01.lat,
      long: g01.lng,
      'attribute[toilet_issue][]': 'no_water',
    })
    expect((await caseByCode(single.json()[0].service_request_id)).attributes).toEqual({ toilet_issue: ['no_water'] })

    const flat = await postJson({
      api_key: DEMO_API_KEY,
      service_code: 'HW-05',
      lat: g01.lat,
      long: g01.lng,
      'attribute[toilet_issue][]': ['closed'],
    })
    expect(flat.status).toBe(200)
    expect((await caseByCode(flat.json()[0].service_request_id)).attributes).toEqual({ toilet_issue: ['closed'] })

    const nested = await postJson(
      {
        api_key: DEMO_API_KEY,
        service_code: 'DL-03',
        lat: String(g01.lat),
        long: g01.lng,
        description: 'JSON',
        attribute: { lamp_count: 2 },
      },
      'xml',
    )
    expect(nested.status).toBe(200)
    expect(nested.type).toBe('text/xml; charset=utf-8')
    const root = parseXml(nested.body)
    expect(root.name).toBe('service_requests')
    const request = child(root, 'request')!
    expect(request.children.map((c) => c.name)).toEqual(['service_request_id', 'service_notice', 'account_id'])
    expect(textOf(request, 'service_request_id')).toMatch(TRACKING)
    expect(child(request, 'account_id')!.text).toBe('')
    expect((await caseByCode(textOf(request, 'service_request_id')!)).attributes).toEqual({ lamp_count: 2 })
  })

  it('refuses a missing, unknown or revoked api_key with 403 in the error list format', async () => {
    const { api_key: _k, ...noKey } = lamp()
    expectErrors(await postForm(noKey), 403, /api_key was not provided/)
    expectErrors(await postForm({ ...lamp(), api_key: '' }), 403, /api_key was not provided/)
    expectErrors(await postForm({ ...lamp(), api_key: 'guessed-key' }), 403, /api_key is invalid/)
    const empty = await inject({ method: 'POST', url: `${V2}/requests.json` })
    expectErrors(
      { status: empty.statusCode, type: String(empty.headers['content-type']), json: () => JSON.parse(empty.body) },
      403,
    )
    const xml = await postForm(noKey, 'xml')
    expect(xml.status).toBe(403)
    expect(parseXml(xml.body).children.map((e) => textOf(e, 'code'))).toEqual(['403'])

    const admin = await tokenFor(app, 'admin')
    const city = await p.database.db.selectFrom('area').select('id').where('code', '=', 'JZ').executeTakeFirstOrThrow()
    const issued = await call(app, 'POST', '/api/v1/api-keys', {
      token: admin,
      body: { name: 'short-lived', areaId: city.id },
    })
    expect((await postForm(lamp({ api_key: issued.body.key }))).status).toBe(200)
    expect((await call(app, 'POST', `/api/v1/api-keys/${issued.body.id}/revoke`, { token: admin })).status).toBe(200)
    expectErrors(await postForm(lamp({ api_key: issued.body.key })), 403, /revoked/)
  })

  it('answers an unknown service or jurisdiction with 404 and missing arguments with 400', async () => {
    expectErrors(await postForm(lamp({ service_code: 'NOPE-1' })), 404, /service_code NOPE-1 was not found/)
    expectErrors(await postForm(lamp({ service_code: 'DL' })), 404)
    expectErrors(
      await postForm(lamp({ jurisdiction_id: 'sfgov.org' })),
      404,
      /jurisdiction_id sfgov\.org was not found/,
    )
    const { service_code: _s, lat: _a, long: _b, ...bare } = lamp()
    const both = expectErrors(await postForm(bare), 400)
    expect(both.map((e) => e.description)).toEqual([
      'service_code was not provided',
      'a location was not provided: send lat and long',
    ])
    // Empty parameters count as absent.
    expectErrors(await postForm(lamp({ lat: '', long: '' })), 400, /location was not provided/)
    const { lat: _c, long: _d, ...addressOnly } = lamp({ address_string: '桂花路 12 号' })
    expectErrors(await postForm(addressOnly), 400, /lat and long are required in this jurisdiction/)
    expectErrors(await postForm({ ...addressOnly, address_id: '545483' }), 400, /lat and long are required/)
    const { long: _e, ...latOnly } = lamp()
    expectErrors(await postForm(latOnly), 400, /lat and long must be sent together/)
    expectErrors(await postForm(lamp({ lat: 'north' })), 400, /lat must be a decimal number/)
    expectErrors(
      await postForm(lamp({ 'attribute[lamp_count]': 'many' })),
      400,
      /attribute\[lamp_count\] must be a number/,
    )
    expectErrors(await postForm(lamp({ 'attribute[colour]': 'red' })), 400, /attribute\[colour\]/)
    expectErrors(
      await postForm(lamp({ 'attribute[__proto__][]': 'x' })),
      400,
      /attribute\[__proto__\] is not an attribute/,
    )
    expectErrors(
      await postForm({ api_key: DEMO_API_KEY, service_code: 'ZS-02', lat: g01.lat, long: g01.lng }),
      400,
      /attribute\[noise_period\].*required/,
    )
    expectErrors(
      await postForm({
        api_key: DEMO_API_KEY,
        service_code: 'HW-05',
        lat: g01.lat,
        long: g01.lng,
        'attribute[toilet_issue][]': 'flooded',
      }),
      400,
      /attribute\[toilet_issue\]/,
    )
    expectErrors(await postForm(lamp({ media_url: 'javascript:alert(1)' })), 400, /media_url/)
    expectErrors(await postForm(lamp({ email: 'not-an-address' })), 400, /email/)
    expectErrors(await postForm(lamp({ phone: 'call me' })), 400, /phone/)
    expectErrors(await postForm(lamp({ description: 'x'.repeat(4001) })), 400, /description/)
    expectErrors(await postForm({ ...lamp(), description: ['one', 'two'] }), 400, /description/)
    expectErrors(await postForm(lamp({ colour: 'red' })), 400, /unknown parameter colour/)
  })

  it('accepts a photo-required service without media_url and has it verified on site first', async () => {
    // A generic client cannot learn from services.json that a photo is wanted: the report is taken
    // and a grid worker confirms it on site with the photo (核实) before it is filed.
    const without = await postForm(lamp({ service_code: 'HW-02' }))
    expect(without.status).toBe(200)
    const [{ service_request_id: plain }] = without.json()
    const seen = await get(`/open311/v2/requests/${plain}.json`)
    expect(seen.json()[0]).toMatchObject({ status: 'open' })
    expect((await caseByCode(plain)).state).toBe('verifying')
    const withPhoto = await postForm(lamp({ service_code: 'HW-02', media_url: 'https://example.org/bins.jpg' }))
    expect(withPhoto.status).toBe(200)
    expect((await caseByCode(withPhoto.json()[0].service_request_id)).state).toBe('submitted')
  })

  it('refuses a location outside the jurisdiction, and outside the area of the api_key', async () => {
    expectErrors(await postForm(lamp({ lat: 10, long: 10 })), 400, /outside the jurisdiction/)
    expectErrors(await postForm(lamp({ api_key: guihuaKey, lat: cuizhu.lat, long: cuizhu.lng })), 403, /Guihua|桂花/)
    const inside = await postForm(lamp({ api_key: guihuaKey }))
    expect(inside.status).toBe(200)
    const before = await p.database.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('channel', '=', 'open311')
      .executeTakeFirstOrThrow()
    await postForm(lamp({ api_key: guihuaKey, lat: cuizhu.lat, long: cuizhu.lng }))
    const after = await p.database.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('channel', '=', 'open311')
      .executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
  })

  it('files one case per Idempotency-Key and api_key, even under concurrent retries', async () => {
    const fields = lamp({ description: '幂等：路灯' })
    const headers = { 'idempotency-key': 'open311-retry-1' }
    const replies = await Promise.all(Array.from({ length: 8 }, () => postForm(fields, 'json', headers)))
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([200]))
    expect(new Set(replies.map((r) => r.json()[0].service_request_id)).size).toBe(1)
    // The same request as JSON is a retry too.
    const asJson = await postJson({ ...fields, lat: Number(fields.lat), long: Number(fields.long) }, 'json', headers)
    expect(asJson.json()[0].service_request_id).toBe(replies[0]!.json()[0].service_request_id)
    const asXml = await postForm(fields, 'xml', headers)
    expect(textOf(child(parseXml(asXml.body), 'request')!, 'service_request_id')).toBe(
      replies[0]!.json()[0].service_request_id,
    )
    const rows = await p.database.db.selectFrom('cases').select('id').where('description', '=', '幂等：路灯').execute()
    expect(rows).toHaveLength(1)
    expectErrors(await postForm({ ...fields, description: '别的内容' }, 'json', headers), 400, /Idempotency-Key/)
    // Another client's key of the same name is its own.
    const other = await postForm({ ...fields, api_key: guihuaKey }, 'json', headers)
    expect(other.status).toBe(200)
    expect(other.json()[0].service_request_id).not.toBe(replies[0]!.json()[0].service_request_id)
  })

  it('lists requests of the last 90 days by default, newest first, with each filter', async () => {
    const now = p.clock.now()
    // A request from 100 days ago lies outside the default window.
    p.clock.set(new Date(now.getTime() - 100 * DAY))
    const old = (await postForm(lamp({ description: '一百天前的路灯' }))).json()[0].service_request_id
    p.clock.set(now)
    const fresh = (
      await postForm({
        api_key: DEMO_API_KEY,
        service_code: 'DL-07',
        lat: g01.lat,
        long: g01.lng,
        description: '红绿灯不亮',
      })
    ).json()[0].service_request_id

    const all = (await get(`${V2}/requests.json`)).json()
    const ids = all.map((r: any) => r.service_request_id)
    expect(ids).toContain(fresh)
    expect(ids).not.toContain(old)
    const times = all.map((r: any) => Date.parse(r.requested_datetime))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
    expect(all.every((r: any) => Date.parse(r.requested_datetime) >= now.getTime() - 90 * DAY)).toBe(true)

    const oldDay = new Date(now.getTime() - 100 * DAY)
    const start = new Date(oldDay.getTime() - DAY).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const end = new Date(oldDay.getTime() + DAY).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const window = (await get(`${V2}/requests.json?start_date=${start}&end_date=${end}`)).json()
    expect(window.map((r: any) => r.service_request_id)).toEqual([old])
    // A start date alone covers the 90 days that follow it; an offset may be given as +08:00.
    const since = (
      await get(`${V2}/requests.json?start_date=${encodeURIComponent(start.replace('Z', '+00:00'))}`)
    ).json()
    expect(since.map((r: any) => r.service_request_id)).toContain(old)
    expect(since.map((r: any) => r.service_request_id)).not.toContain(fresh)

    const byCode = (await get(`${V2}/requests.json?service_code=DL-07,HW-05`)).json()
    expect(new Set(byCode.map((r: any) => r.service_code))).toEqual(new Set(['DL-07', 'HW-05']))
    const repeated = (await get(`${V2}/requests.json?service_code=DL-07&service_code=HW-05`)).json()
    expect(repeated.map((r: any) => r.service_request_id)).toEqual(byCode.map((r: any) => r.service_request_id))

    // service_request_id overrides every other filter, the date window included.
    const picked = (
      await get(`${V2}/requests.json?service_request_id=${old},${fresh}&status=closed&service_code=SR-01`)
    ).json()
    expect(picked.map((r: any) => r.service_request_id).sort()).toEqual([old, fresh].sort())

    expectErrors(
      await get(`${V2}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z`),
      400,
      /90 days/,
    )
    expectErrors(await get(`${V2}/requests.json?start_date=yesterday`), 400, /start_date/)
    expectErrors(await get(`${V2}/requests.json?start_date=2026-11-01T00:00:00`), 400, /time zone/)
    expectErrors(
      await get(`${V2}/requests.json?start_date=2026-11-10T00:00:00Z&end_date=2026-11-01T00:00:00Z`),
      400,
      /before/,
    )
    expectErrors(await get(`${V2}/requests.json?status=pending`), 400, /status pending/)
    expectErrors(await get(`${V2}/requests.json?jurisdiction_id=XX`), 404)
    expectErrors(await get(`${V2}/requests.json?page=2`), 400, /unknown parameter page/)
    // Empty parameters count as absent.
    const empties = (
      await get(`${V2}/requests.json?start_date=&end_date=&status=&service_code=&jurisdiction_id=`)
    ).json()
    expect(empties.map((r: any) => r.service_request_id)).toEqual(ids)
  })

  it('maps case states to open and closed, with status notes and the responsible agency', async () => {
    const staff = await tokenFor(app, 'guihua.staff')
    const act = (id: number, body: object) => call(app, 'POST', `/api/v1/cases/${id}/actions`, { token: staff, body })
    const file = async (description: string) => {
      const code = (await postForm(lamp({ description }))).json()[0].service_request_id as string
      return { code, id: (await caseByCode(code)).id }
    }
    const rejected = await file('状态：驳回')
    expect((await act(rejected.id, { action: 'reject', comment: '不属于本辖区职责' })).status).toBe(200)
    const accepted = await file('状态：受理')
    expect((await act(accepted.id, { action: 'accept' })).status).toBe(200)
    const merged = await file('状态：合并')
    expect((await act(merged.id, { action: 'merge', intoCaseId: accepted.id })).status).toBe(200)
    const submitted = await file('状态：新')

    const byId = async (code: string, lang = 'zh-CN') =>
      (await get(`${V2}/requests/${code}.json?locale=${lang}`)).json()[0]
    expect(await byId(rejected.code)).toMatchObject({
      status: 'closed',
      status_notes: '不属于本辖区职责',
      expected_datetime: null,
    })
    const acc = await byId(accepted.code, 'en')
    expect(acc).toMatchObject({ status: 'open', agency_responsible: expect.any(String) })
    expect(acc.expected_datetime).toMatch(W3)
    expect(await byId(merged.code, 'en')).toMatchObject({
      status: 'closed',
      status_notes: `Duplicate of request ${accepted.code}`,
    })
    expect(await byId(submitted.code, 'en')).toMatchObject({
      status: 'open',
      status_notes: 'Submitted; waiting to be accepted',
      agency_responsible: null,
    })

    const closed = (await get(`${V2}/requests.json?status=closed`)).json().map((r: any) => r.service_request_id)
    const open = (await get(`${V2}/requests.json?status=open`)).json().map((r: any) => r.service_request_id)
    const bothStatuses = (await get(`${V2}/requests.json?status=open,closed`))
      .json()
      .map((r: any) => r.service_request_id)
    expect(closed).toEqual(expect.arrayContaining([rejected.code, merged.code]))
    expect(closed).not.toContain(accepted.code)
    expect(open).toEqual(expect.arrayContaining([accepted.code, submitted.code]))
    expect(open).not.toContain(rejected.code)
    expect(bothStatuses.length).toBe(closed.length + open.length)
  })

  it('shows one request by id in both formats, and nothing personal anywhere', async () => {
    const filed = (
      await postForm(
        lamp({
          description: 'Lamp <b>broken</b> & "dark" at 5 > 4',
          address_string: 'Osmanthus Rd <12> & Co',
          first_name: 'Secret',
          last_name: 'Reporter',
          phone: '13912345678',
          email: 'secret.reporter@example.org',
          device_id: 'device-secret-9',
          account_id: 'account-secret-9',
          media_url: 'https://example.org/a.jpg?x=1&y=2',
        }),
      )
    ).json()[0].service_request_id as string

    const one = await get(`${V2}/requests/${filed}.json`)
    expect(one.status).toBe(200)
    const [r] = one.json()
    expect(Object.keys(r)).toEqual(REQUEST_FIELDS)
    expect(r).toMatchObject({
      service_request_id: filed,
      status: 'open',
      service_code: 'DL-03',
      service_name: '路灯不亮',
      description: 'Lamp <b>broken</b> & "dark" at 5 > 4',
      address: 'Osmanthus Rd <12> & Co',
      address_id: null,
      zipcode: null,
      media_url: 'https://example.org/a.jpg?x=1&y=2',
    })
    expect(r.requested_datetime).toMatch(W3)
    expect(r.updated_datetime).toMatch(W3)
    expect(r.lat).toBeCloseTo(g01.lat, 6)
    expect(r.long).toBeCloseTo(g01.lng, 6)

    const xml = await get(`${V2}/requests/${filed}.xml`)
    expect(xml.type).toBe('text/xml; charset=utf-8')
    expect(xml.body).toContain('Lamp &lt;b&gt;broken&lt;/b&gt; &amp; &quot;dark&quot; at 5 &gt; 4')
    const root = parseXml(xml.body)
    expect(root.name).toBe('service_requests')
    const request = child(root, 'request')!
    expect(request.children.map((c) => c.name)).toEqual(REQUEST_FIELDS)
    expect(textOf(request, 'description')).toBe('Lamp <b>broken</b> & "dark" at 5 > 4')
    expect(textOf(request, 'address')).toBe('Osmanthus Rd <12> & Co')
    expect(textOf(request, 'media_url')).toBe('https://example.org/a.jpg?x=1&y=2')

    const listXml = await get(`${V2}/requests.xml`)
    const listed = parseXml(listXml.body)
    expect(listed.name).toBe('service_requests')
    expect(listed.children.every((c) => c.name === 'request')).toBe(true)

    const everything = [one.body, xml.body, listXml.body, (await get(`${V2}/requests.json`)).body].join('\n')
    for (const secret of [
      'Secret',
      'Reporter',
      '13912345678',
      'secret.reporter',
      'device-secret-9',
      'account-secret-9',
      '13800138000',
      'wang@example.org',
      '王小明',
    ]) {
      expect(everything).not.toContain(secret)
    }

    expectErrors(await get(`${V2}/requests/000000-XXXXXX.json`), 404, /service_request_id 000000-XXXXXX was not found/)
    const missingXml = await get(`${V2}/requests/000000-XXXXXX.xml`)
    expect(missingXml.status).toBe(404)
    expect(parseXml(missingXml.body).name).toBe('errors')
    expectErrors(await get(`${V2}/requests/${filed}.json?jurisdiction_id=XX`), 404)

    const token = await get(`${V2}/tokens/${filed}.json`)
    expect(token.json()).toEqual([{ service_request_id: filed, token: filed }])
    const tokenXml = parseXml((await get(`${V2}/tokens/${filed}.xml`)).body)
    expect(child(tokenXml, 'request')!.children.map((c) => [c.name, c.text])).toEqual([
      ['service_request_id', filed],
      ['token', filed],
    ])
    expectErrors(await get(`${V2}/tokens/unknown-token.json`), 404, /token unknown-token was not found/)
  })

  it('drops characters XML cannot carry instead of writing a broken document', async () => {
    const code = (await postJson({ ...lamp(), description: 'bell\u0007 and form feed\u000c and emoji 🚦' })).json()[0]
      .service_request_id
    const xml = await get(`${V2}/requests/${code}.xml`)
    expect(textOf(child(parseXml(xml.body), 'request')!, 'description')).toBe('bell and form feed and emoji 🚦')
    expect((await get(`${V2}/requests/${code}.json`)).json()[0].description).toBe(
      'bell\u0007 and form feed\u000c and emoji 🚦',
    )
    // PostgreSQL text cannot hold NUL at all: refused up front.
    expectErrors(await postJson({ ...lamp(), description: 'nul\u0000' }), 400, /description contains a NUL character/)
    expectErrors(
      await postForm({ ...lamp(), 'attribute[pole_number]': 'a\u0000b' }),
      400,
      /attribute\[pole_number\] contains a NUL character/,
    )
  })

  it('answers unknown resources and formats with a 404 error list', async () => {
    expectErrors(await get(`${V2}/nothing.json`), 404)
    const csv = await get(`${V2}/services.csv`)
    expect(csv.status).toBe(404)
    expect(parseXml(csv.body).name).toBe('errors')
    // The platform's own failures reach Open311 clients in the error list format as well.
    expectErrors(await get(`${V2}/services.json`, { authorization: 'Bearer not-a-session' }), 403)
    const wrongType = await inject({
      method: 'POST',
      url: `${V2}/requests.json`,
      headers: { 'content-type': 'text/plain' },
      payload: 'api_key=x',
    })
    expectErrors(
      {
        status: wrongType.statusCode,
        type: String(wrongType.headers['content-type']),
        json: () => JSON.parse(wrongType.body),
      },
      400,
    )
    const unknownXml = await get(`${V2}/nothing.xml`)
    expect(unknownXml.status).toBe(404)
    expect(unknownXml.type).toBe('text/xml; charset=utf-8')
  })

  it('lets admins issue, list and revoke keys of their own areas only; only the hash is stored', async () => {
    const guihuaAdmin = await tokenFor(app, 'guihua.admin')
    const cuizhuAdmin = await tokenFor(app, 'cuizhu.admin')
    const staff = await tokenFor(app, 'guihua.staff')
    const guihua = await p.database.db
      .selectFrom('area')
      .select('id')
      .where('code', '=', 'JZ-QH-01-01')
      .executeTakeFirstOrThrow()
    const cuizhuArea = await p.database.db
      .selectFrom('area')
      .select('id')
      .where('code', '=', 'JZ-QH-02-01')
      .executeTakeFirstOrThrow()

    const created = await call(app, 'POST', '/api/v1/api-keys', {
      token: guihuaAdmin,
      body: { name: 'Guihua kiosk', areaId: guihua.id },
    })
    expect(created.status).toBe(201)
    expect(created.headers['cache-control']).toBe('no-store')
    expect(created.body).toMatchObject({
      name: 'Guihua kiosk',
      area: { id: guihua.id, code: 'JZ-QH-01-01' },
      revokedAt: null,
      lastUsedAt: null,
    })
    expect(created.body.key).toMatch(/^gr311_[A-Za-z0-9_-]{32}$/)
    expect(created.body.key.startsWith(created.body.keyPrefix)).toBe(true)
    const stored = await p.database.db
      .selectFrom('api_key')
      .selectAll()
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow()
    expect(stored.key_hash).toBe(createHash('sha256').update(created.body.key).digest('hex'))
    expect(JSON.stringify(stored)).not.toContain(created.body.key)

    const mine = await call(app, 'GET', '/api/v1/api-keys?pageSize=100', { token: guihuaAdmin })
    expect(mine.status).toBe(200)
    expect(mine.body.items.map((k: any) => k.id)).toContain(created.body.id)
    expect(mine.body.items.every((k: any) => k.area.code.startsWith('JZ-QH-01-01'))).toBe(true)
    expect(JSON.stringify(mine.body)).not.toMatch(/key_hash|"key"/)
    const theirs = await call(app, 'GET', '/api/v1/api-keys?pageSize=100', { token: cuizhuAdmin })
    expect(theirs.body.items.map((k: any) => k.id)).not.toContain(created.body.id)
    const cityAdmin = await call(app, 'GET', '/api/v1/api-keys?pageSize=100', { token: await tokenFor(app, 'admin') })
    expect(cityAdmin.body.items.map((k: any) => k.name)).toEqual(
      expect.arrayContaining(['Demo Open311 client', 'Guihua kiosk']),
    )

    expect(
      (
        await call(app, 'POST', '/api/v1/api-keys', {
          token: guihuaAdmin,
          body: { name: 'intruder', areaId: cuizhuArea.id },
        })
      ).status,
    ).toBe(403)
    expect(
      (await call(app, 'POST', '/api/v1/api-keys', { token: staff, body: { name: 'staff key', areaId: guihua.id } }))
        .status,
    ).toBe(403)
    expect((await call(app, 'GET', '/api/v1/api-keys', { token: staff })).status).toBe(403)
    expect((await call(app, 'GET', '/api/v1/api-keys')).status).toBe(401)
    expect(
      (await call(app, 'POST', '/api/v1/api-keys', { token: guihuaAdmin, body: { name: '', areaId: guihua.id } }))
        .status,
    ).toBe(400)

    expect((await call(app, 'POST', `/api/v1/api-keys/${created.body.id}/revoke`, { token: cuizhuAdmin })).status).toBe(
      404,
    )
    expect(
      (
        await p.database.db
          .selectFrom('api_key')
          .select('revoked_at')
          .where('id', '=', created.body.id)
          .executeTakeFirstOrThrow()
      ).revoked_at,
    ).toBeNull()
    const revoked = await call(app, 'POST', `/api/v1/api-keys/${created.body.id}/revoke`, {
      token: guihuaAdmin,
      body: { reason: 'kiosk retired' },
    })
    expect(revoked.status).toBe(200)
    expect(revoked.body.revokedAt).toBe(p.clock.now().toISOString())
    const again = await call(app, 'POST', `/api/v1/api-keys/${created.body.id}/revoke`, { token: guihuaAdmin })
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('entity_type', '=', 'api_key')
      .where('entity_id', '=', String(created.body.id))
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(['api_key.create', 'api_key.revoke'])
    expect(JSON.stringify(audit)).not.toContain(created.body.key)
  })

  it('keeps every role of community A away from the keys of community B', async () => {
    const cuizhuArea = await p.database.db
      .selectFrom('area')
      .select('id')
      .where('code', '=', 'JZ-QH-02-01')
      .executeTakeFirstOrThrow()
    const bKey = await call(app, 'POST', '/api/v1/api-keys', {
      token: await tokenFor(app, 'cuizhu.admin'),
      body: { name: 'Cuizhu app', areaId: cuizhuArea.id },
    })
    expect(bKey.status).toBe(201)
    const keyRow = () =>
      p.database.db.selectFrom('api_key').selectAll().where('id', '=', bKey.body.id).executeTakeFirst()
    const keyCount = async () =>
      Number(
        (
          await p.database.db
            .selectFrom('api_key')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const caseCount = async () =>
      Number(
        (
          await p.database.db
            .selectFrom('cases')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const denied = (status: number) => expect([401, 403, 404]).toContain(status)
    for (const who of [
      'guihua.admin',
      'guihua.leader',
      'guihua.staff',
      'guihua.grid',
      'guihua.handler',
      'guihua.mediator',
      'guihua.resident',
      null,
    ]) {
      const t = who ? await tokenFor(app, who) : null
      const listed = await call(app, 'GET', '/api/v1/api-keys?pageSize=500', { token: t })
      if (listed.status === 200) expect(listed.body.items.map((k: { id: number }) => k.id)).not.toContain(bKey.body.id)
      else denied(listed.status)
      const filtered = await call(app, 'GET', `/api/v1/api-keys?areaId=${cuizhuArea.id}`, { token: t })
      expect(filtered.body.items ?? []).toEqual([])
      const [before, rowBefore, casesBefore] = [await keyCount(), await keyRow(), await caseCount()]
      denied(
        (await call(app, 'POST', '/api/v1/api-keys', { token: t, body: { name: 'intruder', areaId: cuizhuArea.id } }))
          .status,
      )
      denied((await call(app, 'POST', `/api/v1/api-keys/${bKey.body.id}/revoke`, { token: t })).status)
      // Filing in B with A's key, even signed in as A's staff, is refused.
      const filed = await inject({
        method: 'POST',
        url: `${V2}/requests.json`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(t ? { authorization: `Bearer ${t}` } : {}),
        },
        payload: form(lamp({ api_key: guihuaKey, lat: cuizhu.lat, long: cuizhu.lng })),
      })
      expect(filed.statusCode).toBe(403)
      expect([await keyCount(), await keyRow(), await caseCount()]).toEqual([before, rowBefore, casesBefore])
    }
  })

  it('documents every Open311 route in the OpenAPI document under the open311 tag', async () => {
    const doc = (await call(app, 'GET', '/api/openapi.json')).body
    const ours = Object.entries(doc.paths as Record<string, Record<string, any>>).filter(
      ([path]) => path.startsWith('/open311/') || path.startsWith('/api/v1/api-keys'),
    )
    const routes = ours
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort()
    expect(routes).toEqual([
      'GET /api/v1/api-keys',
      'GET /open311/v2/discovery.{format}',
      'GET /open311/v2/requests.{format}',
      'GET /open311/v2/requests/{service_request_id}.{format}',
      'GET /open311/v2/services.{format}',
      'GET /open311/v2/services/{service_code}.{format}',
      'GET /open311/v2/tokens/{token}.{format}',
      'POST /api/v1/api-keys',
      'POST /api/v1/api-keys/{id}/revoke',
      'POST /open311/v2/requests.{format}',
    ])
    for (const [, methods] of ours) {
      for (const op of Object.values(methods)) {
        expect(op.tags).toEqual(['open311'])
        expect(op.summary).toBeTruthy()
        expect(Object.keys(op.responses).some((s) => s.startsWith('2'))).toBe(true)
      }
    }
    const post = doc.paths['/open311/v2/requests.{format}'].post
    expect(Object.keys(post.requestBody.content).sort()).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
    ])
  })

  // Last: it fills the database with 1,001 requests of today.
  it('returns at most 1000 requests, the newest', async () => {
    const now = p.clock.now()
    const category = await p.database.db
      .selectFrom('case_category')
      .select('id')
      .where('code', '=', 'DL-03')
      .executeTakeFirstOrThrow()
    const grid = await p.database.db
      .selectFrom('area')
      .select(['id', 'path'])
      .where('code', '=', 'JZ-QH-01-01-G01')
      .executeTakeFirstOrThrow()
    const district = Number(grid.path.split('/').filter(Boolean)[1])
    await sql`
      insert into cases (tracking_code, category_id, area_id, district_id, channel, state, location, description, attributes,
                         submitted_at, response_due_at, updated_at)
      select '990101-' || lpad(upper(to_hex(n)), 6, '0'), ${category.id}, ${grid.id}, ${district}, 'portal', 'submitted',
             ST_SetSRID(ST_MakePoint(${g01.lng}, ${g01.lat}), 4326), 'bulk ' || n, '{}',
             ${now}::timestamptz - (n || ' seconds')::interval, ${now}::timestamptz + interval '1 day', ${now}::timestamptz
      from generate_series(1, 1001) n`.execute(p.database.db)
    const res = await get(`${V2}/requests.json`)
    const rows = res.json()
    expect(rows).toHaveLength(1000)
    const total = await p.database.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('submitted_at', '>=', new Date(now.getTime() - 90 * DAY))
      .executeTakeFirstOrThrow()
    expect(Number(total.n)).toBeGreaterThan(1000)
    const times = rows.map((r: any) => Date.parse(r.requested_datetime))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
    expect(rows.map((r: any) => r.description)).not.toContain('bulk 1001')
    expect(parseXml((await get(`${V2}/requests.xml`)).body).children).toHaveLength(1000)
  })
})
