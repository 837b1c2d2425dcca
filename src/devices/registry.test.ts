import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { cipherFor } from '../core/crypto.js'
import { deviceEvents, verifyDeviceSecret } from './common.js'

const HOUR = 3_600_000
let serial = 0
const code = (prefix: string) => `T-${prefix}-${Date.now().toString(36)}-${++serial}`

describe.each(backends())('device registry on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  const grid: Record<string, number> = {}
  const centre: Record<string, { lng: number; lat: number }> = {}
  let guihua = 0
  let building = { id: 0, lng: 0, lat: 0 }
  let otherBuilding = { id: 0, code: '' }
  let buildingCode = ''
  let zf = 0 // the street's law-enforcement team: guihua.handler's department
  let sw = 0 // the district's water affairs bureau
  let org = 0

  const register = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call(p.app, 'POST', '/api/v1/devices', { token, body, headers })
  const hashOf = async (id: number) =>
    (await p.database.db.selectFrom('device').select('secret_hash').where('id', '=', id).executeTakeFirstOrThrow())
      .secret_hash

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    for (const u of [
      'guihua.staff',
      'guihua.leader',
      'guihua.admin',
      'guihua.grid',
      'guihua.handler',
      'guihua.resident',
      'cuizhu.staff',
    ])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    for (const g of ['JZ-QH-01-01-G01', 'JZ-QH-01-01-G02', 'JZ-QH-02-01-G01']) {
      grid[g] = await areaId(p, g)
      const { rows } = await sql<{ lng: number; lat: number }>`
        select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
        from area where code = ${g}`.execute(p.database.db)
      centre[g] = rows[0]!
    }
    const b = await sql<{ id: number; code: string; lng: number; lat: number }>`
      select id, code, ST_X(location) as lng, ST_Y(location) as lat from building
      where code in ('JZ-QH-01-01-G01-B1', 'JZ-QH-01-01-G02-B1') order by code`.execute(p.database.db)
    building = b.rows[0]!
    buildingCode = b.rows[0]!.code
    otherBuilding = b.rows[1]!
    const deps = await p.database.db.selectFrom('department').select(['id', 'code']).execute()
    zf = deps.find((d) => d.code === 'QH-01-ZF')!.id
    sw = deps.find((d) => d.code === 'QH-SW')!.id
    org = (
      await p.database.db
        .selectFrom('organisation')
        .select('id')
        .where('name', '=', '桂花便民超市有限公司')
        .executeTakeFirstOrThrow()
    ).id
  })
  afterAll(async () => {
    await p?.close()
  })

  it('the demo city has devices in both communities, readings for the charts and work for each role', async () => {
    const demo = await p.database.db
      .selectFrom('device')
      .select(['code', 'state', 'building_id', 'owner_department_id', 'offline_since', 'fault_reason', 'secret_hash'])
      .where((eb) => eb.or([eb('code', 'like', 'GH-%'), eb('code', 'like', 'CZ-%')]))
      .orderBy('code')
      .execute()
    const gh = demo.filter((d) => d.code.startsWith('GH-'))
    expect(gh).toHaveLength(40)
    expect(demo.filter((d) => d.code.startsWith('CZ-'))).toHaveLength(10)
    const states = (s: string) => gh.filter((d) => d.state === s).map((d) => d.code)
    expect(states('offline').sort()).toEqual(['GH-ACC-0004', 'GH-MH-0005'])
    expect(states('faulty')).toEqual(['GH-SMK-0012'])
    expect(states('retired')).toEqual(['GH-HYD-0004'])
    expect(gh.filter((d) => d.state === 'offline').every((d) => d.offline_since !== null)).toBe(true)
    expect(gh.find((d) => d.code === 'GH-SMK-0012')!.fault_reason).toBe('flapping: 9 alarms in an hour')
    expect(gh.filter((d) => d.code.startsWith('GH-SMK')).every((d) => d.building_id !== null)).toBe(true)
    const smk1 = await sql<{ code: string }>`select b.code from device d join building b on b.id = d.building_id
      where d.code = 'GH-SMK-0001'`.execute(p.database.db)
    expect(smk1.rows[0]!.code).toBe('JZ-QH-01-01-G01-B1')
    expect(verifyDeviceSecret('grassroots-demo-GH-WL-0001', gh.find((d) => d.code === 'GH-WL-0001')!.secret_hash)).toBe(
      true,
    )
    // Three days of readings, the water rising at GH-WL-0001.
    const wl = await sql<{ n: number; first: number; last: number }>`
      select count(*)::int as n,
        (array_agg((m.payload -> 'values' ->> 'level_cm')::float8 order by m.at))[1] as first,
        (array_agg((m.payload -> 'values' ->> 'level_cm')::float8 order by m.at desc))[1] as last
      from device_message m join device d on d.id = m.device_id
      where d.code = 'GH-WL-0001' and m.message_id like 'demo-GH-%'`.execute(p.database.db)
    expect(wl.rows[0]!.n).toBeGreaterThanOrEqual(60)
    expect(wl.rows[0]!.last - wl.rows[0]!.first).toBeGreaterThan(20)
    // guihua.handler (the street's law-enforcement team) reads its manhole covers and hydrants.
    const handler = await call(p.app, 'GET', '/api/v1/devices?q=GH-&pageSize=200', { token: t['guihua.handler'] })
    expect(handler.body.items.length).toBe(10)
    expect(handler.body.items.every((d: { code: string }) => /^GH-(MH|HYD)-/.test(d.code))).toBe(true)
    // guihua.grid reads the devices of G01.
    const gw = await call(p.app, 'GET', '/api/v1/devices?q=GH-&pageSize=200', { token: t['guihua.grid'] })
    expect(gw.body.items.length).toBeGreaterThan(3)
    expect(gw.body.items.every((d: { area: { code: string } }) => d.area.code === 'JZ-QH-01-01-G01')).toBe(true)
  })

  it('names the buildings and property companies of a page with one call of app_device_labels', async () => {
    const db = p.database.db
    const original = await readFile(new URL('./migrations/0064_device_registry.sql', import.meta.url), 'utf8')
    const definition = original.slice(
      original.indexOf('CREATE FUNCTION app_device_labels'),
      original.indexOf('GRANT EXECUTE ON FUNCTION app_device_labels'),
    )
    expect(definition).toContain('$$;')
    // The same function, counting its calls.
    await sql`create sequence test_label_calls`.execute(db)
    await sql
      .raw(`create or replace function app_device_labels(ids bigint[])
        returns table (device_id bigint, building_name text, organisation_name text)
        language plpgsql volatile security definer set search_path = public as $fn$
        begin
          perform nextval('test_label_calls');
          return query select d.id, b.name, o.name from device d
            left join building b on b.id = d.building_id
            left join organisation o on o.id = d.owner_organisation_id
            where d.id = any (ids) and d.id in (select app_device_ids());
        end $fn$`)
      .execute(db)
    const calls = async () =>
      (
        await sql<{ n: string | number }>`select case when is_called then last_value else 0 end as n
        from test_label_calls`.execute(db)
      ).rows[0]!.n
    try {
      const page = await call(p.app, 'GET', `/api/v1/devices?areaId=${guihua}&pageSize=50`, {
        token: t['guihua.staff'],
      })
      expect(page.status).toBe(200)
      expect(page.body.items.length).toBeGreaterThan(30)
      expect(Number(await calls())).toBe(1)
      // The names are there all the same.
      const names = await sql<{ id: number; building: string | null; organisation: string | null }>`
        select d.id, b.name as building, o.name as organisation from device d
        left join building b on b.id = d.building_id left join organisation o on o.id = d.owner_organisation_id
        where d.area_id in (select id from area where path like (select path from area where id = ${guihua}) || '%')`.execute(
        db,
      )
      const want = new Map(names.rows.map((r) => [Number(r.id), r]))
      let withBuilding = 0
      for (const d of page.body.items as {
        id: number
        building: { name: string | null } | null
        owner: { kind: string; name: string }
      }[]) {
        const w = want.get(d.id)!
        if (d.building) {
          withBuilding++
          expect(d.building.name).toBe(w.building)
        }
        if (d.owner.kind === 'organisation') expect(d.owner.name).toBe(w.organisation)
      }
      expect(withBuilding).toBeGreaterThan(10)
      // The detail: one more call.
      const one = page.body.items.find((d: { building: unknown }) => d.building)
      const detail = await call(p.app, 'GET', `/api/v1/devices/${one.id}`, { token: t['guihua.staff'] })
      expect(detail.body.building.name).toBe(want.get(one.id)!.building)
      expect(Number(await calls())).toBe(2)
    } finally {
      await sql.raw(definition.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION')).execute(db)
      await sql`drop sequence test_label_calls`.execute(db)
    }
  })

  it('registers a device located into its grid and answers its secret once', async () => {
    const c = code('SMK')
    const res = await register(t['guihua.staff']!, {
      code: c,
      type: 'smoke_detector',
      name: '1单元 3层 走廊烟感',
      location: { lng: building.lng, lat: building.lat },
      buildingId: building.id,
      place: '1单元 3层 走廊',
      ownerDepartmentId: zf,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body).toMatchObject({
      code: c,
      type: 'smoke_detector',
      state: 'active',
      area: { id: grid['JZ-QH-01-01-G01'], code: 'JZ-QH-01-01-G01' },
      building: { id: building.id },
      owner: { kind: 'department', id: zf },
      openAlarms: 0,
      canEdit: true,
      version: 1,
    })
    expect(res.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const hash = await hashOf(res.body.id)
    expect(hash.startsWith('$7$')).toBe(true)
    expect(verifyDeviceSecret(res.body.secret, hash)).toBe(true)
    expect(verifyDeviceSecret('wrong', hash)).toBe(false)
    // Never again: the detail has no secret.
    const detail = await call(p.app, 'GET', `/api/v1/devices/${res.body.id}`, { token: t['guihua.staff'] })
    expect(detail.status).toBe(200)
    expect(detail.body).not.toHaveProperty('secret')
    expect(JSON.stringify(detail.body)).not.toContain(res.body.secret)
    expect(detail.body.metrics.map((m: { metric: string }) => m.metric)).toEqual(['smoke_obscuration', 'temperature_c'])
    // The district is the grid's district; the audit trail has the registration.
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('action', '=', 'device.register')
      .where('entity_id', '=', String(res.body.id))
      .execute()
    expect(audit).toHaveLength(1)
  })

  it('uses the building’s location when none is given', async () => {
    const res = await register(t['guihua.staff']!, {
      code: code('GAS'),
      type: 'gas_detector',
      name: '厨房燃气探测',
      buildingId: building.id,
      ownerOrganisationId: org,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.location.lng).toBeCloseTo(building.lng, 9)
    expect(res.body.location.lat).toBeCloseTo(building.lat, 9)
    expect(res.body.owner).toMatchObject({ kind: 'organisation', id: org, name: '桂花便民超市有限公司' })
  })

  it('refuses bad input with the right 4xx naming the field', async () => {
    const base = {
      type: 'water_level',
      name: '积水点水位',
      location: centre['JZ-QH-01-01-G01'],
      ownerDepartmentId: sw,
    }
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ ...base, type: 'toaster' }, 404, 'DEVICE_TYPE_NOT_FOUND', 'type'],
      [{ ...base, buildingId: otherBuilding.id }, 422, 'DEVICE_BUILDING_INVALID', 'buildingId'],
      [{ ...base, buildingId: 2_000_000_000 }, 422, 'DEVICE_BUILDING_INVALID', 'buildingId'],
      [{ ...base, ownerOrganisationId: org }, 422, 'DEVICE_OWNER_INVALID', 'ownerOrganisationId'],
      [{ ...base, ownerDepartmentId: undefined }, 422, 'DEVICE_OWNER_INVALID', 'ownerDepartmentId'],
      [{ ...base, ownerDepartmentId: 2_000_000_000 }, 422, 'DEVICE_OWNER_INVALID', 'ownerDepartmentId'],
      [{ ...base, location: { lng: 0, lat: 0 } }, 404, 'AREA_OUTSIDE_ALL_GRIDS', 'location'],
      [{ ...base, location: undefined }, 400, 'VALIDATION_FAILED', 'location'],
      [{ ...base, code: 'has space' }, 400, 'VALIDATION_FAILED', 'code'],
      [{ ...base, code: 'a/b/c' }, 400, 'VALIDATION_FAILED', 'code'],
    ]
    for (const [body, status, errorCode, field] of cases) {
      const res = await register(t['guihua.staff']!, { code: code('BAD'), ...body })
      expect(res.status, JSON.stringify({ body, got: res.body })).toBe(status)
      expect(res.body.error).toMatchObject({ code: errorCode, field })
    }
    const taken = code('DUP')
    expect((await register(t['guihua.staff']!, { ...base, code: taken })).status).toBe(201)
    const dup = await register(t['guihua.leader']!, { ...base, code: taken })
    expect(dup.status).toBe(409)
    expect(dup.body.error).toMatchObject({ code: 'DEVICE_CODE_TAKEN', field: 'code' })
    // Outside the caller's area: 403; a grid worker or a handler does not register.
    const foreign = await register(t['cuizhu.staff']!, { ...base, code: code('FOR') })
    expect(foreign.status).toBe(403)
    expect((await register(t['guihua.grid']!, { ...base, code: code('GW') })).status).toBe(403)
    expect((await register(t['guihua.handler']!, { ...base, code: code('HD') })).status).toBe(403)
    // A code taken in an area the caller cannot see is still taken.
    const hidden = code('HID')
    expect(
      (
        await register(t['cuizhu.staff']!, {
          ...base,
          code: hidden,
          location: centre['JZ-QH-02-01-G01'],
        })
      ).status,
    ).toBe(201)
    const clash = await register(t['guihua.staff']!, { ...base, code: hidden })
    expect(clash.status).toBe(409)
    expect(clash.body.error.code).toBe('DEVICE_CODE_TAKEN')
  })

  it('an idempotent retry registers once and never shows the secret again', async () => {
    const c = code('IDEM')
    const body = {
      code: c,
      type: 'manhole_tilt',
      name: '井盖',
      location: centre['JZ-QH-01-01-G02'],
      ownerDepartmentId: sw,
    }
    const headers = { 'idempotency-key': `reg-${c}` }
    const first = await register(t['guihua.staff']!, body, headers)
    const again = await register(t['guihua.staff']!, body, headers)
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.body.id).toBe(first.body.id)
    expect(first.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(again.body.secret).toBeNull()
    const rows = await p.database.db.selectFrom('device').select('id').where('code', '=', c).execute()
    expect(rows).toHaveLength(1)
  })

  it('lists with filters and keyset paging, and maps points', async () => {
    const prefix = `T-LIST-${Date.now().toString(36)}`
    const made: number[] = []
    for (let i = 0; i < 5; i++) {
      const res = await register(t['guihua.staff']!, {
        code: `${prefix}-${i}`,
        type: i < 3 ? 'hydrant_pressure' : 'access_control',
        name: `列表设备${i}`,
        location: i % 2 ? centre['JZ-QH-01-01-G02'] : centre['JZ-QH-01-01-G01'],
        ownerDepartmentId: sw,
      })
      expect(res.status).toBe(201)
      made.push(res.body.id)
    }
    const list = (q: string, token = t['guihua.staff']) => call(p.app, 'GET', `/api/v1/devices?${q}`, { token })
    const byPrefix = await list(`q=${prefix}`)
    expect(byPrefix.status).toBe(200)
    expect(byPrefix.body.items.map((d: { id: number }) => d.id)).toEqual(made)
    expect(byPrefix.body.total).toBe(5)
    const typed = await list(`q=${prefix}&type=hydrant_pressure`)
    expect(typed.body.items.map((d: { id: number }) => d.id)).toEqual(made.slice(0, 3))
    const inG02 = await list(`q=${prefix}&areaId=${grid['JZ-QH-01-01-G02']}`)
    expect(inG02.body.items.map((d: { id: number }) => d.id)).toEqual([made[1], made[3]])
    // Pages of two by `after`.
    const seen: number[] = []
    let after = 0
    for (let i = 0; i < 5; i++) {
      const page = await list(`q=${prefix}&pageSize=2&after=${after}`)
      seen.push(...page.body.items.map((d: { id: number }) => d.id))
      if (page.body.nextAfter === null) break
      after = page.body.nextAfter
    }
    expect(seen).toEqual(made)
    // Name prefix too; state filter.
    expect((await list(`q=${encodeURIComponent('列表设备3')}`)).body.items.map((d: { id: number }) => d.id)).toEqual([
      made[3],
    ])
    expect((await list(`q=${prefix}&state=retired`)).body.items).toEqual([])
    // By building.
    const inBuilding = await list(`buildingId=${building.id}`)
    expect(inBuilding.body.items.length).toBeGreaterThan(0)
    expect(inBuilding.body.items.every((d: { building: { id: number } }) => d.building.id === building.id)).toBe(true)
    // The map: by area, by box; a half box is refused.
    const map = await call(p.app, 'GET', `/api/v1/devices/map?areaId=${guihua}`, { token: t['guihua.staff'] })
    expect(map.status).toBe(200)
    expect(map.body.truncated).toBe(false)
    const pt = map.body.points.find((x: { id: number }) => x.id === made[0])
    expect(pt.lng).toBeCloseTo(centre['JZ-QH-01-01-G01']!.lng, 9)
    const c = centre['JZ-QH-01-01-G02']!
    const box = await call(
      p.app,
      'GET',
      `/api/v1/devices/map?west=${c.lng - 1e-6}&south=${c.lat - 1e-6}&east=${c.lng + 1e-6}&north=${c.lat + 1e-6}`,
      { token: t['guihua.staff'] },
    )
    expect(box.body.points.map((x: { id: number }) => x.id)).toEqual(expect.arrayContaining([made[1], made[3]]))
    expect(box.body.points.map((x: { id: number }) => x.id)).not.toContain(made[0])
    const half = await call(p.app, 'GET', `/api/v1/devices/map?west=1`, { token: t['guihua.staff'] })
    expect(half.status).toBe(400)
    expect(half.body.error.field).toBe('west')
  })

  it('row-level security: another community never sees them; a handler sees its department’s only', async () => {
    const mine = await register(t['guihua.staff']!, {
      code: code('ZF'),
      type: 'manhole_tilt',
      name: '执法队井盖',
      location: centre['JZ-QH-01-01-G02'],
      ownerDepartmentId: zf,
    })
    const theirs = await register(t['guihua.staff']!, {
      code: code('SW'),
      type: 'water_level',
      name: '水务局水位',
      location: centre['JZ-QH-01-01-G02'],
      ownerDepartmentId: sw,
    })
    const g01 = await register(t['guihua.staff']!, {
      code: code('G01'),
      type: 'water_level',
      name: 'G01水位',
      location: centre['JZ-QH-01-01-G01'],
      ownerDepartmentId: sw,
    })
    const ids = (r: { body: { items: { id: number }[] } }) => r.body.items.map((d) => d.id)
    const all = async (token: string) => {
      const out: { id: number; area: { code: string }; owner: { kind: string; id: number } }[] = []
      let after = 0
      for (;;) {
        const page = await call(p.app, 'GET', `/api/v1/devices?pageSize=200&after=${after}`, { token })
        expect(page.status).toBe(200)
        out.push(...page.body.items)
        if (page.body.nextAfter === null) return out
        after = page.body.nextAfter
      }
    }
    const cuizhu = await all(t['cuizhu.staff']!)
    expect(cuizhu.every((d) => d.area.code.startsWith('JZ-QH-02-01'))).toBe(true)
    expect(ids({ body: { items: cuizhu } })).not.toContain(mine.body.id)
    expect((await call(p.app, 'GET', `/api/v1/devices/${mine.body.id}`, { token: t['cuizhu.staff'] })).status).toBe(404)
    const handler = await all(t['guihua.handler']!)
    expect(handler.map((d) => d.id)).toContain(mine.body.id)
    expect(handler.every((d) => d.owner.kind === 'department' && d.owner.id === zf)).toBe(true)
    expect((await call(p.app, 'GET', `/api/v1/devices/${theirs.body.id}`, { token: t['guihua.handler'] })).status).toBe(
      404,
    )
    // The handler reads its device's building by name even without the registry's rights.
    const seen = await call(p.app, 'GET', `/api/v1/devices/${mine.body.id}`, { token: t['guihua.handler'] })
    expect(seen.body.canEdit).toBe(false)
    // The grid worker of G01 reads G01's devices, not G02's.
    const gw = await all(t['guihua.grid']!)
    expect(gw.map((d) => d.id)).toContain(g01.body.id)
    expect(gw.map((d) => d.id)).not.toContain(theirs.body.id)
    // A resident is refused outright.
    expect((await call(p.app, 'GET', '/api/v1/devices', { token: t['guihua.resident'] })).status).toBe(403)
  })

  it('changes a device with its version; retire freezes it, reactivate and reset bring it back', async () => {
    const made = await register(t['guihua.staff']!, {
      code: code('PATCH'),
      type: 'elevator_monitor',
      name: '电梯监测',
      location: { lng: building.lng, lat: building.lat },
      buildingId: building.id,
      ownerDepartmentId: sw,
    })
    const id = made.body.id
    const patch = (body: Record<string, unknown>, token = t['guihua.leader']) =>
      call(p.app, 'PATCH', `/api/v1/devices/${id}`, { token, body })
    const stale = await patch({ version: 7, name: '新名' })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'DEVICE_VERSION_CONFLICT', field: 'version' })
    const renamed = await patch({ version: 1, name: '2号电梯监测', place: '2号梯机房' })
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200)
    expect(renamed.body).toMatchObject({ name: '2号电梯监测', place: '2号梯机房', version: 2 })
    // Moving it to G02 without clearing the building: the building is not there.
    const wrong = await patch({ version: 2, location: centre['JZ-QH-01-01-G02'] })
    expect(wrong.status).toBe(422)
    expect(wrong.body.error).toMatchObject({ code: 'DEVICE_BUILDING_INVALID', field: 'buildingId' })
    const moved = await patch({ version: 2, location: centre['JZ-QH-01-01-G02'], buildingId: null })
    expect(moved.status, JSON.stringify(moved.body)).toBe(200)
    expect(moved.body).toMatchObject({ area: { code: 'JZ-QH-01-01-G02' }, building: null, version: 3 })
    const row = await p.database.db
      .selectFrom('device')
      .select(['area_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.area_id).toBe(grid['JZ-QH-01-01-G02'])
    // Owner: one or the other.
    const both = await patch({ version: 3, ownerDepartmentId: zf, ownerOrganisationId: org })
    expect(both.status).toBe(422)
    expect(both.body.error.code).toBe('DEVICE_OWNER_INVALID')
    const toOrg = await patch({ version: 3, ownerOrganisationId: org })
    expect(toOrg.body.owner).toMatchObject({ kind: 'organisation', id: org })
    // The grid worker and the handler do not change devices.
    expect((await patch({ version: 4, name: 'x' }, t['guihua.grid'])).status).toBe(403)
    // Retire: edits and rotation refused, reactivation allowed.
    const retired = await patch({ version: 4, state: 'retired' })
    expect(retired.body.state).toBe('retired')
    const frozen = await patch({ version: 5, name: '退役后改名' })
    expect(frozen.status).toBe(409)
    expect(frozen.body.error).toMatchObject({ code: 'DEVICE_RETIRED', field: 'name' })
    const rotate = await call(p.app, 'POST', `/api/v1/devices/${id}/secret`, { token: t['guihua.staff'] })
    expect(rotate.status).toBe(409)
    expect(rotate.body.error.code).toBe('DEVICE_RETIRED')
    const back = await patch({ version: 5, state: 'active' })
    expect(back.body).toMatchObject({ state: 'active', version: 6 })
    // Faulty (as the alarm rules mark it) → reset.
    await p.database.db
      .updateTable('device')
      .set({ state: 'faulty', fault_reason: 'flapping: 9 alarms in an hour' })
      .where('id', '=', id)
      .execute()
    const reset = await patch({ version: 6, state: 'active' })
    expect(reset.body).toMatchObject({ state: 'active', faultReason: null })
    // Offline is the system's: only it brings the device back.
    await p.database.db
      .updateTable('device')
      .set({ state: 'offline', offline_since: p.clock.now() })
      .where('id', '=', id)
      .execute()
    const online = await patch({ version: 7, state: 'active' })
    expect(online.status).toBe(409)
    expect(online.body.error.field).toBe('state')
    // Retiring an offline device clears its offline time.
    const gone = await patch({ version: 7, state: 'retired' })
    expect(gone.body).toMatchObject({ state: 'retired', offlineSince: null })
    const actions = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'device')
      .where('entity_id', '=', String(id))
      .orderBy('id')
      .execute()
    expect(actions.map((a) => a.action)).toEqual([
      'device.register',
      'device.update',
      'device.update',
      'device.update',
      'device.retire',
      'device.reactivate',
      'device.reset',
      'device.retire',
    ])
  })

  it('rotating the secret invalidates the old one at once', async () => {
    const made = await register(t['guihua.staff']!, {
      code: code('ROT'),
      type: 'access_control',
      name: '单元门禁',
      location: centre['JZ-QH-01-01-G01'],
      ownerDepartmentId: sw,
    })
    const old = made.body.secret
    const res = await call(p.app, 'POST', `/api/v1/devices/${made.body.id}/secret`, { token: t['guihua.admin'] })
    expect(res.status).toBe(200)
    expect(res.body.secret).not.toBe(old)
    const hash = await hashOf(made.body.id)
    expect(verifyDeviceSecret(old, hash)).toBe(false)
    expect(verifyDeviceSecret(res.body.secret, hash)).toBe(true)
    // The way in agrees: the old secret is refused at once, the new one taken.
    const send = (secret: string, id: string) =>
      call(p.app, 'POST', `/api/v1/devices/${made.body.code}/messages`, {
        headers: { authorization: `Bearer ${secret}` },
        body: { kind: 'heartbeat', payload: { id } },
      })
    expect((await send(old, 'hb-old')).status).toBe(401)
    expect((await send(res.body.secret, 'hb-new')).status).toBe(202)
    expect(
      (await call(p.app, 'POST', `/api/v1/devices/${made.body.id}/secret`, { token: t['guihua.grid'] })).status,
    ).toBe(403)
    expect(
      (await call(p.app, 'POST', `/api/v1/devices/${made.body.id}/secret`, { token: t['cuizhu.staff'] })).status,
    ).toBe(404)
  })

  it('tells the running ingest, after the commit, when a secret changes or a device is retired', async () => {
    const made = await register(t['guihua.staff']!, {
      code: code('EVT'),
      type: 'gas_detector',
      name: '厨房燃气',
      location: centre['JZ-QH-01-01-G01'],
      ownerDepartmentId: sw,
    })
    const { id, code: deviceCode } = made.body
    // What the ingest would find on reading the device the moment it is told (another connection
    // on PostgreSQL: only what has been committed).
    const heard: Promise<{ code: string; state: string; secret_hash: string }>[] = []
    const listener = (c: string) =>
      heard.push(
        p.database.db
          .selectFrom('device')
          .select(['code', 'state', 'secret_hash'])
          .where('code', '=', c)
          .executeTakeFirstOrThrow(),
      )
    deviceEvents.on('credentialsChanged', listener)
    try {
      const patch = (body: Record<string, unknown>, token = t['guihua.staff']) =>
        call(p.app, 'PATCH', `/api/v1/devices/${id}`, { token, body })
      const rotate = (token = t['guihua.staff']) => call(p.app, 'POST', `/api/v1/devices/${id}/secret`, { token })
      // A rename or a refused change says nothing.
      expect((await patch({ version: 1, name: '厨房燃气探测' })).status).toBe(200)
      expect((await patch({ version: 1, name: 'x' })).status).toBe(409)
      expect((await rotate(t['cuizhu.staff'])).status).toBe(404)
      expect(heard).toHaveLength(0)
      // A new secret: told once, and the stored hash is already the new one's.
      const rotated = await rotate()
      expect(rotated.status).toBe(200)
      expect(heard).toHaveLength(1)
      const afterRotate = await heard[0]!
      expect(afterRotate.code).toBe(deviceCode)
      expect(verifyDeviceSecret(rotated.body.secret, afterRotate.secret_hash)).toBe(true)
      // Retired: told, already retired; a refused rotation of the retired device says nothing.
      expect((await patch({ version: 3, state: 'retired' })).status).toBe(200)
      expect(heard).toHaveLength(2)
      expect(await heard[1]!).toMatchObject({ code: deviceCode, state: 'retired' })
      expect((await rotate()).status).toBe(409)
      expect(heard).toHaveLength(2)
      // Reactivated: told too (a cached refusal is dropped).
      expect((await patch({ version: 4, state: 'active' })).status).toBe(200)
      expect(heard).toHaveLength(3)
      expect(await heard[2]!).toMatchObject({ code: deviceCode, state: 'active' })
    } finally {
      deviceEvents.off('credentialsChanged', listener)
    }
  })

  it('answers the readings in buckets (min, avg, max) for the type’s metrics only', async () => {
    const made = await register(t['guihua.staff']!, {
      code: code('WL'),
      type: 'water_level',
      name: '下穿通道水位',
      location: centre['JZ-QH-01-01-G01'],
      ownerDepartmentId: sw,
    })
    const id = made.body.id
    const now = p.clock.now().getTime()
    // Every 10 minutes for 30 hours: level = minutes since start / 10 (0 … 179).
    const values = Array.from({ length: 180 }, (_, i) => ({
      device_id: id,
      message_id: `m-${i}`,
      kind: 'reading',
      at: new Date(now - 30 * HOUR + i * 600_000),
      received_at: new Date(now - 30 * HOUR + i * 600_000),
      payload: JSON.stringify({ id: `m-${i}`, values: { level_cm: i } }),
      via: 'http',
    }))
    await p.database.db.insertInto('device_message').values(values).execute()
    const get = (q: string, token = t['guihua.grid']) =>
      call(p.app, 'GET', `/api/v1/devices/${id}/readings?${q}`, { token })
    const day = await get('metric=level_cm')
    expect(day.status, JSON.stringify(day.body)).toBe(200)
    expect(day.body.unit).toBe('cm')
    expect(day.body.bucketSeconds).toBe(300)
    // The last 24 h: readings 36 … 179, one per 10 minutes, each alone in its 5-minute bucket.
    expect(day.body.points).toHaveLength(144)
    expect(day.body.points[0]).toMatchObject({ min: 36, max: 36, count: 1 })
    expect(day.body.points.at(-1)).toMatchObject({ min: 179, max: 179, avg: 179 })
    const from = new Date(now - 30 * HOUR).toISOString()
    const to = new Date(now).toISOString()
    const whole = await get(`metric=level_cm&from=${from}&to=${to}`)
    expect(whole.body.bucketSeconds).toBe(600)
    expect(whole.body.points.length).toBeLessThanOrEqual(300)
    const week = await get(`metric=level_cm&from=${new Date(now - 7 * 24 * HOUR).toISOString()}&to=${to}`)
    expect(week.body.bucketSeconds).toBe(3600)
    const firstHour = week.body.points.find((x: { count: number }) => x.count === 6)
    expect(firstHour.max - firstHour.min).toBe(5)
    expect(firstHour.avg).toBeCloseTo(firstHour.min + 2.5, 6)
    expect(week.body.points.reduce((n: number, x: { count: number }) => n + x.count, 0)).toBe(180)
    const wrongMetric = await get('metric=pressure_mpa')
    expect(wrongMetric.status).toBe(400)
    expect(wrongMetric.body.error.field).toBe('metric')
    const backwards = await get(`metric=level_cm&from=${to}&to=${from}`)
    expect(backwards.status).toBe(400)
    expect(backwards.body.error.field).toBe('from')
    expect((await get('metric=level_cm', t['cuizhu.staff'])).status).toBe(404)
  })

  describe('bulk registration', () => {
    const upload = async (data: Buffer, fileName: string, type = 'text/csv', token = t['guihua.staff']) => {
      const res = await p.app.inject({
        method: 'POST',
        url: `/api/v1/device-imports?areaId=${guihua}&fileName=${encodeURIComponent(fileName)}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        payload: data,
      })
      return { status: res.statusCode, body: res.json() }
    }
    const finished = async (jobId: number) => {
      for (let i = 0; i < 400; i++) {
        const job = await call(p.app, 'GET', `/api/v1/device-imports/${jobId}`, { token: t['guihua.staff'] })
        expect(job.status).toBe(200)
        if (job.body.status !== 'running') return job.body
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error('import did not finish')
    }
    const csv = (rows: string[][]) =>
      Buffer.from(
        `${rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n')}\n`,
      )

    it('imports a CSV: good rows in, a bad row reported with its field, credentials once, a re-import updates', async () => {
      const px = `T-IMP-${Date.now().toString(36)}`
      const g1 = centre['JZ-QH-01-01-G01']!
      // What `openssl rand -base64 32` gives an installer.
      const strong = randomBytes(32).toString('base64')
      const rows = [
        [
          '设备编码',
          '设备类型',
          '设备名称',
          '经度',
          '纬度',
          '楼栋编码',
          '安装位置',
          '维护部门编码',
          '物业公司',
          '密钥',
        ],
        [`${px}-1`, 'smoke_detector', '烟感1', '', '', buildingCode, '1单元1层', 'QH-01-ZF', '', ''],
        [`${px}-2`, '燃气探测器', '燃气2', String(g1.lng), String(g1.lat), '', '', '', '桂花便民超市有限公司', ''],
        [`${px}-3`, 'water_level', '水位3', String(g1.lng), String(g1.lat), '', '', 'QH-SW', '', strong],
        [
          `${px}-4`,
          'toaster',
          '坏类型',
          String(g1.lng),
          String(g1.lat),
          '',
          '',
          'QH-SW',
          '',
          'do-not-leak-this-secret',
        ],
        [
          `${px}-5`,
          'water_level',
          '外区',
          String(centre['JZ-QH-02-01-G01']!.lng),
          String(centre['JZ-QH-02-01-G01']!.lat),
          '',
          '',
          'QH-SW',
          '',
          '',
        ],
        [`${px}-6`, 'water_level', '无主', String(g1.lng), String(g1.lat), '', '', '', '', ''],
        // Installers' secrets weaker than a generated one: too short, outside the alphabet, not random.
        [
          `${px}-7`,
          'water_level',
          '弱密钥1',
          String(g1.lng),
          String(g1.lat),
          '',
          '',
          'QH-SW',
          '',
          'installer-secret-0003',
        ],
        [
          `${px}-8`,
          'water_level',
          '弱密钥2',
          String(g1.lng),
          String(g1.lat),
          '',
          '',
          'QH-SW',
          '',
          `${strong.slice(0, 40)}!`,
        ],
        [
          `${px}-9`,
          'water_level',
          '弱密钥3',
          String(g1.lng),
          String(g1.lat),
          '',
          '',
          'QH-SW',
          '',
          'password'.repeat(5),
        ],
      ]
      const up = await upload(csv(rows), 'devices.csv')
      expect(up.status, JSON.stringify(up.body)).toBe(201)
      expect(up.body).toMatchObject({ format: 'csv', encoding: 'utf-8' })
      const job = await finished(up.body.id)
      expect(job).toMatchObject({
        status: 'done',
        error: null,
        processed: 9,
        inserted: 3,
        updated: 0,
        failed: 6,
        credentials: 2,
        credentialsAvailable: true,
      })
      const errors = await call(p.app, 'GET', `/api/v1/device-imports/${job.id}/errors`, { token: t['guihua.staff'] })
      expect(errors.body.items).toEqual([
        { row: 5, field: 'type', message: expect.any(String), code: `${px}-4` },
        { row: 6, field: 'lng', message: expect.stringContaining('outside'), code: `${px}-5` },
        { row: 7, field: 'owner_department_code', message: expect.any(String), code: `${px}-6` },
        { row: 8, field: 'secret', message: expect.stringContaining('32–128'), code: `${px}-7` },
        { row: 9, field: 'secret', message: expect.stringContaining('32–128'), code: `${px}-8` },
        { row: 10, field: 'secret', message: expect.stringContaining('random'), code: `${px}-9` },
      ])
      // The installer's secret of the bad row is not kept for the report.
      const stored = await p.database.db
        .selectFrom('import_row_error')
        .select('row_enc')
        .where('job_id', '=', job.id)
        .execute()
      const reported = stored.map((s) => cipherFor(p.config).decrypt(s.row_enc)).join('')
      expect(reported).toContain(`${px}-7`)
      for (const leak of ['do-not-leak', 'installer-secret', 'passwordpassword']) expect(reported).not.toContain(leak)
      const devices = await p.database.db
        .selectFrom('device')
        .select(['id', 'code', 'area_id', 'building_id', 'owner_department_id', 'owner_organisation_id', 'secret_hash'])
        .where('code', 'like', `${px}-%`)
        .orderBy('code')
        .execute()
      expect(devices.map((d) => d.code)).toEqual([`${px}-1`, `${px}-2`, `${px}-3`])
      expect(devices[0]).toMatchObject({ building_id: building.id, owner_department_id: zf })
      expect(devices[1]).toMatchObject({ owner_organisation_id: org, area_id: grid['JZ-QH-01-01-G01'] })
      expect(verifyDeviceSecret(strong, devices[2]!.secret_hash)).toBe(true)
      // The generated secrets, once.
      const creds = await call(p.app, 'GET', `/api/v1/device-imports/${job.id}/credentials`, {
        token: t['guihua.staff'],
      })
      expect(creds.status).toBe(200)
      expect(creds.headers['content-type']).toContain('text/csv')
      const lines = String(creds.body).trim().split('\n')
      expect(lines[0]).toBe('code,secret')
      const pairs = new Map(lines.slice(1).map((l) => l.split(',') as [string, string]))
      expect([...pairs.keys()].sort()).toEqual([`${px}-1`, `${px}-2`])
      for (const d of devices.slice(0, 2)) expect(verifyDeviceSecret(pairs.get(d.code)!, d.secret_hash)).toBe(true)
      const again = await call(p.app, 'GET', `/api/v1/device-imports/${job.id}/credentials`, {
        token: t['guihua.staff'],
      })
      expect(again.status).toBe(409)
      const erased = await p.database.db
        .selectFrom('import_job')
        .select(['credentials_enc', 'credentials_taken_at'])
        .where('id', '=', job.id)
        .executeTakeFirstOrThrow()
      expect(erased.credentials_enc).toBeNull()
      expect(erased.credentials_taken_at).not.toBeNull()
      // The same file again: known codes updated or unchanged, never duplicated; no new secrets.
      // The row that brings a secret re-keys its device: the ingest is told after the batch commits.
      rows[2]![2] = '燃气2（改名）'
      const rekeyed: string[] = []
      const listener = (c: string) => rekeyed.push(c)
      deviceEvents.on('credentialsChanged', listener)
      const re = await finished((await upload(csv(rows), 'devices-again.csv')).body.id).finally(() =>
        deviceEvents.off('credentialsChanged', listener),
      )
      expect(rekeyed.filter((c) => c.startsWith(px))).toEqual([`${px}-3`])
      expect(re).toMatchObject({ status: 'done', inserted: 0, updated: 2, unchanged: 1, failed: 6, credentials: 0 })
      const after = await p.database.db
        .selectFrom('device')
        .select(['code', 'name'])
        .where('code', 'like', `${px}-%`)
        .execute()
      expect(after).toHaveLength(3)
      expect(after.find((d) => d.code === `${px}-2`)!.name).toBe('燃气2（改名）')
      // Others cannot read the job; a grid worker may not import.
      expect((await call(p.app, 'GET', `/api/v1/device-imports/${job.id}`, { token: t['cuizhu.staff'] })).status).toBe(
        404,
      )
      expect((await upload(csv(rows), 'x.csv', 'text/csv', t['guihua.grid'])).status).toBe(403)
    })

    it('reads the file’s format, encoding and headings before opening a transaction', async () => {
      // Transactions (PGlite) and connections (PostgreSQL) begun while a request runs.
      const db = p.database.db
      const transaction = vi.spyOn(db, 'transaction')
      const connection = vi.spyOn(db, 'connection')
      const begun = async (send: () => Promise<{ status: number; body: { error?: { code: string } } }>) => {
        transaction.mockClear()
        connection.mockClear()
        const res = await send()
        return { res, n: transaction.mock.calls.length + connection.mock.calls.length }
      }
      try {
        // The handler is not reached (bad query): what signing in alone begins.
        const before = await begun(() =>
          p.app
            .inject({
              method: 'POST',
              url: `/api/v1/device-imports?areaId=${guihua}`,
              headers: { authorization: `Bearer ${t['guihua.staff']}`, 'content-type': 'text/csv' },
              payload: Buffer.from('code\n'),
            })
            .then((r) => ({ status: r.statusCode, body: r.json() })),
        )
        expect(before.res.status).toBe(400)
        // A broken XLSX and a CSV without the needed columns are refused without a transaction.
        const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2048, 7)])
        const broken = await begun(() =>
          upload(zip, 'broken.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
        )
        expect(broken.res.status).toBe(422)
        expect(broken.res.body.error).toMatchObject({ code: 'IMPORT_FILE_UNREADABLE', field: 'file' })
        expect(broken.n).toBe(before.n)
        const columnless = await begun(() =>
          upload(
            csv([
              ['code', 'name'],
              ['A-1', 'x'],
            ]),
            'bad.csv',
          ),
        )
        expect(columnless.res.status).toBe(422)
        expect(columnless.n).toBe(before.n)
        // A good file opens one (the job), then the run's own.
        const g1 = centre['JZ-QH-01-01-G01']!
        const good = await begun(() =>
          upload(
            csv([
              ['code', 'type', 'name', 'lng', 'lat', 'owner_department_code'],
              [`T-TX-${Date.now().toString(36)}`, 'water_level', '水位', String(g1.lng), String(g1.lat), 'QH-SW'],
            ]),
            'good.csv',
          ),
        )
        expect(good.res.status).toBe(201)
        expect(good.n).toBeGreaterThan(before.n)
        await finished((good.res.body as { id: number }).id)
      } finally {
        transaction.mockRestore()
        connection.mockRestore()
      }
    })

    it('imports an XLSX file and refuses a file without the needed columns', async () => {
      const px = `T-XL-${Date.now().toString(36)}`
      const g2 = centre['JZ-QH-01-01-G02']!
      const wb = new ExcelJS.Workbook()
      const ws = wb.addWorksheet('设备')
      ws.addRow(['code', 'type', 'name', 'lng', 'lat', 'owner_department_code'])
      ws.addRow([`${px}-1`, 'hydrant_pressure', '消火栓1', g2.lng, g2.lat, 'QH-SW'])
      ws.addRow([`${px}-2`, 'hydrant_pressure', '消火栓2', g2.lng, g2.lat, 'NO-SUCH-DEPT'])
      const data = Buffer.from(await wb.xlsx.writeBuffer())
      const up = await upload(data, 'devices.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      expect(up.status, JSON.stringify(up.body)).toBe(201)
      expect(up.body.format).toBe('xlsx')
      const job = await finished(up.body.id)
      expect(job).toMatchObject({ status: 'done', inserted: 1, failed: 1, credentials: 1 })
      const errors = await call(p.app, 'GET', `/api/v1/device-imports/${job.id}/errors`, { token: t['guihua.staff'] })
      expect(errors.body.items).toEqual([
        { row: 3, field: 'owner_department_code', message: expect.any(String), code: `${px}-2` },
      ])
      const missing = await upload(
        csv([
          ['code', 'name'],
          ['A-1', 'x'],
        ]),
        'bad.csv',
      )
      expect(missing.status).toBe(422)
      expect(missing.body.error.code).toBe('IMPORT_FILE_UNREADABLE')
    })
  })
})
