import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { asSystem } from '../core/scope.js'
import { linkCasesToComponents } from '../demo/components.js'
import { componentForCase } from './components.js'

let serial = 0
const fresh = (p: string) => `T${p}-${Date.now().toString(36)}-${++serial}`

describe.each(backends())('components on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  const centre: Record<string, { lng: number; lat: number }> = {}
  let guihua = 0
  let cuizhu = 0
  let sw = 0

  const importCsv = (token: string, csv: string, dryRun = false) =>
    call(p.app, 'POST', '/api/v1/components/import', { token, body: { csv, dryRun } })

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    for (const u of [
      'guihua.staff',
      'guihua.admin',
      'guihua.grid',
      'guihua.handler',
      'guihua.resident',
      'cuizhu.staff',
    ])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    for (const g of ['JZ-QH-01-01-G01', 'JZ-QH-01-01-G02', 'JZ-QH-02-01-G01']) {
      const { rows } = await sql<{ lng: number; lat: number }>`
        select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
        from area where code = ${g}`.execute(p.database.db)
      centre[g] = rows[0]!
    }
    sw = (
      await p.database.db.selectFrom('department').select('id').where('code', '=', 'QH-SW').executeTakeFirstOrThrow()
    ).id
  })
  afterAll(async () => {
    await p?.close()
  })

  it('publishes the standard classes and carries kind and class code on the catalogue', async () => {
    const res = await call(p.app, 'GET', '/api/v1/component-classes')
    expect(res.status).toBe(200)
    expect(res.body.standard).toContain('GB/T 30428.2')
    const mains = res.body.classes.filter((c: { code: string; kind: string }) => c.code.length === 2)
    expect(
      mains.filter((c: { kind: string }) => c.kind === 'component').map((c: { nameZh: string }) => c.nameZh),
    ).toEqual(['公用设施', '道路交通', '市容环境', '园林绿化', '房屋土地', '其他设施'])
    expect(mains.filter((c: { kind: string }) => c.kind === 'event').map((c: { nameZh: string }) => c.nameZh)).toEqual([
      '市容环境',
      '宣传广告',
      '施工管理',
      '突发事件',
      '街面秩序',
      '其他事件',
    ])
    const cats = await call(p.app, 'GET', '/api/v1/categories')
    const flat: { code: string; kind: string; classCode: string | null }[] = []
    const walk = (n: { code: string; kind: string; classCode: string | null; children: unknown[] }) => {
      flat.push(n)
      for (const c of n.children) walk(c as typeof n)
    }
    for (const n of cats.body.categories ?? cats.body) walk(n)
    const of = (code: string) => flat.find((c) => c.code === code)!
    expect(of('DL-03')).toMatchObject({ kind: 'component', classCode: '0120' })
    expect(of('SR-05')).toMatchObject({ kind: 'event', classCode: '0201' })
    expect(of('JZ-01')).toMatchObject({ kind: 'enquiry', classCode: null })
  })

  it('the demo city has an inventory in every grid, owned as a district keeps it', async () => {
    const db = p.database.db
    const { rows } = await sql<{ n: number; grids: number; unowned: number; damaged: number }>`
      select count(*)::int as n, count(distinct area_id)::int as grids,
        count(*) filter (where owner_department_id is null)::int as unowned,
        count(*) filter (where state <> 'normal')::int as damaged
      from component where code like '0%-QH%'`.execute(db)
    expect(rows[0]!.n).toBeGreaterThan(300)
    expect(rows[0]!.grids).toBe(150)
    expect(rows[0]!.unowned).toBeGreaterThan(0)
    expect(rows[0]!.damaged).toBeGreaterThan(0)
    // guihua.handler (the street's law-enforcement team) reads the bins it keeps, also in other communities.
    const handler = await call(p.app, 'GET', '/api/v1/components?classCode=0304&pageSize=200', {
      token: t['guihua.handler'],
    })
    expect(handler.status).toBe(200)
    expect(handler.body.items.length).toBeGreaterThan(0)
    expect(handler.body.items.every((c: { owner: { code: string } }) => c.owner.code === 'QH-01-ZF')).toBe(true)
    // the grid worker reads the components of G01 only
    const gw = await call(p.app, 'GET', '/api/v1/components?pageSize=200', { token: t['guihua.grid'] })
    expect(gw.body.items.length).toBeGreaterThan(3)
    expect(gw.body.items.every((c: { area: { code: string } }) => c.area.code === 'JZ-QH-01-01-G01')).toBe(true)
    // a resident reads none
    expect((await call(p.app, 'GET', '/api/v1/components', { token: t['guihua.resident'] })).status).toBe(403)
  })

  it('registers, filters, changes and finds a component; refuses what is wrong naming the field', async () => {
    const at = centre['JZ-QH-01-01-G01']!
    const code = fresh('MH')
    const made = await call(p.app, 'POST', '/api/v1/components', {
      token: t['guihua.staff'],
      body: {
        code,
        classCode: '0102',
        name: '污水井盖',
        location: at,
        ownerDepartmentId: sw,
        attributes: { 材质: '球墨铸铁' },
      },
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body).toMatchObject({
      code,
      classCode: '0102',
      classNameZh: '污水井盖',
      mainClassCode: '01',
      category: { code: 'DL-02' },
      area: { code: 'JZ-QH-01-01-G01' },
      owner: { code: 'QH-SW' },
      state: 'normal',
      canEdit: true,
      cases: [],
    })
    const bad = async (body: Record<string, unknown>, status: number, field: string, code?: string) => {
      const res = await call(p.app, 'POST', '/api/v1/components', { token: t['guihua.staff'], body })
      expect(res.status, JSON.stringify(res.body)).toBe(status)
      expect(res.body.error.field).toBe(field)
      if (code) expect(res.body.error.code).toBe(code)
    }
    const base = { code: fresh('X'), classCode: '0102', name: 'x', location: at }
    await bad({ ...base, code }, 409, 'code', 'COMPONENT_CODE_TAKEN')
    await bad({ ...base, classCode: '0199' }, 422, 'classCode', 'COMPONENT_CLASS_INVALID')
    await bad({ ...base, classCode: '0601' }, 422, 'classCode', 'COMPONENT_CATEGORY_INVALID')
    await bad({ ...base, categoryCode: 'SR-05' }, 422, 'categoryCode', 'COMPONENT_CATEGORY_INVALID')
    await bad({ ...base, location: { lng: 10, lat: 10 } }, 404, 'location', 'AREA_OUTSIDE_ALL_GRIDS')
    await bad({ ...base, location: centre['JZ-QH-02-01-G01'] }, 403, 'location', 'FORBIDDEN')
    await bad({ ...base, ownerDepartmentId: 999999 }, 404, 'ownerDepartmentId', 'DEPARTMENT_NOT_FOUND')
    await bad({ ...base, state: 'broken' }, 400, 'state')

    // filters
    const list = async (q: string) =>
      (await call(p.app, 'GET', `/api/v1/components?${q}&pageSize=200`, { token: t['guihua.staff'] })).body
    expect((await list(`q=${code}`)).items.map((c: { id: number }) => c.id)).toEqual([made.body.id])
    expect((await list('classCode=0102')).items.every((c: { classCode: string }) => c.classCode === '0102')).toBe(true)
    expect((await list('classCode=01')).items.every((c: { mainClassCode: string }) => c.mainClassCode === '01')).toBe(
      true,
    )
    const d = 0.0005
    const box = await list(`west=${at.lng - d}&south=${at.lat - d}&east=${at.lng + d}&north=${at.lat + d}`)
    expect(box.items.map((c: { id: number }) => c.id)).toContain(made.body.id)
    expect(
      box.items.every(
        (c: { location: { lng: number; lat: number } }) =>
          Math.abs(c.location.lng - at.lng) <= d && Math.abs(c.location.lat - at.lat) <= d,
      ),
    ).toBe(true)
    const bbox = await call(p.app, 'GET', `/api/v1/components?west=1&south=1&east=0&north=2`, {
      token: t['guihua.staff'],
    })
    expect(bbox.status).toBe(400)
    expect(bbox.body.error.field).toBe('west')
    expect((await list(`areaId=${cuizhu}`)).items).toEqual([])

    // change: state with a note, then a stale version
    const changed = await call(p.app, 'PATCH', `/api/v1/components/${made.body.id}`, {
      token: t['guihua.staff'],
      body: { version: made.body.version, state: 'damaged', stateNote: '井盖断裂' },
    })
    expect(changed.status, JSON.stringify(changed.body)).toBe(200)
    expect(changed.body).toMatchObject({ state: 'damaged', stateNote: '井盖断裂', version: made.body.version + 1 })
    expect(changed.body.stateChangedAt).not.toBeNull()
    const stale = await call(p.app, 'PATCH', `/api/v1/components/${made.body.id}`, {
      token: t['guihua.staff'],
      body: { version: made.body.version, name: '改名' },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'COMPONENT_VERSION_CONFLICT', field: 'version' })
    expect((await list('state=damaged')).items.map((c: { id: number }) => c.id)).toContain(made.body.id)

    // the hook intake uses
    const hook = await asSystem(p.database.db, (tx) => componentForCase(tx, made.body.id))
    expect(hook).toMatchObject({ id: made.body.id, ownerDepartmentId: sw, categoryId: made.body.category.id })
    expect(hook.location.lng).toBeCloseTo(at.lng, 6)
    await expect(asSystem(p.database.db, (tx) => componentForCase(tx, 99_999_999))).rejects.toMatchObject({
      code: 'COMPONENT_NOT_FOUND',
      field: 'componentId',
    })
  })

  it('shows the cases about a component, filters by open cases and answers the map as GeoJSON', async () => {
    const at = centre['JZ-QH-01-01-G02']!
    const made = await call(p.app, 'POST', '/api/v1/components', {
      token: t['guihua.staff'],
      body: { code: fresh('SL'), classCode: '0120', name: '路灯', location: at },
    })
    expect(made.status).toBe(201)
    const filed = await call(p.app, 'POST', '/api/v1/cases', {
      token: t['guihua.staff'],
      body: { categoryCode: 'DL-03', location: at, description: '路灯不亮（部件测试）' },
    })
    expect(filed.status, JSON.stringify(filed.body)).toBe(201)
    // Linked as intake links it (the lead's componentId on intake sets the same column).
    await p.database.db
      .updateTable('cases')
      .set({ component_id: made.body.id })
      .where('id', '=', filed.body.id)
      .execute()
    const detail = await call(p.app, 'GET', `/api/v1/components/${made.body.id}`, { token: t['guihua.staff'] })
    expect(detail.body.caseCount).toBe(1)
    expect(detail.body.openCases).toBe(1)
    expect(detail.body.cases[0]).toMatchObject({ id: filed.body.id, trackingCode: filed.body.trackingCode })
    const open = await call(p.app, 'GET', `/api/v1/components?withOpenCases=true&areaId=${guihua}&pageSize=200`, {
      token: t['guihua.staff'],
    })
    expect(open.body.items.map((c: { id: number }) => c.id)).toContain(made.body.id)
    expect(open.body.items.every((c: { openCases: number }) => c.openCases > 0)).toBe(true)
    const byCase = await call(p.app, 'GET', `/api/v1/components?caseId=${filed.body.id}`, { token: t['guihua.staff'] })
    expect(byCase.body.items.map((c: { id: number }) => c.id)).toEqual([made.body.id])
    // the other community sees neither the component nor, through it, the case
    const other = await call(p.app, 'GET', `/api/v1/components/${made.body.id}`, { token: t['cuizhu.staff'] })
    expect(other.status).toBe(404)

    const d = 0.01
    const q = `west=${at.lng - d}&south=${at.lat - d}&east=${at.lng + d}&north=${at.lat + d}`
    const geo = await call(p.app, 'GET', `/api/v1/components/geojson?${q}`, { token: t['guihua.staff'] })
    expect(geo.status).toBe(200)
    expect(geo.body.type).toBe('FeatureCollection')
    expect(geo.body.thinned).toBe(false)
    expect(geo.body.features.length).toBe(geo.body.total)
    const f = geo.body.features.find((x: { id: number }) => x.id === made.body.id)
    expect(f).toMatchObject({ geometry: { type: 'Point' }, properties: { openCases: 1, count: 1 } })
    // thinned: fewer markers than matches, every match counted once, those with open cases kept
    const wide = `west=${at.lng - 0.1}&south=${at.lat - 0.1}&east=${at.lng + 0.1}&north=${at.lat + 0.1}`
    const thin = await call(p.app, 'GET', `/api/v1/components/geojson?${wide}&limit=10`, { token: t['guihua.staff'] })
    expect(thin.body.thinned).toBe(true)
    expect(thin.body.features.length).toBeLessThanOrEqual(10)
    expect(thin.body.features.some((x: { id: number }) => x.id === made.body.id)).toBe(true)
  })

  it('links generated cases of component categories to the nearest component of their category in their grid', async () => {
    const at = centre['JZ-QH-01-01-G02']!
    const filed = await call(p.app, 'POST', '/api/v1/cases', {
      token: t['guihua.staff'],
      body: { categoryCode: 'DL-03', location: at, description: '路灯不亮（关联测试）' },
    })
    expect(filed.status).toBe(201)
    const event = await call(p.app, 'POST', '/api/v1/cases', {
      token: t['guihua.staff'],
      body: { categoryCode: 'SC-03', location: at, description: '价格违法（关联测试）' },
    })
    expect(event.status).toBe(201)
    const { linked } = await asSystem(p.database.db, (tx) => linkCasesToComponents(tx))
    expect(linked).toBeGreaterThanOrEqual(1)
    const { rows } = await sql<{ id: number; component_id: number | null; nearest: number }>`
      select c.id, c.component_id,
        (select k.id from component k where k.category_id = c.category_id and k.area_id = c.area_id
           and k.state <> 'removed' order by k.location <-> ST_SetSRID(ST_MakePoint(${at.lng}, ${at.lat}), 4326) limit 1) as nearest
      from cases c where c.id in (${filed.body.id}, ${event.body.id}) order by c.id`.execute(p.database.db)
    expect(rows[0]!.component_id).toBe(rows[0]!.nearest)
    expect(rows[1]!.component_id).toBeNull()
    // The case now stands on its component, and a second run links nothing more.
    const moved = await sql<{ same: boolean }>`
      select ST_Equals(c.location, k.location) as same from cases c join component k on k.id = c.component_id
      where c.id = ${filed.body.id}`.execute(p.database.db)
    expect(moved.rows[0]!.same).toBe(true)
    expect((await asSystem(p.database.db, (tx) => linkCasesToComponents(tx))).linked).toBe(0)
  })

  it('imports CSV with per-row errors, idempotently, and refuses rows outside the caller’s grids', async () => {
    const g1 = centre['JZ-QH-01-01-G01']!
    const cz = centre['JZ-QH-02-01-G01']!
    const [a, b, c] = [fresh('CSV'), fresh('CSV'), fresh('CSV')]
    const csv = [
      'code,classCode,name,lng,lat,ownerDepartment,state,material',
      `${a},0103,雨水井盖,${g1.lng},${g1.lat},QH-SW,,铸铁`,
      `${b},0120,路灯,${g1.lng + 0.0001},${g1.lat},QH-CG,damaged,`,
      `bad code!,0103,坏编码,${g1.lng},${g1.lat},,,`,
      `${fresh('CSV')},0999,未知小类,${g1.lng},${g1.lat},,,`,
      `${fresh('CSV')},0103,无坐标,,${g1.lat},,,`,
      `${fresh('CSV')},0103,未知部门,${g1.lng},${g1.lat},NO-SUCH,,`,
      `${fresh('CSV')},0103,邻社区,${cz.lng},${cz.lat},,,`,
      `${c},0304,垃圾箱,${g1.lng},${g1.lat + 0.0001},,broken,`,
      `${a},0103,重复,${g1.lng},${g1.lat},,,`,
    ].join('\n')
    const dry = await importCsv(t['guihua.staff']!, csv, true)
    expect(dry.status, JSON.stringify(dry.body)).toBe(200)
    expect(dry.body).toMatchObject({ rows: 9, created: 2, updated: 0, dryRun: true })
    expect(await p.database.db.selectFrom('component').select('id').where('code', '=', a).execute()).toEqual([])
    const first = await importCsv(t['guihua.staff']!, csv)
    expect(first.body).toMatchObject({ rows: 9, created: 2, updated: 0, unchanged: 0, dryRun: false })
    expect(
      first.body.errors.map((e: { row: number; field: string; error: string }) => [e.row, e.field, e.error]),
    ).toEqual([
      [3, 'code', 'VALIDATION_FAILED'],
      [4, 'classCode', 'COMPONENT_CLASS_INVALID'],
      [5, 'lng', 'VALIDATION_FAILED'],
      [6, 'ownerDepartment', 'DEPARTMENT_NOT_FOUND'],
      [7, 'lng', 'FORBIDDEN'],
      [8, 'state', 'VALIDATION_FAILED'],
      [9, 'code', 'COMPONENT_CODE_TAKEN'],
    ])
    const rowA = await p.database.db
      .selectFrom('component')
      .select(['id', 'attributes', 'state', 'version'])
      .where('code', '=', a)
      .executeTakeFirstOrThrow()
    expect(rowA.attributes).toEqual({ material: '铸铁' })
    // again: nothing new, nothing changed
    const again = await importCsv(t['guihua.staff']!, csv)
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 2 })
    const n = await sql<{
      n: number
    }>`select count(*)::int as n from component where code = any(${[a, b]}::text[])`.execute(p.database.db)
    expect(n.rows[0]!.n).toBe(2)
    // a changed name updates the one row
    const renamed = await importCsv(
      t['guihua.staff']!,
      `code,classCode,name,lng,lat,ownerDepartment,material\n${a},0103,雨水井盖（新）,${g1.lng},${g1.lat},QH-SW,铸铁\n`,
    )
    expect(renamed.body).toMatchObject({ created: 0, updated: 1, unchanged: 0, errors: [] })
    const after = await p.database.db
      .selectFrom('component')
      .select(['name', 'version'])
      .where('code', '=', a)
      .executeTakeFirstOrThrow()
    expect(after).toEqual({ name: '雨水井盖（新）', version: rowA.version + 1 })
    // a header without a required column is the whole file's error
    const headless = await importCsv(t['guihua.staff']!, 'code,name\nX1,x\n')
    expect(headless.status).toBe(400)
    expect(headless.body.error.field).toBe('csv')
  })

  it('imports GeoJSON, and another community can neither see nor overwrite the components', async () => {
    const g1 = centre['JZ-QH-01-01-G01']!
    const [a, b] = [fresh('GEO'), fresh('GEO')]
    const fc = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [g1.lng, g1.lat] },
          properties: {
            code: a,
            classCode: '0116',
            name: '消防栓',
            ownerDepartment: 'QH-SW',
            attributes: { 口径: 100 },
          },
        },
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [g1.lng + 0.0002, g1.lat] },
          properties: { code: b, classCode: '0202', name: '公交站亭', categoryCode: 'DL-08' },
        },
        {
          type: 'Feature',
          geometry: {
            type: 'LineString',
            coordinates: [
              [g1.lng, g1.lat],
              [g1.lng, g1.lat + 0.001],
            ],
          },
          properties: { code: fresh('GEO'), classCode: '0206', name: '护栏' },
        },
        {
          type: 'Feature',
          geometry: null,
          properties: { code: fresh('GEO'), classCode: '0206', name: '护栏', categoryCode: 'SR-01' },
        },
      ],
    }
    const res = await call(p.app, 'POST', '/api/v1/components/import', {
      token: t['guihua.staff'],
      body: { geojson: fc },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ rows: 4, created: 2 })
    expect(res.body.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [3, 'geometry'],
      [4, 'geometry'],
    ])
    const hydrant = await call(p.app, 'GET', `/api/v1/components?q=${a}`, { token: t['guihua.staff'] })
    expect(hydrant.body.items[0]).toMatchObject({
      classCode: '0116',
      category: { code: 'DL-10' },
      owner: { code: 'QH-SW' },
    })
    expect(
      (await call(p.app, 'POST', '/api/v1/components/import', { token: t['guihua.staff'], body: { geojson: fc } }))
        .body,
    ).toMatchObject({ created: 0, updated: 0, unchanged: 2 })

    // 翠竹's staff: not visible, not changeable, and an import of the same code is refused for that row
    const id = hydrant.body.items[0].id
    expect((await call(p.app, 'GET', `/api/v1/components/${id}`, { token: t['cuizhu.staff'] })).status).toBe(404)
    const listed = await call(p.app, 'GET', `/api/v1/components?q=${a}`, { token: t['cuizhu.staff'] })
    expect(listed.body.items).toEqual([])
    const patch = await call(p.app, 'PATCH', `/api/v1/components/${id}`, {
      token: t['cuizhu.staff'],
      body: { version: 1, name: '越权' },
    })
    expect(patch.status).toBe(404)
    const cz = centre['JZ-QH-02-01-G01']!
    const hijack = await call(p.app, 'POST', '/api/v1/components/import', {
      token: t['cuizhu.staff'],
      body: { csv: `code,classCode,name,lng,lat\n${a},0116,占用,${cz.lng},${cz.lat}\n` },
    })
    expect(hijack.body).toMatchObject({ created: 0, updated: 0 })
    expect(hijack.body.errors[0]).toMatchObject({ row: 1, field: 'code', error: 'COMPONENT_CODE_TAKEN' })
    const still = await p.database.db
      .selectFrom('component')
      .select(['name', 'area_id'])
      .where('code', '=', a)
      .executeTakeFirstOrThrow()
    expect(still.name).toBe('消防栓')
  })
})
