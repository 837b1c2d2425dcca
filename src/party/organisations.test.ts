import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

let serial = 0
const code = (prefix: string) => `T-${prefix}-${Date.now().toString(36)}-${++serial}`

describe.each(backends())('party organisations on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  const area: Record<string, number> = {}
  let committee = 0 // 桂花社区's party committee (demo)
  let committeeVersion = 0

  const create = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call(p.app, 'POST', '/api/v1/party/organisations', { token, body, headers })
  const orgId = async (c: string) =>
    (await p.database.db.selectFrom('party_organisation').select('id').where('code', '=', c).executeTakeFirstOrThrow())
      .id
  const coverage = async (token: string, a: number) => {
    const res = await call(p.app, 'GET', `/api/v1/party/coverage?areaId=${a}`, { token })
    expect(res.status).toBe(200)
    return res.body
  }
  const registryOrg = async (name: string) =>
    (await p.database.db.selectFrom('organisation').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    for (const u of ['guihua.staff', 'guihua.leader', 'guihua.grid', 'guihua.resident', 'cuizhu.staff', 'admin'])
      t[u] = await tokenFor(p.app, u)
    for (const c of [
      'JZ-QH-01',
      'JZ-QH-01-01',
      'JZ-QH-01-01-G01',
      'JZ-QH-01-01-G04',
      'JZ-QH-01-01-G17',
      'JZ-QH-01-01-G18',
      'JZ-QH-01-02-G01',
      'JZ-QH-02-01',
      'JZ-QH-02-01-G01',
    ])
      area[c] = await areaId(p, c)
    committee = await orgId('PO-JZ-QH-01-01')
    const detail = await call(p.app, 'GET', `/api/v1/party/organisations/${committee}`, { token: t['guihua.staff'] })
    committeeVersion = detail.body.version
  })
  afterAll(async () => p?.close())

  it('the demo network: a tree from the city to the grid groups, with 桂花’s last two grids uncovered', async () => {
    const tree = await call(p.app, 'GET', `/api/v1/party/organisations/tree?areaId=${area['JZ-QH-01-01']}`, {
      token: t['guihua.staff'],
    })
    expect(tree.status).toBe(200)
    const codes = tree.body.nodes.map((n: { code: string }) => n.code)
    // Above the community (its branch) and below it, each after its parent.
    expect(codes.slice(0, 4)).toEqual(['PO-JZ', 'PO-JZ-QH', 'PO-JZ-QH-01', 'PO-JZ-QH-01-01'])
    const node = tree.body.nodes.find((n: { code: string }) => n.code === 'PO-JZ-QH-01-01')
    expect(node.depth).toBe(3)
    expect(node.kind).toBe('committee')
    const g01 = tree.body.nodes.find((n: { code: string }) => n.code === 'PO-JZ-QH-01-01-G01')
    expect(g01).toMatchObject({ kind: 'group', parentId: committee, depth: 4 })
    expect(codes).not.toContain('PO-JZ-QH-01-02') // another community: not on 桂花’s branch
    expect(codes).not.toContain('PO-JZ-QH-02-01')
    expect(codes).not.toContain('PO-QH-CG') // the district's other branches are not above 桂花
    const cov = await coverage(t['guihua.staff'], area['JZ-QH-01-01'])
    expect(cov.grids.total).toBe(18)
    expect(cov.grids.items.map((g: { code: string }) => g.code)).toEqual(['JZ-QH-01-01-G17', 'JZ-QH-01-01-G18'])
    expect(cov.communities).toEqual({ total: 1, uncovered: 0, items: [] })
    // 36 residential buildings; the compound branch covers those of G01–G03.
    expect(cov.buildings.total).toBe(36)
    expect(cov.buildings.uncovered).toBe(30)
    expect(cov.buildings.items.some((b: { code: string }) => b.code.startsWith('JZ-QH-01-01-G01'))).toBe(false)
  })

  it("coverage above the caller's community counts the neighbours' organisations it cannot read", async () => {
    // guihua.staff reads neither 桂花's neighbour communities' organisations nor their grids'
    // groups, yet the street's communities and grids are covered as the city admin sees them.
    const street = area['JZ-QH-01']!
    const theirs = await coverage(t['guihua.staff'], street)
    const admins = await coverage(t.admin!, street)
    expect(theirs.communities).toEqual(admins.communities)
    expect(theirs.grids).toEqual(admins.grids)
    expect(theirs.communities.uncovered).toBe(0)
  })

  it('creates a grid group under the community’s committee: the gap closes, the tree and detail show it', async () => {
    const c = code('g17')
    const res = await create(t['guihua.staff'], {
      code: c,
      name: '桂花社区第17网格党小组',
      kind: 'group',
      sector: 'area',
      parentId: committee,
      areaId: area['JZ-QH-01-01-G17'],
      foundedOn: '2026-07-01',
    })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      code: c,
      kind: 'group',
      parent: { id: committee, code: 'PO-JZ-QH-01-01' },
      area: { id: area['JZ-QH-01-01-G17'], level: 'grid' },
      members: 0,
      status: 'active',
      foundedOn: '2026-07-01',
      canEdit: true,
    })
    const cov = await coverage(t['guihua.staff'], area['JZ-QH-01-01'])
    expect(cov.grids.items.map((g: { code: string }) => g.code)).toEqual(['JZ-QH-01-01-G18'])
    expect(cov.grids.uncovered).toBe(1)
    const detail = await call(p.app, 'GET', `/api/v1/party/organisations/${committee}`, { token: t['guihua.leader'] })
    expect(detail.status).toBe(200)
    expect(detail.body.children.map((x: { code: string }) => x.code)).toContain(c)
    expect(detail.body.canEdit).toBe(true)
    // A grid worker (G01) reads the committee above their grid, not the groups of other grids.
    const above = await call(p.app, 'GET', `/api/v1/party/organisations/${committee}`, { token: t['guihua.grid'] })
    expect(above.status).toBe(200)
    expect(above.body.canEdit).toBe(false)
    const seen = above.body.children.map((x: { code: string }) => x.code)
    expect(seen).toContain('PO-JZ-QH-01-01-G01')
    expect(seen).not.toContain(c)
    expect(seen).not.toContain('PO-JZ-QH-01-01-G02')
    expect(
      (await call(p.app, 'GET', `/api/v1/party/organisations/${res.body.id}`, { token: t['guihua.grid'] })).status,
    ).toBe(404)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('action', '=', 'party.organisation.create')
      .where('entity_id', '=', String(res.body.id))
      .execute()
    expect(audit).toHaveLength(1)
    // A retry with the same key answers the same organisation.
    const key = code('key')
    const body = {
      code: code('idem'),
      name: '桂花社区第18网格党小组',
      kind: 'group',
      sector: 'area',
      parentId: committee,
      areaId: area['JZ-QH-01-01-G18'],
    }
    const first = await create(t['guihua.staff'], body, { 'idempotency-key': key })
    const again = await create(t['guihua.staff'], body, { 'idempotency-key': key })
    expect(first.status).toBe(201)
    expect(again.body.id).toBe(first.body.id)
    expect((await coverage(t['guihua.staff'], area['JZ-QH-01-01'])).grids.uncovered).toBe(0)
    // The list finds them by code and by parent.
    const list = await call(p.app, 'GET', `/api/v1/party/organisations?parentId=${committee}&kind=group&pageSize=200`, {
      token: t['guihua.leader'],
    })
    expect(list.body.total).toBe(18)
    const byQ = await call(p.app, 'GET', `/api/v1/party/organisations?q=${encodeURIComponent(c)}`, {
      token: t['guihua.leader'],
    })
    expect(byQ.body.items.map((x: { id: number }) => x.id)).toEqual([res.body.id])
  })

  it('refuses a child outside its parent’s branch: in the use case and by the trigger', async () => {
    // The city's admin keeps both communities, so only the branch rule stands in the way.
    const res = await create(t.admin, {
      code: code('out'),
      name: '越界党小组',
      kind: 'group',
      sector: 'area',
      parentId: committee,
      areaId: area['JZ-QH-01-02-G01'],
    })
    expect(res.status).toBe(422)
    expect(res.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_OUTSIDE_PARENT', field: 'areaId' })
    // The database refuses it too (as the owner, without the use case).
    const direct = sql`
      insert into party_organisation (code, name, kind, sector, parent_id, area_id, created_at, updated_at)
      values (${code('sql')}, '越界党小组', 'group', 'area', ${committee}, ${area['JZ-QH-02-01-G01']}, now(), now())`
    await expect(direct.execute(p.database.db)).rejects.toMatchObject({ code: '23514' })
    // A grid's organisation is a group or a branch; a group has nothing below it.
    const kind = await create(t['guihua.staff'], {
      code: code('kind'),
      name: '网格党委',
      kind: 'committee',
      sector: 'area',
      parentId: committee,
      areaId: area['JZ-QH-01-01-G04'],
    })
    expect(kind.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_INVALID', field: 'kind' })
    const underGroup = await create(t['guihua.staff'], {
      code: code('sub'),
      name: '小组下的小组',
      kind: 'group',
      sector: 'area',
      parentId: await orgId('PO-JZ-QH-01-01-G01'),
      areaId: area['JZ-QH-01-01-G01'],
    })
    expect(underGroup.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_INVALID', field: 'parentId' })
    // Moving a group to another community's grid: outside its parent.
    const g01 = await orgId('PO-JZ-QH-01-01-G01')
    const v = (await call(p.app, 'GET', `/api/v1/party/organisations/${g01}`, { token: t.admin })).body.version
    const moved = await call(p.app, 'PATCH', `/api/v1/party/organisations/${g01}`, {
      token: t.admin,
      body: { version: v, areaId: area['JZ-QH-01-02-G01'] },
    })
    expect(moved.status).toBe(422)
    expect(moved.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_OUTSIDE_PARENT', field: 'areaId' })
    // Moving the committee down to a grid would leave its groups off its branch (and a committee is no grid's).
    const down = await call(p.app, 'PATCH', `/api/v1/party/organisations/${committee}`, {
      token: t.admin,
      body: { version: committeeVersion, areaId: area['JZ-QH-01-01-G01'] },
    })
    expect(down.status).toBe(422)
  })

  it('keeps each sector’s rules', async () => {
    const base = { kind: 'branch', parentId: committee, areaId: area['JZ-QH-01-01'] }
    const expectInvalid = async (body: Record<string, unknown>, field: string) => {
      const res = await create(t['guihua.staff'], { code: code('sec'), name: '规则测试支部', ...base, ...body })
      expect(res.status, JSON.stringify(res.body)).toBe(422)
      expect(res.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_INVALID', field })
    }
    const shop = await registryOrg('桂花便民超市有限公司')
    const social = await registryOrg('江州市清河区桂花邻里社会工作服务中心')
    const foreign = await registryOrg('翠竹便民超市有限公司')
    await expectInvalid({ sector: 'enterprise' }, 'registryOrganisationId')
    await expectInvalid({ sector: 'enterprise', registryOrganisationId: social }, 'registryOrganisationId')
    await expectInvalid({ sector: 'social_organisation', registryOrganisationId: shop }, 'registryOrganisationId')
    await expectInvalid({ sector: 'enterprise', registryOrganisationId: foreign }, 'registryOrganisationId')
    await expectInvalid({ sector: 'institution' }, 'departmentId')
    await expectInvalid({ sector: 'compound' }, 'buildingIds')
    const { rows: bs } = await sql<{ id: number; code: string }>`
      select id, code from building where code in ('JZ-QH-01-01-G04-B1', 'JZ-QH-02-01-G01-B1') order by code`.execute(
      p.database.db,
    )
    await expectInvalid({ sector: 'compound', buildingIds: [bs[0]!.id, bs[1]!.id] }, 'buildingIds[1]')
    await expectInvalid({ sector: 'area', buildingIds: [bs[0]!.id] }, 'buildingIds')

    const enterprise = await create(t['guihua.staff'], {
      code: code('ent'),
      name: '中共桂花便民超市有限公司支部委员会',
      ...base,
      sector: 'enterprise',
      registryOrganisationId: shop,
    })
    expect(enterprise.status).toBe(201)
    expect(enterprise.body.registryOrganisation).toEqual({ id: shop, name: '桂花便民超市有限公司' })
    const jw = (
      await p.database.db
        .selectFrom('department')
        .select('id')
        .where('code', '=', 'QH-01-01-JW')
        .executeTakeFirstOrThrow()
    ).id
    const institution = await create(t['guihua.staff'], {
      code: code('inst'),
      name: '桂花社区居委会机关支部',
      ...base,
      sector: 'institution',
      departmentId: jw,
    })
    expect(institution.status).toBe(201)
    expect(institution.body.department.nameZh).toBe('桂花社区居民委员会')
    const compound = await create(t['guihua.staff'], {
      code: code('xq'),
      name: '桂花第四网格小区党支部',
      ...base,
      sector: 'compound',
      buildingIds: [bs[0]!.id],
    })
    expect(compound.status).toBe(201)
    expect(compound.body.buildings).toEqual([{ id: bs[0]!.id, code: 'JZ-QH-01-01-G04-B1', name: expect.any(String) }])
    const cov = await coverage(t['guihua.staff'], area['JZ-QH-01-01'])
    expect(cov.buildings.uncovered).toBe(29)
    // The map places the compound at its buildings and the others at their area.
    const map = await call(p.app, 'GET', `/api/v1/party/map?areaId=${area['JZ-QH-01-01']}`, {
      token: t['guihua.staff'],
    })
    expect(map.status).toBe(200)
    const placed = map.body.organisations.find((o: { id: number }) => o.id === compound.body.id)
    expect(placed.placedBy).toBe('buildings')
    expect(map.body.organisations.find((o: { id: number }) => o.id === institution.body.id).placedBy).toBe('area')
    expect(map.body.uncoveredGrids).toEqual([]) // G17 and G18 got groups above
  })

  it('refuses a code taken, also where the caller cannot see the organisation', async () => {
    const res = await create(t['guihua.staff'], {
      code: 'PO-JZ-QH-02-01', // 翠竹社区's committee: outside guihua.staff's branch
      name: '重号党小组',
      kind: 'group',
      sector: 'area',
      parentId: committee,
      areaId: area['JZ-QH-01-01-G04'],
    })
    expect(res.status).toBe(409)
    expect(res.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_CODE_TAKEN', field: 'code' })
    const seen = await create(t['guihua.staff'], {
      code: 'PO-JZ-QH-01-01-G01',
      name: '重号党小组',
      kind: 'group',
      sector: 'area',
      parentId: committee,
      areaId: area['JZ-QH-01-01-G04'],
    })
    expect(seen.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_CODE_TAKEN', field: 'code' })
  })

  it('dissolves only an organisation without active members or children; versions guard changes', async () => {
    const c = code('dis')
    const made = await create(t['guihua.staff'], {
      code: c,
      name: '待撤销党小组',
      kind: 'group',
      sector: 'area',
      parentId: committee,
      areaId: area['JZ-QH-01-01-G04'],
    })
    expect(made.status).toBe(201)
    const id = made.body.id
    // The committee has groups below it.
    const busy = await call(p.app, 'PATCH', `/api/v1/party/organisations/${committee}`, {
      token: t['guihua.staff'],
      body: { version: committeeVersion, status: 'dissolved' },
    })
    expect(busy.status).toBe(422)
    expect(busy.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_INVALID', field: 'status' })
    // A member in the group stops it too.
    const { rows: people } = await sql<{ id: number }>`
      select pe.id from person pe join area a on a.id = pe.area_id
      where a.code like 'JZ-QH-01-01%' and not exists (
        select 1 from party_member m where m.person_id = pe.id and m.status = 'active')
      order by pe.id limit 1`.execute(p.database.db)
    await sql`
      insert into party_member (person_id, organisation_id, area_id, role, standing, joined_on, workplace_kind,
        created_at, updated_at)
      values (${people[0]!.id}, ${id}, ${area['JZ-QH-01-01-G04']}, 'secretary', 'full', '2020-07-01', 'retired',
        now(), now())`.execute(p.database.db)
    const detail = await call(p.app, 'GET', `/api/v1/party/organisations/${id}`, { token: t['guihua.staff'] })
    expect(detail.body.members).toBe(1)
    expect(detail.body.membersByRole.secretary).toBe(1)
    expect(detail.body.secretary.name).toMatch(/^.\*+$/)
    const withMember = await call(p.app, 'PATCH', `/api/v1/party/organisations/${id}`, {
      token: t['guihua.staff'],
      body: { version: 1, status: 'dissolved' },
    })
    expect(withMember.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_INVALID', field: 'status' })
    await sql`update party_member set status = 'left', left_on = '2026-11-01' where organisation_id = ${id}`.execute(
      p.database.db,
    )
    // A stale version is a conflict.
    const renamed = await call(p.app, 'PATCH', `/api/v1/party/organisations/${id}`, {
      token: t['guihua.staff'],
      body: { version: 1, name: '第四网格党小组' },
    })
    expect(renamed.status).toBe(200)
    expect(renamed.body).toMatchObject({ name: '第四网格党小组', version: 2 })
    const stale = await call(p.app, 'PATCH', `/api/v1/party/organisations/${id}`, {
      token: t['guihua.staff'],
      body: { version: 1, status: 'dissolved' },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe('PARTY_VERSION_CONFLICT')
    const dissolved = await call(p.app, 'PATCH', `/api/v1/party/organisations/${id}`, {
      token: t['guihua.staff'],
      body: { version: 2, status: 'dissolved' },
    })
    expect(dissolved.status).toBe(200)
    expect(dissolved.body).toMatchObject({ status: 'dissolved', dissolvedOn: '2026-11-23', canEdit: false })
    // A dissolved organisation is no parent.
    const orphan = await create(t['guihua.staff'], {
      code: code('orph'),
      name: '撤销组织下的小组',
      kind: 'group',
      sector: 'area',
      parentId: id,
      areaId: area['JZ-QH-01-01-G04'],
    })
    expect(orphan.body.error).toMatchObject({ code: 'PARTY_ORGANISATION_INVALID', field: 'parentId' })
    // The grid worker reads but does not keep.
    const grid = await call(p.app, 'PATCH', `/api/v1/party/organisations/${committee}`, {
      token: t['guihua.grid'],
      body: { version: committeeVersion, name: '改名' },
    })
    expect(grid.status).toBe(403)
  })

  it('moves an organisation within its parent’s branch, its members with it', async () => {
    const made = await create(t['guihua.staff'], {
      code: code('mv'),
      name: '待迁移党小组',
      kind: 'group',
      sector: 'area',
      parentId: committee,
      areaId: area['JZ-QH-01-01-G04'],
    })
    expect(made.status).toBe(201)
    const { rows: people } = await sql<{ id: number }>`
      select pe.id from person pe join area a on a.id = pe.area_id
      where a.code like 'JZ-QH-01-01%' and not exists (
        select 1 from party_member m where m.person_id = pe.id and m.status = 'active')
      order by pe.id desc limit 1`.execute(p.database.db)
    await sql`
      insert into party_member (person_id, organisation_id, area_id, role, standing, joined_on, workplace_kind,
        created_at, updated_at)
      values (${people[0]!.id}, ${made.body.id}, ${area['JZ-QH-01-01-G04']}, 'member', 'probationary', '2025-07-01',
        'other', now(), now())`.execute(p.database.db)
    const g05 = await areaId(p, 'JZ-QH-01-01-G05')
    const moved = await call(p.app, 'PATCH', `/api/v1/party/organisations/${made.body.id}`, {
      token: t['guihua.staff'],
      body: { version: 1, areaId: g05 },
    })
    expect(moved.status).toBe(200)
    expect(moved.body).toMatchObject({ area: { id: g05 }, version: 2, members: 1 })
    expect(moved.body.membersByStanding).toEqual({ full: 0, probationary: 1 })
    const member = await p.database.db
      .selectFrom('party_member')
      .select('area_id')
      .where('organisation_id', '=', made.body.id)
      .executeTakeFirstOrThrow()
    expect(member.area_id).toBe(g05)
  })

  it('confines reads to the branch: 翠竹’s staff neither read nor change 桂花’s organisations', async () => {
    const detail = await call(p.app, 'GET', `/api/v1/party/organisations/${committee}`, { token: t['cuizhu.staff'] })
    expect(detail.status).toBe(404)
    const list = await call(p.app, 'GET', `/api/v1/party/organisations?areaId=${area['JZ-QH-01-01']}`, {
      token: t['cuizhu.staff'],
    })
    expect(list.status).toBe(200)
    expect(list.body.items).toEqual([])
    const all = await call(p.app, 'GET', '/api/v1/party/organisations?pageSize=200', { token: t['cuizhu.staff'] })
    expect(all.body.items.some((o: { code: string }) => o.code.startsWith('PO-JZ-QH-01-01'))).toBe(false)
    expect(all.body.items.map((o: { code: string }) => o.code)).toContain('PO-JZ-QH-02-01')
    const tree = await call(p.app, 'GET', '/api/v1/party/organisations/tree', { token: t['cuizhu.staff'] })
    expect(tree.body.nodes.some((o: { code: string }) => o.code.startsWith('PO-JZ-QH-01-01'))).toBe(false)
    const patch = await call(p.app, 'PATCH', `/api/v1/party/organisations/${committee}`, {
      token: t['cuizhu.staff'],
      body: { version: committeeVersion, name: '越权改名' },
    })
    expect(patch.status).toBe(404)
    const made = await create(t['cuizhu.staff'], {
      code: code('x'),
      name: '越权党小组',
      kind: 'group',
      sector: 'area',
      parentId: committee,
      areaId: area['JZ-QH-01-01-G04'],
    })
    expect(made.status).toBe(403)
    const cov = await call(p.app, 'GET', `/api/v1/party/coverage?areaId=${area['JZ-QH-01-01']}`, {
      token: t['cuizhu.staff'],
    })
    expect(cov.status).toBe(403)
    const map = await call(p.app, 'GET', `/api/v1/party/map?areaId=${area['JZ-QH-01-01']}`, {
      token: t['cuizhu.staff'],
    })
    expect(map.status).toBe(403)
    const resident = await call(p.app, 'GET', '/api/v1/party/organisations', { token: t['guihua.resident'] })
    expect(resident.status).toBe(403)
  })
})
