import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { warnOverdueVisits } from './care.js'
import { residentId } from './fake.js'
import {
  checkResidentId,
  checkUscc,
  maskIdNumber,
  normalisePhone,
  residentIdCheckDigit,
  usccCheckCharacter,
} from './identity.js'
import { suppressSmallCells } from './opendata.js'
import { detectEncoding } from './import.js'
import { today } from './people.js'
import iconv from 'iconv-lite'

const DAY = 86_400_000

describe('identifiers', () => {
  it('checks resident IDs by GB 11643 and derives birth date and sex', () => {
    // The standard's own worked example.
    expect(residentIdCheckDigit('11010519491231002')).toBe('X')
    expect(checkResidentId('11010519491231002X', '2026-11-23')).toEqual({ birthDate: '1949-12-31', sex: 'female' })
    expect(() => checkResidentId('110105194912310021', '2026-11-23')).toThrow(/check digit/)
    expect(() => checkResidentId('110105194902300026', '2026-11-23')).toThrow(/impossible birth date/)
    expect(() => checkResidentId('990105194912310020', '2026-11-23')).toThrow(/region/)
    expect(() => checkResidentId('110105491231002', '2026-11-23')).toThrow(/15-digit/)
    expect(maskIdNumber('resident_id', '11010519491231002X')).toBe('110105********002X')
  })
  it('checks unified social credit codes by GB 32100', () => {
    const body = '91330106MA2XXXXX0'.replace(/X/g, 'A')
    const code = body + usccCheckCharacter(body)
    expect(checkUscc(code)).toBe(code)
    const wrong = body + (usccCheckCharacter(body) === '1' ? '2' : '1')
    expect(() => checkUscc(wrong)).toThrow(/check character/)
    expect(() => checkUscc('91330106MA2AAAAAI1')).toThrow(/18 characters/)
  })
  it('normalises phones and refuses malformed ones', () => {
    expect(normalisePhone('+86 138-1234-5678')).toBe('13812345678')
    expect(normalisePhone('0571-87654321')).toBe('057187654321')
    expect(() => normalisePhone('12345')).toThrow(/not a phone number/)
  })
  it('tells UTF-8 from GBK even when the sample cuts a character, and takes today in China’s time zone', () => {
    const text = Buffer.from('姓名,身份证号\n张建国,330106195003070111\n'.repeat(50))
    for (let cut = 1; cut < 40; cut++) expect(detectEncoding(text.subarray(0, text.length - cut))).toBe('utf-8')
    expect(detectEncoding(iconv.encode('姓名,身份证号\n张建国,330106195003070111\n'.repeat(50), 'gbk'))).toBe('gb18030')
    expect(today(new Date('2026-11-23T17:00:00Z'))).toBe('2026-11-24')
  })
  it('suppresses small cells, and a second one when a single one could be derived', () => {
    const { cells, total } = suppressSmallCells([
      { key: 'a', count: 3 },
      { key: 'b', count: 10 },
      { key: 'c', count: 40 },
    ])
    expect(cells).toEqual([
      { key: 'a', count: null, suppressed: true },
      { key: 'b', count: null, suppressed: true },
      { key: 'c', count: 40, suppressed: false },
    ])
    expect(total).toBe(53)
  })
})

describe.each(backends())('registry on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let guihua: number
  let cuizhu: number
  let grid01: number
  let pointG01: { lng: number; lat: number }
  const id1 = residentId('330106', '1950-03-07', 11) // a man born 1950
  const id2 = residentId('330106', '1988-08-08', 22) // a woman born 1988
  let personId: number

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    for (const u of [
      'admin',
      'guihua.admin',
      'guihua.staff',
      'guihua.grid',
      'guihua.leader',
      'guihua.handler',
      'guihua.resident',
      'cuizhu.staff',
    ])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    grid01 = await areaId(p, 'JZ-QH-01-01-G01')
    const { rows } = await sql<{
      lng: number
      lat: number
    }>`select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = 'JZ-QH-01-01-G01'`.execute(
      p.database.db,
    )
    pointG01 = rows[0]!
  })
  afterAll(() => p?.close())

  const post = (who: string | null, url: string, body: unknown, headers: Record<string, string> = {}) =>
    call(p.app, 'POST', url, { token: who ? t[who] : null, body, headers })
  const get = (who: string | null, url: string) => call(p.app, 'GET', url, { token: who ? t[who] : null })

  it('registers a person: derived birth date and sex, ID and phone masked, retries create nothing new', async () => {
    const body = {
      areaId: grid01,
      name: '张建国',
      idNumber: id1,
      phone: '138 1234 5678',
      residenceStatus: 'registered',
      address: '桂花路12号3幢2单元501室',
      tags: ['elderly_alone'],
    }
    const res = await post('guihua.grid', '/api/v1/people', body, { 'idempotency-key': 'person-1' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      name: '张建国',
      sex: 'male',
      birthDate: '1950-03-07',
      idNumber: `330106${'*'.repeat(8)}${id1.slice(-4)}`,
      phone: '138****5678',
      areaId: grid01,
    })
    personId = res.body.id
    const again = await post('guihua.grid', '/api/v1/people', body, { 'idempotency-key': 'person-1' })
    expect(again.body.id).toBe(personId)
    const dup = await post('guihua.staff', '/api/v1/people', { ...body, name: '张建' })
    expect(dup.status).toBe(409)
    expect(dup.body.error.field).toBe('idNumber')
  })

  it('refuses bad identity data with the field named, and writes nothing', async () => {
    const before = (await sql<{ n: number }>`select count(*)::int as n from person`.execute(p.database.db)).rows[0]!.n
    const base = { areaId: guihua, name: '李四', residenceStatus: 'registered' }
    const wrongCheck = id2.slice(0, 17) + (id2[17] === '0' ? '1' : '0')
    for (const [body, field, pattern] of [
      [{ ...base, idNumber: wrongCheck }, 'idNumber', /check digit/],
      [
        { ...base, idNumber: `${residentId('330106', '1990-02-30', 1).slice(0, 17)}0` },
        'idNumber',
        /impossible birth date|check digit/,
      ],
      [{ ...base, idNumber: id2, phone: '1381234' }, 'phone', /not a phone number/],
      [{ ...base, idNumber: id2, birthDate: '1990-01-01' }, 'birthDate', /does not match/],
      [{ ...base, idNumber: id2, sex: 'male' }, 'sex', /does not match/],
    ] as const) {
      const res = await post('guihua.staff', '/api/v1/people', body)
      expect(res.status, JSON.stringify(res.body)).toBe(400)
      expect(res.body.error.field).toBe(field)
      expect(res.body.error.message).toMatch(pattern)
    }
    const bad = await post('guihua.staff', '/api/v1/organisations', {
      kind: 'enterprise',
      name: '某公司',
      uscc: '91330106MA2AAAAAA0',
      areaId: guihua,
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('uscc')
    expect((await sql<{ n: number }>`select count(*)::int as n from person`.execute(p.database.db)).rows[0]!.n).toBe(
      before,
    )
  })

  it('searches by ID number, phone and fuzzy name through the body, inside the caller’s areas only', async () => {
    await post('guihua.staff', '/api/v1/people', {
      areaId: guihua,
      name: '张建华',
      idNumber: id2,
      phone: '13900001111',
      residenceStatus: 'floating',
    })
    const byId = await post('guihua.staff', '/api/v1/people/search', { idNumber: id1 })
    expect(byId.body.items.map((i: any) => i.id)).toEqual([personId])
    const byQ = await post('guihua.staff', '/api/v1/people/search', { q: '13812345678' })
    expect(byQ.body.items.map((i: any) => i.id)).toEqual([personId])
    const byName = await post('guihua.staff', '/api/v1/people/search', { name: '张建国' })
    expect(byName.body.items[0].id).toBe(personId)
    expect(byName.body.items.map((i: any) => i.name)).toContain('张建华')
    // A surname alone, and a two-character name, find them too.
    for (const name of ['张', '张建']) {
      const res = await post('guihua.staff', '/api/v1/people/search', { name, pageSize: 500 })
      expect(
        res.body.items.map((i: any) => i.id),
        name,
      ).toContain(personId)
    }
    const floating = await post('guihua.staff', '/api/v1/people/search', { residenceStatus: 'floating' })
    expect(floating.body.items.every((i: any) => i.residenceStatus === 'floating')).toBe(true)
    // Another community's staff find nothing; a resident may not search at all.
    expect((await post('cuizhu.staff', '/api/v1/people/search', { idNumber: id1 })).body.total).toBe(0)
    expect((await post('guihua.resident', '/api/v1/people/search', { q: '张' })).status).toBe(403)
    expect((await get('cuizhu.staff', `/api/v1/people/${personId}`)).status).toBe(404)
  })

  it('reveals ID and phone only with a purpose, to an allowed role, and audits each reveal', async () => {
    const none = await post('guihua.staff', `/api/v1/people/${personId}/reveal`, { fields: ['idNumber'] })
    expect(none.status).toBe(400)
    expect(none.body.error.field).toBe('purpose')
    const ok = await post('guihua.staff', `/api/v1/people/${personId}/reveal`, {
      fields: ['idNumber', 'phone'],
      purpose: '核实低保申请材料',
    })
    expect(ok.status).toBe(200)
    expect(ok.body).toEqual({ idNumber: id1, phone: '13812345678' })
    expect(ok.headers['cache-control']).toBe('no-store')
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'purpose', 'actor_name', 'detail'])
      .where('action', '=', 'person.reveal')
      .execute()
    expect(audit).toContainEqual(expect.objectContaining({ purpose: '核实低保申请材料', actor_name: 'guihua.staff' }))
    expect(
      (await post('guihua.handler', `/api/v1/people/${personId}/reveal`, { fields: ['phone'], purpose: '联系当事人' }))
        .status,
    ).toBe(404)
    expect(
      (await post('cuizhu.staff', `/api/v1/people/${personId}/reveal`, { fields: ['phone'], purpose: '联系当事人' }))
        .status,
    ).toBe(404)
  })

  it('keeps history: life events, who/when/why, and the record as it stood on a past date', async () => {
    const card = await get('guihua.staff', `/api/v1/people/${personId}`)
    p.clock.advance(3 * DAY)
    const moved = await post('guihua.staff', `/api/v1/people/${personId}/events`, {
      kind: 'address_change',
      on: '2026-11-25',
      reason: '搬到女儿家',
      version: card.body.version,
      address: '桂花路88号1幢1单元101室',
    })
    expect(moved.status, JSON.stringify(moved.body)).toBe(200)
    const stale = await post('guihua.staff', `/api/v1/people/${personId}/events`, {
      kind: 'move_out',
      on: '2026-11-26',
      reason: '迁出',
      version: card.body.version,
    })
    expect(stale.status).toBe(409)
    p.clock.advance(2 * DAY)
    const out = await post('guihua.staff', `/api/v1/people/${personId}/events`, {
      kind: 'move_out',
      on: '2026-11-27',
      reason: '迁往外省',
      version: moved.body.version,
    })
    expect(out.body).toMatchObject({ status: 'moved_out', movedOutOn: '2026-11-27' })
    const history = await get('guihua.staff', `/api/v1/people/${personId}/history`)
    expect(history.body.items.map((h: any) => h.action)).toEqual(['move_out', 'address_change', 'create'])
    expect(history.body.items[1]).toMatchObject({
      reason: '搬到女儿家',
      actor: expect.any(String),
      changes: { address: { from: '桂花路12号3幢2单元501室', to: '桂花路88号1幢1单元101室' } },
    })
    const past = await get('guihua.staff', `/api/v1/people/${personId}?asOf=2026-11-24`)
    expect(past.body).toMatchObject({
      status: 'active',
      address: '桂花路12号3幢2单元501室',
      asOf: '2026-11-24',
      idNumber: card.body.idNumber,
    })
    expect((await get('guihua.staff', `/api/v1/people/${personId}?asOf=2020-01-01`)).status).toBe(404)
    const pastReveal = await post('guihua.staff', `/api/v1/people/${personId}/reveal`, {
      fields: ['phone'],
      purpose: '核对历史记录',
      asOf: '2026-11-24',
    })
    expect(pastReveal.body.phone).toBe('13812345678')
    // Back in, so later steps see an active person.
    await post('guihua.staff', `/api/v1/people/${personId}/events`, {
      kind: 'move_in',
      on: '2026-11-28',
      reason: '返回',
      version: out.body.version,
      areaId: grid01,
    })
  })

  it('links households, buildings with dwellings in their grid, organisations and places', async () => {
    const b = await post('guihua.staff', '/api/v1/buildings', {
      code: 'GH-B-12',
      name: '桂花苑12幢',
      kind: 'residential',
      address: '桂花路12号',
      floors: 6,
      location: pointG01,
    })
    expect(b.status, JSON.stringify(b.body)).toBe(201)
    expect(b.body.areaId).toBe(grid01)
    const d = await post('guihua.staff', `/api/v1/buildings/${b.body.id}/dwellings`, {
      unit: '2',
      floor: 5,
      room: '501',
    })
    expect(d.status).toBe(201)
    const person = await get('guihua.staff', `/api/v1/people/${personId}`)
    const moved = await call(p.app, 'PATCH', `/api/v1/people/${personId}`, {
      token: t['guihua.staff'],
      body: { version: person.body.version, reason: '落实到户', dwellingId: d.body.id },
    })
    expect(moved.status, JSON.stringify(moved.body)).toBe(200)
    const h = await post('guihua.staff', '/api/v1/households', { code: 'GH-H-0001', dwellingId: d.body.id })
    expect(h.status).toBe(201)
    const m = await post('guihua.staff', `/api/v1/households/${h.body.id}/members`, { personId, relation: 'head' })
    expect(m.body.members).toEqual([
      expect.objectContaining({
        relation: 'head',
        person: expect.objectContaining({ id: personId, idNumber: expect.stringContaining('********') }),
      }),
    ])
    const detail = await get('guihua.staff', `/api/v1/buildings/${b.body.id}`)
    expect(detail.body.dwellings[0].residents.map((r: any) => r.id)).toEqual([personId])
    const body17 = '91330106MA2BCDEF9'
    const org = await post('guihua.staff', '/api/v1/organisations', {
      kind: 'enterprise',
      name: '桂花便利店有限公司',
      uscc: body17 + usccCheckCharacter(body17),
      location: pointG01,
    })
    expect(org.status, JSON.stringify(org.body)).toBe(201)
    const linked = await post('guihua.staff', `/api/v1/organisations/${org.body.id}/people`, {
      personId,
      role: 'legal_representative',
    })
    expect(linked.body.people).toHaveLength(1)
    const place = await post('guihua.staff', '/api/v1/places', {
      kind: 'shop',
      name: '桂花便利店',
      address: '桂花路12号底商',
      location: pointG01,
      organisationId: org.body.id,
    })
    expect(place.body.areaId).toBe(grid01)
    const card = await get('guihua.staff', `/api/v1/people/${personId}`)
    expect(card.body).toMatchObject({
      household: { code: 'GH-H-0001', relation: 'head' },
      dwelling: { room: '501' },
      organisations: [{ name: '桂花便利店有限公司', role: 'legal_representative' }],
    })
    // Outside every grid: a clear error.
    expect(
      (
        await post('guihua.staff', '/api/v1/places', {
          kind: 'shop',
          name: '远方',
          address: '远方',
          location: { lng: 10, lat: 10 },
        })
      ).status,
    ).toBe(404)
  })

  it('lists suspected duplicates and merges one with its links and history', async () => {
    const a = await post('guihua.staff', '/api/v1/people', {
      areaId: guihua,
      name: '王芳',
      idType: 'passport',
      idNumber: 'E12345678',
      birthDate: '1990-05-05',
      sex: 'female',
      residenceStatus: 'floating',
      phone: '13700000001',
    })
    const b = await post('guihua.staff', '/api/v1/people', {
      areaId: guihua,
      name: '王芳',
      idNumber: residentId('330106', '1990-05-05', 42),
      residenceStatus: 'registered',
    })
    expect(a.status).toBe(201)
    expect(b.status).toBe(201)
    expect(
      (
        await post('guihua.staff', '/api/v1/care/visits', {
          personId: a.body.id,
          visitedOn: '2026-11-23',
          findings: '身体健康',
        })
      ).status,
    ).toBe(201)
    const dups = await get('guihua.staff', `/api/v1/people/duplicates?areaId=${guihua}`)
    const pair = dups.body.items.find((d: any) => [d.a.id, d.b.id].includes(a.body.id))
    expect(pair.reason).toBe('same_name_and_birth_date')
    const merged = await post('guihua.staff', `/api/v1/people/${a.body.id}/merge`, {
      intoId: b.body.id,
      reason: '同一人，护照与身份证分别登记',
    })
    expect(merged.status, JSON.stringify(merged.body)).toBe(200)
    expect(merged.body.phone).toBe('137****0001')
    expect((await get('guihua.staff', `/api/v1/people/${b.body.id}/visits`)).body.items).toHaveLength(1)
    const history = await get('guihua.staff', `/api/v1/people/${b.body.id}/history`)
    expect(history.body.items.map((h: any) => h.action)).toEqual(
      expect.arrayContaining(['merge', 'merged_into', 'create']),
    )
    const after = await get('guihua.staff', `/api/v1/people/duplicates?areaId=${guihua}`)
    expect(after.body.items.find((d: any) => [d.a.id, d.b.id].includes(a.body.id))).toBeUndefined()
  })

  it('shares named fields through a grant, refuses after expiry or revocation, and audits every use', async () => {
    const handler = await p.database.db
      .selectFrom('app_user')
      .select('department_id')
      .where('username', '=', 'guihua.handler')
      .executeTakeFirstOrThrow()
    const grant = await post('guihua.admin', '/api/v1/data-grants', {
      areaId: guihua,
      departmentId: handler.department_id,
      entity: 'person',
      fields: ['name', 'phone', 'tags'],
      purpose: '独居老人防诈骗回访',
      expiresAt: new Date(p.clock.now().getTime() + 2 * DAY).toISOString(),
    })
    expect(grant.status, JSON.stringify(grant.body)).toBe(201)
    const read = await get('guihua.handler', `/api/v1/shared/person?grantId=${grant.body.id}&pageSize=500`)
    expect(read.status, JSON.stringify(read.body)).toBe(200)
    const row = read.body.items.find((i: any) => i.id === personId)
    expect(Object.keys(row).sort()).toEqual(['id', 'name', 'phone', 'tags'])
    expect(row.phone).toBe('13812345678')
    expect((await get('guihua.staff', `/api/v1/shared/person?grantId=${grant.body.id}`)).status).toBe(404)
    expect((await get('guihua.handler', `/api/v1/shared/household?grantId=${grant.body.id}`)).status).toBe(403)
    const uses = await p.database.db
      .selectFrom('audit_log')
      .select(['purpose'])
      .where('action', '=', 'data_grant.use')
      .execute()
    expect(uses).toContainEqual({ purpose: '独居老人防诈骗回访' })
    p.clock.advance(3 * DAY)
    const expired = await get('guihua.handler', `/api/v1/shared/person?grantId=${grant.body.id}`)
    expect(expired.status).toBe(403)
    expect(expired.body.error.code).toBe('GRANT_EXPIRED')
    // An outside system by API key; revoked at once.
    const key = await post('guihua.admin', '/api/v1/api-keys', { name: '民政系统', areaId: guihua })
    expect(key.status, JSON.stringify(key.body)).toBe(201)
    const g2 = await post('guihua.admin', '/api/v1/data-grants', {
      areaId: guihua,
      apiKeyId: key.body.id,
      entity: 'person',
      fields: ['name', 'residenceStatus'],
      purpose: '流动人口统计核对',
      expiresAt: new Date(p.clock.now().getTime() + 30 * DAY).toISOString(),
    })
    const viaKey = await call(p.app, 'GET', `/api/v1/shared/person?grantId=${g2.body.id}`, {
      headers: { 'x-api-key': key.body.key },
    })
    expect(viaKey.status, JSON.stringify(viaKey.body)).toBe(200)
    expect(viaKey.body.items.length).toBeGreaterThan(0)
    await post('guihua.admin', `/api/v1/data-grants/${g2.body.id}/revoke`, {})
    const revoked = await call(p.app, 'GET', `/api/v1/shared/person?grantId=${g2.body.id}`, {
      headers: { 'x-api-key': key.body.key },
    })
    expect(revoked.body.error.code).toBe('GRANT_REVOKED')
    const badField = await post('guihua.admin', '/api/v1/data-grants', {
      areaId: guihua,
      departmentId: handler.department_id,
      entity: 'person',
      fields: ['password'],
      purpose: '测试',
      expiresAt: new Date(p.clock.now().getTime() + DAY).toISOString(),
    })
    expect(badField.status).toBe(400)
    expect(
      (
        await post('guihua.staff', '/api/v1/data-grants', {
          areaId: guihua,
          departmentId: handler.department_id,
          entity: 'person',
          fields: ['name'],
          purpose: '越权授权',
          expiresAt: new Date(p.clock.now().getTime() + DAY).toISOString(),
        })
      ).status,
    ).toBe(403)
  })

  it('publishes open data without negative-list fields and suppresses small counts', async () => {
    const res = await get(null, `/api/v1/open-data/population?areaId=${guihua}&by=sex`)
    expect(res.status).toBe(200)
    expect(res.body.cells.every((c: any) => c.count === null || c.count >= 5)).toBe(true)
    expect(JSON.stringify(res.body)).not.toContain('张建国')
    const places = await get(null, `/api/v1/open-data/places?areaId=${guihua}`)
    expect(places.body.items.find((i: any) => i.name === '桂花便利店')).toEqual({
      kind: 'shop',
      name: '桂花便利店',
      address: '桂花路12号底商',
      location: expect.any(Object),
      gridCode: 'JZ-QH-01-01-G01',
    })
    const fields = await get(null, '/api/v1/registry/fields')
    expect(fields.body.negativeList.person).toEqual(expect.arrayContaining(['idNumber', 'phone', 'name']))
  })

  it('keeps the care-visit log and warns the grid worker once when a visit is overdue', async () => {
    const list = await get('guihua.grid', '/api/v1/care/people?tag=elderly_alone')
    const mine = list.body.items.find((i: any) => i.person.id === personId)
    expect(mine).toMatchObject({ careTags: ['elderly_alone'], intervalDays: 7, lastVisitOn: null })
    const visit = await post(
      'guihua.grid',
      '/api/v1/care/visits',
      {
        personId,
        visitedOn: p.clock.now().toISOString().slice(0, 10),
        findings: '独居，血压偏高，已提醒按时服药',
        followUp: '下周复查血压',
        needsFollowUp: true,
      },
      { 'idempotency-key': 'visit-1' },
    )
    expect(visit.status).toBe(201)
    const future = await post('guihua.grid', '/api/v1/care/visits', {
      personId,
      visitedOn: '2099-01-01',
      findings: 'x',
    })
    expect(future.status).toBe(400)
    expect(future.body.error.field).toBe('visitedOn')
    const grid = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.grid')
      .executeTakeFirstOrThrow()
    const warned = async () =>
      (
        await p.database.db
          .selectFrom('notification')
          .select(['params'])
          .where('user_id', '=', grid.id)
          .where('kind', '=', 'care_visit_overdue')
          .execute()
      ).filter((n: any) => n.params.personId === personId).length
    // The demo's own elderly people may be overdue already; the person just visited is not.
    await warnOverdueVisits(p.database.db, p.clock.now())
    expect(await warned()).toBe(0)
    const later = new Date(p.clock.now().getTime() + 10 * DAY)
    expect(await warnOverdueVisits(p.database.db, later)).toBeGreaterThanOrEqual(1)
    expect(await warnOverdueVisits(p.database.db, later)).toBe(0)
    expect(await warned()).toBe(1)
    const overdue = await get('guihua.grid', '/api/v1/care/people?overdueOnly=true')
    expect(overdue.status).toBe(200)
  })

  it('exports masked people with the exporter named, and audits it', async () => {
    const res = await p.app.inject({
      method: 'GET',
      url: `/api/v1/people/export?areaId=${guihua}`,
      headers: { authorization: `Bearer ${t['guihua.staff']}` },
    })
    expect(res.statusCode).toBe(200)
    expect(res.body.split('\n')[0]).toMatch(/made by guihua\.staff/)
    expect(res.body).not.toContain(id1)
    expect(res.body).toContain('138****5678')
    expect(
      (
        await p.app.inject({
          method: 'GET',
          url: `/api/v1/people/export?areaId=${cuizhu}`,
          headers: { authorization: `Bearer ${t['guihua.staff']}` },
        })
      ).statusCode,
    ).toBe(403)
  })
})
