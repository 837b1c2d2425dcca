import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

// The statistics against a hand-counted fixture: a street of its own (two communities, three
// grids) built by SQL as the owner, so the demo city's party network cannot move the figures.
//
//   street TS (committee S)                               period 2027-01-01 … 2027-03-31
//   ├─ community C1: general branch, compound branch (covers b1); agreement active
//   │    ├─ grid C1G1: party group; residential b1 (covered)
//   │    └─ grid C1G2: nothing; residential b2
//   └─ community C2: a dissolved branch only; agreement ended
//        └─ grid C2G1: residential b3, commercial b4
//   members: m1 general branch (full), m2 group (probationary), m3 committee (left), m4 compound (full)
//   reports: m1 → C2 active (volunteer v1: 3 h + 2 h in the period, 4 h before);
//            m2 → C1 withdrawn 2026-12-01 (volunteer v2: 5 h in the period — not counted)
//   projects in C1: one done 2027-02-10, one done 2026-12-20 (before), one in progress
//   cases: k1 in C1G1 closed with m1 assigned 2027-02-01; k2 in C2G1 open with m4 assigned
//          2027-03-01 and ended 2027-03-05; k3 in C1G2 with m2 assigned 2026-11-01, ended 2026-12-01 (before)

let serial = 0

describe.each(backends())('party statistics on %s', (backend) => {
  let p: TestPlatform
  const ids: Record<string, number> = {}

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-04-02T02:00:00Z')
    const db = p.database.db
    const now = p.clock.now()
    const parent = await db
      .selectFrom('area')
      .select(['id', 'parent_id'])
      .where('code', '=', 'JZ-QH-01')
      .executeTakeFirstOrThrow()
    const tag = `ST${Date.now().toString(36)}${++serial}`.toUpperCase()
    const box = (x: number) =>
      sql`ST_Multi(ST_GeomFromText(${`POLYGON((${x} 30, ${x + 0.001} 30, ${x + 0.001} 30.001, ${x} 30.001, ${x} 30))`}, 4326))`
    const area = async (code: string, level: 'street' | 'community' | 'grid', parentId: number, x: number) => {
      const { rows } = await sql<{
        id: number
      }>`insert into area (parent_id, level, code, name_zh, name_en, path, boundary)
        values (${parentId}, ${level}, ${`${tag}-${code}`}, ${`统计${code}`}, ${`Stats ${code}`}, '', ${box(x)})
        returning id`.execute(db)
      ids[code] = rows[0]!.id
      return rows[0]!.id
    }
    await area('S', 'street', parent.parent_id!, 100)
    await area('C1', 'community', ids.S!, 100.1)
    await area('C2', 'community', ids.S!, 100.2)
    await area('C1G1', 'grid', ids.C1!, 100.11)
    await area('C1G2', 'grid', ids.C1!, 100.12)
    await area('C2G1', 'grid', ids.C2!, 100.21)
    const district = async (a: number) =>
      Number(
        (await db.selectFrom('area').select('path').where('id', '=', a).executeTakeFirstOrThrow()).path.split('/')[2],
      )
    const d = await district(ids.S!)

    const org = async (
      key: string,
      o: {
        kind: 'committee' | 'general_branch' | 'branch' | 'group'
        area: number
        parent?: number
        sector?: 'compound'
      },
      dissolved = false,
    ) => {
      const row = await db
        .insertInto('party_organisation')
        .values({
          code: `${tag}-${key}`,
          name: `统计${key}党组织`,
          kind: o.kind,
          sector: o.sector ?? 'area',
          parent_id: o.parent ?? null,
          area_id: o.area,
          district_id: d,
          status: dissolved ? 'dissolved' : 'active',
          dissolved_on: dissolved ? '2026-10-01' : null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[key] = row.id
      return row.id
    }
    await org('oS', { kind: 'committee', area: ids.S! })
    await org('oC1', { kind: 'general_branch', area: ids.C1!, parent: ids.oS })
    await org('oG1', { kind: 'group', area: ids.C1G1!, parent: ids.oC1 })
    await org('oCompound', { kind: 'branch', area: ids.C1!, parent: ids.oC1, sector: 'compound' })
    await org('oC2', { kind: 'branch', area: ids.C2!, parent: ids.oS }, true)

    const building = async (key: string, grid: number, kind: string) => {
      const { rows } = await sql<{ id: number }>`insert into building
        (code, name, address, kind, area_id, district_id, location, created_at, updated_at)
        values (${`${tag}-${key}`}, ${`统计楼${key}`}, '统计路1号', ${kind}, ${grid}, ${d},
          ST_SetSRID(ST_MakePoint(100.1, 30.0), 4326), ${now}, ${now}) returning id`.execute(db)
      ids[key] = rows[0]!.id
    }
    await building('b1', ids.C1G1!, 'residential')
    await building('b2', ids.C1G2!, 'residential')
    await building('b3', ids.C2G1!, 'residential')
    await building('b4', ids.C2G1!, 'commercial')
    await db
      .insertInto('party_organisation_building')
      .values({ organisation_id: ids.oCompound!, building_id: ids.b1!, area_id: ids.C1! })
      .execute()

    const people = await sql<{ id: number }>`select id from person
      where id not in (select person_id from party_member where status = 'active')
        and id not in (select person_id from volunteer)
      order by id limit 4`.execute(db)
    const member = async (
      key: string,
      person: number,
      o: string,
      area: number,
      standing: 'full' | 'probationary',
      left = false,
    ) => {
      const row = await db
        .insertInto('party_member')
        .values({
          person_id: person,
          organisation_id: ids[o]!,
          area_id: area,
          district_id: d,
          role: 'member',
          standing,
          joined_on: '2020-07-01',
          workplace_kind: 'other',
          status: left ? 'left' : 'active',
          left_on: left ? '2026-06-01' : null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[key] = row.id
    }
    const [p1, p2, p3, p4] = people.rows.map((r) => r.id)
    await member('m1', p1!, 'oC1', ids.C1!, 'full')
    await member('m2', p2!, 'oG1', ids.C1G1!, 'probationary')
    await member('m3', p3!, 'oS', ids.S!, 'full', true)
    await member('m4', p4!, 'oCompound', ids.C1!, 'full')

    const staff = await db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()
    const volunteer = async (key: string, person: number) => {
      const row = await db
        .insertInto('volunteer')
        .values({
          person_id: person,
          area_id: ids.C2!,
          district_id: d,
          registered_by: staff.id,
          status: 'active',
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[key] = row.id
    }
    await volunteer('v1', p1!)
    await volunteer('v2', p2!)
    const report = async (member: string, area: number, v: string, withdrawnOn: string | null) =>
      db
        .insertInto('party_member_report')
        .values({
          member_id: ids[member]!,
          area_id: area,
          district_id: d,
          reported_on: '2026-09-01',
          service_post: 'elderly_care',
          volunteer_id: ids[v]!,
          status: withdrawnOn ? 'withdrawn' : 'active',
          withdrawn_on: withdrawnOn,
          created_at: now,
          updated_at: now,
        })
        .execute()
    await report('m1', ids.C2!, 'v1', null)
    await report('m2', ids.C1!, 'v2', '2026-12-01')
    const activities = await sql<{ id: number }>`select id from volunteer_activity order by id limit 3`.execute(db)
    const earn = (v: string, activity: number, hours: number, at: string) =>
      db
        .insertInto('time_bank_entry')
        .values({
          volunteer_id: ids[v]!,
          area_id: ids.C2!,
          kind: 'earned',
          hours,
          activity_id: activity,
          created_at: new Date(at),
        })
        .execute()
    const [a1, a2, a3] = activities.rows.map((r) => r.id)
    await earn('v1', a1!, 3, '2027-01-10T03:00:00Z')
    // 2027-03-31 23:30 in Beijing: still in the period.
    await earn('v1', a2!, 2, '2027-03-31T15:30:00Z')
    // 23:59 on 31 December in Beijing: before it.
    await earn('v1', a3!, 4, '2026-12-31T15:59:00Z')
    await earn('v2', a1!, 5, '2027-02-10T03:00:00Z')

    const agreement = async (key: string, area: number, status: 'active' | 'ended') => {
      const row = await db
        .insertInto('cobuild_agreement')
        .values({
          area_id: area,
          district_id: d,
          unit_kind: 'school',
          unit_name: `统计学校${key}`,
          signed_on: '2026-01-01',
          ends_on: status === 'ended' ? '2026-12-31' : null,
          status,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[key] = row.id
    }
    await agreement('g1', ids.C1!, 'active')
    await agreement('g2', ids.C2!, 'ended')
    const item = async (
      list: 'need' | 'resource' | 'project',
      status: 'matched' | 'in_progress' | 'done',
      doneOn: string | null,
      links: { need?: number; resource?: number } = {},
    ) =>
      (
        await db
          .insertInto('cobuild_item')
          .values({
            area_id: ids.C1!,
            district_id: d,
            list,
            agreement_id: ids.g1!,
            topic: 'elderly_care',
            title: `统计${list}`,
            description: '统计用',
            status,
            need_id: links.need ?? null,
            resource_id: links.resource ?? null,
            done_on: doneOn,
            created_at: now,
            updated_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id
    for (const doneOn of ['2027-02-10', '2026-12-20', null]) {
      const need = await item('need', doneOn ? 'done' : 'matched', doneOn)
      const resource = await item('resource', 'matched', null)
      await item('project', doneOn ? 'done' : 'in_progress', doneOn, { need, resource })
    }

    // Three cases of our own: copies of a demo case (the demo's cases may have members on them).
    const { rows: cols } = await sql<{ name: string }>`select column_name as name from information_schema.columns
      where table_name = 'cases' and table_schema = current_schema() and column_name not in ('id', 'tracking_code')
        and is_generated = 'NEVER' order by ordinal_position`.execute(db)
    const list = sql.raw(cols.map((c) => `"${c.name}"`).join(', '))
    const copyCase = async (n: number) =>
      (
        await sql<{ id: number }>`insert into cases (tracking_code, ${list})
          select ${`${tag}-K${n}`}, ${list} from cases order by id limit 1 returning id`.execute(db)
      ).rows[0]!.id
    const [k1, k2, k3] = [await copyCase(1), await copyCase(2), await copyCase(3)]
    const moveCase = (k: number, grid: number, state: string) =>
      sql`update cases set area_id = ${grid}, state = ${state} where id = ${k}`.execute(db)
    await moveCase(k1!, ids.C1G1!, 'closed')
    await moveCase(k2!, ids.C2G1!, 'in_progress')
    await moveCase(k3!, ids.C1G2!, 'closed')
    const assign = (member: string, k: number, area: number, at: string, ended: string | null) =>
      db
        .insertInto('party_assignment')
        .values({
          member_id: ids[member]!,
          case_id: k,
          area_id: area,
          district_id: d,
          assigned_at: new Date(at),
          ended_at: ended ? new Date(ended) : null,
        })
        .execute()
    await assign('m1', k1!, ids.C1G1!, '2027-02-01T02:00:00Z', null)
    await assign('m4', k2!, ids.C2G1!, '2027-03-01T02:00:00Z', '2027-03-05T02:00:00Z')
    await assign('m2', k3!, ids.C1G2!, '2026-11-01T02:00:00Z', '2026-12-01T02:00:00Z')
  }, 180_000)
  afterAll(async () => p?.close())

  it('counts the street and each community by hand', async () => {
    const token = await tokenFor(p.app, 'admin')
    const res = await call(p.app, 'GET', `/api/v1/party/stats?areaId=${ids.S}&from=2027-01-01&to=2027-03-31`, {
      token,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ from: '2027-01-01', to: '2027-03-31', area: { id: ids.S, level: 'street' } })
    expect(res.body.figures).toEqual({
      organisations: 4,
      committees: 1,
      generalBranches: 1,
      branches: 1,
      groups: 1,
      members: 3,
      probationary: 1,
      communitiesWithout: 1,
      gridsWithout: 2,
      buildingsUncovered: 2,
      membersReported: 1,
      serviceHours: 5,
      agreementsActive: 1,
      projectsDone: 1,
      casesWithMember: 2,
      casesClosed: 1,
    })
    const byId = new Map(res.body.children.map((c: { area: { id: number } }) => [c.area.id, c]))
    expect(res.body.children).toHaveLength(2)
    expect((byId.get(ids.C1) as { figures: unknown }).figures).toEqual({
      organisations: 3,
      committees: 0,
      generalBranches: 1,
      branches: 1,
      groups: 1,
      members: 3,
      probationary: 1,
      communitiesWithout: 0,
      gridsWithout: 1,
      buildingsUncovered: 1,
      membersReported: 0,
      serviceHours: 0,
      agreementsActive: 1,
      projectsDone: 1,
      casesWithMember: 1,
      casesClosed: 1,
    })
    expect((byId.get(ids.C2) as { figures: unknown }).figures).toEqual({
      organisations: 0,
      committees: 0,
      generalBranches: 0,
      branches: 0,
      groups: 0,
      members: 0,
      probationary: 0,
      communitiesWithout: 1,
      gridsWithout: 1,
      buildingsUncovered: 1,
      membersReported: 1,
      serviceHours: 5,
      agreementsActive: 0,
      projectsDone: 0,
      casesWithMember: 1,
      casesClosed: 0,
    })
  })

  it('moves with the period', async () => {
    const token = await tokenFor(p.app, 'admin')
    const res = await call(p.app, 'GET', `/api/v1/party/stats?areaId=${ids.S}&from=2026-11-15&to=2026-12-31`, {
      token,
    })
    expect(res.status).toBe(200)
    // v1's 4 h (31 December in Beijing; v2's report was live until 1 December but earned nothing
    // then); the project done on 20 December; k3's assignment was live until 1 December.
    expect(res.body.figures).toMatchObject({ serviceHours: 4, projectsDone: 1, casesWithMember: 1, casesClosed: 1 })
  })

  it('is for the party readers over the area; the period must make sense', async () => {
    const staff = await tokenFor(p.app, 'guihua.staff')
    const denied = await call(p.app, 'GET', `/api/v1/party/stats?areaId=${ids.S}`, { token: staff })
    expect(denied.status).toBe(403)
    const cuizhu = await call(p.app, 'GET', `/api/v1/party/stats?areaId=${await areaId(p, 'JZ-QH-01-01')}`, {
      token: await tokenFor(p.app, 'cuizhu.staff'),
    })
    expect(cuizhu.status).toBe(403)
    const resident = await call(p.app, 'GET', '/api/v1/party/stats', {
      token: await tokenFor(p.app, 'guihua.resident'),
    })
    expect(resident.status).toBe(403)
    // Without an area: the caller's own (the community), with its grids as children.
    const own = await call(p.app, 'GET', '/api/v1/party/stats', { token: staff })
    expect(own.status).toBe(200)
    expect(own.body.area.code).toBe('JZ-QH-01-01')
    expect(own.body.children.length).toBeGreaterThan(0)
    expect(own.body.children.every((c: { area: { level: string } }) => c.area.level === 'grid')).toBe(true)
    expect(own.body).toMatchObject({ from: '2027-01-01', to: '2027-04-02' })
    const grid = await call(p.app, 'GET', '/api/v1/party/stats', { token: await tokenFor(p.app, 'guihua.grid') })
    expect(grid.status).toBe(200)
    expect(grid.body.area.code).toBe('JZ-QH-01-01-G01')
    const yearZero = await call(p.app, 'GET', '/api/v1/party/stats?from=0000-01-01', { token: staff })
    expect(yearZero.status).toBe(400)
    const backwards = await call(p.app, 'GET', '/api/v1/party/stats?from=2027-03-01&to=2027-02-01', { token: staff })
    expect(backwards.status).toBe(400)
    expect(backwards.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'to' })
  })
})
