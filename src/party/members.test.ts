import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

const DAY = 86_400_000
let serial = 0
const code = (prefix: string) => `T-${prefix}-${Date.now().toString(36)}-${++serial}`

describe.each(backends())('party members on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let guihua = 0
  let cuizhu = 0
  let g01 = 0
  let org = 0
  let cuizhuOrg = 0
  const db = () => p.database.db

  /** An organisation in a community, as the owner (the organisations part builds the real ones). */
  const organisation = async (area: number, name: string) =>
    (
      await db()
        .insertInto('party_organisation')
        .values({
          code: code('PO'),
          name,
          kind: 'branch',
          sector: 'area',
          area_id: area,
          district_id: sql<number>`null`,
          status: 'active',
          created_at: p.clock.now(),
          updated_at: p.clock.now(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id

  /** An active adult of the community who is no party member yet. */
  const freshPerson = async (community: number, skip: number[] = [], notInArea = 0) => {
    const { rows } = await sql<{ id: number; name: string; area_id: number; id_number_masked: string }>`
      select p.id, p.name, p.area_id, p.id_number_masked from person p join area a on a.id = p.area_id
      where a.path like (select path from area where id = ${community}) || '%' and p.status = 'active'
        and p.birth_date < date '2000-01-01'
        and not exists (select 1 from party_member m where m.person_id = p.id)
        and not exists (select 1 from volunteer v where v.person_id = p.id)
        and not (p.id = any(${skip}::bigint[])) and p.area_id <> ${notInArea}
      order by p.id limit 1`.execute(db())
    return rows[0]!
  }

  const register = (token: string, body: Record<string, unknown>) =>
    call(p.app, 'POST', '/api/v1/party/members', { token, body })
  const memberBody = (personId: number, organisationId = org) => ({
    personId,
    organisationId,
    role: 'member',
    standing: 'full',
    joinedOn: '2015-07-01',
    workplaceKind: 'enterprise',
  })

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    for (const u of ['guihua.staff', 'guihua.leader', 'guihua.grid', 'guihua.handler', 'cuizhu.staff'])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    g01 = await areaId(p, 'JZ-QH-01-01-G01')
    org = await organisation(guihua, '桂花测试党支部')
    cuizhuOrg = await organisation(cuizhu, '翠竹测试党支部')
  })
  afterAll(async () => {
    await p?.close()
  })

  it('the demo has members in 桂花 and 翠竹: secretaries, probationers, reports with hours, work on grids and cases', async () => {
    const { rows } = await sql<{ code: string; n: number; secretaries: number; probationary: number }>`
      select c.code, count(*)::int as n,
             count(*) filter (where m.role = 'secretary' and o.code = 'PO-' || c.code)::int as secretaries,
             count(*) filter (where m.standing = 'probationary')::int as probationary
      from party_member m join party_organisation o on o.id = m.organisation_id
      join area c on c.level = 'community' and (select path from area where id = m.area_id) like c.path || '%'
      where m.status = 'active' and c.code in ('JZ-QH-01-01', 'JZ-QH-02-01')
      group by c.code order by c.code`.execute(db())
    expect(rows.map((r) => r.code)).toEqual(['JZ-QH-01-01', 'JZ-QH-02-01'])
    for (const r of rows) {
      expect(r.n).toBeGreaterThanOrEqual(15)
      expect(r.secretaries).toBe(1)
      expect(r.probationary).toBeGreaterThanOrEqual(1)
    }
    const board = await call(p.app, 'GET', `/api/v1/party/reports?areaId=${guihua}`, { token: t['guihua.staff'] })
    expect(board.body.total).toBeGreaterThanOrEqual(5)
    expect(board.body.items.filter((r: { hoursSince: number }) => r.hoursSince > 0).length).toBeGreaterThanOrEqual(3)
    const { rows: work } = await sql<{ grids: number; cases: number }>`
      select count(grid_id)::int as grids, count(case_id)::int as cases from party_assignment x
      join area a on a.id = x.area_id
      where x.ended_at is null and a.path like (select path from area where id = ${guihua}) || '%'`.execute(db())
    expect(work[0]!.grids).toBeGreaterThanOrEqual(2)
    expect(work[0]!.cases).toBeGreaterThanOrEqual(1)
  })

  it('registers a registry person as a member: masked to those outside the registry, never an ID number', async () => {
    // Someone who lives outside G01, guihua.grid's grid.
    const person = await freshPerson(guihua, [], g01)
    const res = await register(t['guihua.staff']!, memberBody(person.id))
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body).toMatchObject({
      personId: person.id,
      name: person.name,
      organisation: { id: org, name: '桂花测试党支部' },
      role: 'member',
      standing: 'full',
      status: 'active',
      reportedTo: null,
      liveAssignments: 0,
      canManage: true,
    })
    expect(res.body.age).toBeGreaterThanOrEqual(26)
    const list = await call(p.app, 'GET', `/api/v1/party/members?organisationId=${org}`, { token: t['guihua.staff'] })
    expect(list.status).toBe(200)
    const item = list.body.items.find((m: { id: number }) => m.id === res.body.id)
    expect(item.name).toBe(person.name)
    const text = JSON.stringify(list.body)
    expect(text).not.toContain(person.id_number_masked)
    expect(text).not.toMatch(/\d{17}[\dX]/)
    // A name search finds the person by the start of their name.
    const found = await call(
      p.app,
      'GET',
      `/api/v1/party/members?q=${encodeURIComponent(person.name.slice(0, 1))}&organisationId=${org}`,
      { token: t['guihua.staff'] },
    )
    expect(found.body.items.map((m: { id: number }) => m.id)).toContain(res.body.id)
    // The street's leader reads the community's members; a grid worker of another grid reads the
    // branch but not the registry person: the name is masked and the age withheld.
    const asGrid = await call(p.app, 'GET', `/api/v1/party/members/${res.body.id}`, { token: t['guihua.grid'] })
    expect(asGrid.status).toBe(200)
    expect(asGrid.body.name).toBe(`${[...person.name][0]}${'*'.repeat([...person.name].length - 1)}`)
    expect(asGrid.body.name).not.toBe(person.name)
    expect(asGrid.body.age).toBeNull()
    expect(JSON.stringify(asGrid.body)).not.toContain(person.id_number_masked)
    // Audited.
    const audit = await db()
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'party_member')
      .where('entity_id', '=', String(res.body.id))
      .execute()
    expect(audit.map((a) => a.action)).toContain('party.member.create')
  })

  it('refuses an unknown, foreign or deceased person (422 personId) and a second membership (409)', async () => {
    const unknown = await register(t['guihua.staff']!, memberBody(2_000_000_000))
    expect(unknown.status).toBe(422)
    expect(unknown.body.error).toMatchObject({ code: 'PARTY_MEMBER_PERSON_INVALID', field: 'personId' })
    const foreign = await freshPerson(cuizhu)
    const other = await register(t['guihua.staff']!, memberBody(foreign.id))
    expect(other.status).toBe(422)
    expect(other.body.error).toMatchObject({ code: 'PARTY_MEMBER_PERSON_INVALID', field: 'personId' })
    const dead = await freshPerson(guihua)
    await db()
      .updateTable('person')
      .set({ status: 'deceased', died_on: '2026-10-01' })
      .where('id', '=', dead.id)
      .execute()
    const deceased = await register(t['guihua.staff']!, memberBody(dead.id))
    expect(deceased.status).toBe(422)
    expect(deceased.body.error).toMatchObject({ code: 'PARTY_MEMBER_PERSON_INVALID', field: 'personId' })
    expect(
      await db().selectFrom('party_member').select('id').where('person_id', 'in', [dead.id, foreign.id]).execute(),
    ).toEqual([])

    const person = await freshPerson(guihua, [dead.id])
    expect((await register(t['guihua.staff']!, memberBody(person.id))).status).toBe(201)
    const again = await register(t['guihua.leader']!, memberBody(person.id))
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('PARTY_MEMBER_ALREADY')
    // Another community's organisation is not the caller's to keep; a grid worker keeps none.
    const next = await freshPerson(guihua, [dead.id, person.id])
    const notMine = await register(t['guihua.staff']!, memberBody(next.id, cuizhuOrg))
    expect(notMine.status).toBe(404)
    expect(notMine.body.error.code).toBe('PARTY_ORGANISATION_NOT_FOUND')
    expect((await register(t['guihua.grid']!, memberBody(next.id))).status).toBe(403)
  })

  it('reports a member to the community: a volunteer record linked, hours after reporting counted', async () => {
    const person = await freshPerson(guihua)
    const member = (await register(t['guihua.staff']!, memberBody(person.id))).body
    const now = p.clock.now()
    const report = await call(p.app, 'POST', `/api/v1/party/members/${member.id}/reports`, {
      token: t['guihua.staff'],
      body: { servicePost: 'elderly_care', note: '周末可服务' },
    })
    expect(report.status, JSON.stringify(report.body)).toBe(201)
    expect(report.body).toMatchObject({
      memberId: member.id,
      community: { id: guihua },
      servicePost: 'elderly_care',
      status: 'active',
      hoursSince: 0,
    })
    const volunteer = await db()
      .selectFrom('volunteer')
      .selectAll()
      .where('person_id', '=', person.id)
      .executeTakeFirstOrThrow()
    expect(report.body.volunteerId).toBe(volunteer.id)
    expect(volunteer.skills).toEqual(['elderly_care'])

    // Hours earned at an activity before reporting do not count; those after do.
    const staffId = (
      await db().selectFrom('app_user').select('id').where('username', '=', 'guihua.staff').executeTakeFirstOrThrow()
    ).id
    const credit = async (at: Date, hours: number, title: string) => {
      const a = await db()
        .insertInto('volunteer_activity')
        .values({
          area_id: guihua,
          kind: 'elderly_care',
          title,
          description: '测试活动',
          place: '桂花社区',
          starts_at: new Date(at.getTime() - hours * 3_600_000),
          ends_at: at,
          capacity: 10,
          signed_up: 1,
          status: 'finished',
          checkin_secret: randomBytes(32),
          created_by: staffId,
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await db()
        .insertInto('activity_signup')
        .values({
          activity_id: a.id,
          volunteer_id: volunteer.id,
          area_id: guihua,
          status: 'checked_out',
          signed_up_at: at,
          hours,
          credited_at: at,
        })
        .execute()
      await db()
        .insertInto('time_bank_entry')
        .values({
          volunteer_id: volunteer.id,
          area_id: guihua,
          kind: 'earned',
          hours,
          activity_id: a.id,
          created_by: staffId,
          created_at: at,
        })
        .execute()
    }
    await credit(new Date(now.getTime() - 10 * DAY), 5, '报到前的活动')
    await credit(new Date(now.getTime() + 2 * DAY), 3, '报到后的敬老活动')
    const board = await call(p.app, 'GET', `/api/v1/party/reports?areaId=${guihua}`, { token: t['guihua.staff'] })
    expect(board.status).toBe(200)
    const row = board.body.items.find((r: { id: number }) => r.id === report.body.id)
    expect(row).toMatchObject({ hoursSince: 3, name: person.name, servicePost: 'elderly_care' })

    const detail = await call(p.app, 'GET', `/api/v1/party/members/${member.id}`, { token: t['guihua.staff'] })
    expect(detail.status).toBe(200)
    expect(detail.body.reportedTo).toEqual({ id: guihua, name: expect.any(String) })
    expect(detail.body.reports).toHaveLength(1)
    expect(detail.body.service).toMatchObject({ volunteerId: volunteer.id, hoursTotal: 8 })
    expect(detail.body.service.activities.map((a: { title: string }) => a.title)).toEqual([
      '报到后的敬老活动',
      '报到前的活动',
    ])
    const reported = await call(p.app, 'GET', `/api/v1/party/members?reported=true&organisationId=${org}`, {
      token: t['guihua.staff'],
    })
    expect(reported.body.items.map((m: { id: number }) => m.id)).toContain(member.id)
    const unreported = await call(p.app, 'GET', `/api/v1/party/members?reported=false&organisationId=${org}`, {
      token: t['guihua.staff'],
    })
    expect(unreported.body.items.map((m: { id: number }) => m.id)).not.toContain(member.id)

    // One active report; another community is not where the member lives.
    const twice = await call(p.app, 'POST', `/api/v1/party/members/${member.id}/reports`, {
      token: t['guihua.staff'],
      body: { servicePost: 'culture' },
    })
    expect(twice.status).toBe(409)
    expect(twice.body.error.code).toBe('PARTY_MEMBER_ALREADY')

    // Withdrawn with the version read; a stale version is refused.
    const stale = await call(p.app, 'PATCH', `/api/v1/party/reports/${report.body.id}`, {
      token: t['guihua.staff'],
      body: { version: report.body.version + 1 },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe('PARTY_VERSION_CONFLICT')
    const withdrawn = await call(p.app, 'PATCH', `/api/v1/party/reports/${report.body.id}`, {
      token: t['guihua.staff'],
      body: { version: report.body.version },
    })
    expect(withdrawn.status).toBe(200)
    expect(withdrawn.body.status).toBe('withdrawn')
    // Reporting again links the same volunteer record: no second ledger.
    const again = await call(p.app, 'POST', `/api/v1/party/members/${member.id}/reports`, {
      token: t['guihua.staff'],
      body: { communityId: guihua, servicePost: 'culture' },
    })
    expect(again.status).toBe(201)
    expect(again.body.volunteerId).toBe(volunteer.id)
    expect(await db().selectFrom('volunteer').select('id').where('person_id', '=', person.id).execute()).toHaveLength(1)
    // A community elsewhere, or an area that is no community, is refused naming the field.
    const member2 = (await register(t['guihua.staff']!, memberBody((await freshPerson(guihua)).id))).body
    for (const communityId of [cuizhu, g01]) {
      const bad = await call(p.app, 'POST', `/api/v1/party/members/${member2.id}/reports`, {
        token: t['guihua.staff'],
        body: { communityId, servicePost: 'culture' },
      })
      expect(bad.status).toBe(400)
      expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'communityId' })
    }
  })

  it('assigns a member to a grid and to an open case; refuses a duplicate and a closed case', async () => {
    const member = (await register(t['guihua.staff']!, memberBody((await freshPerson(guihua)).id))).body
    const assign = (body: Record<string, unknown>) =>
      call(p.app, 'POST', `/api/v1/party/members/${member.id}/assignments`, { token: t['guihua.staff'], body })
    const grid = await assign({ gridId: g01, note: '下沉网格' })
    expect(grid.status, JSON.stringify(grid.body)).toBe(201)
    expect(grid.body).toMatchObject({ grid: { id: g01 }, case: null, endedAt: null, member: { id: member.id } })
    const dup = await assign({ gridId: g01 })
    expect(dup.status).toBe(409)
    const notGrid = await assign({ gridId: guihua })
    expect(notGrid.status).toBe(422)
    expect(notGrid.body.error).toMatchObject({ code: 'PARTY_ASSIGNMENT_INVALID', field: 'gridId' })
    const both = await assign({ gridId: g01, caseId: 1 })
    expect(both.status).toBe(422)
    expect(both.body.error.code).toBe('PARTY_ASSIGNMENT_INVALID')

    const { rows: open } = await sql<{ id: number; tracking_code: string }>`
      select c.id, c.tracking_code from cases c join area a on a.id = c.area_id
      where a.path like (select path from area where id = ${guihua}) || '%'
        and c.state in ('accepted', 'dispatched', 'in_progress', 'submitted')
      order by c.id limit 2`.execute(db())
    expect(open.length).toBe(2)
    const onCase = await assign({ caseId: open[0]!.id, note: '党员领办' })
    expect(onCase.status, JSON.stringify(onCase.body)).toBe(201)
    expect(onCase.body.case).toMatchObject({ id: open[0]!.id, trackingCode: open[0]!.tracking_code })
    expect((await assign({ caseId: open[0]!.id })).status).toBe(409)
    const byCode = await assign({ caseCode: open[1]!.tracking_code })
    expect(byCode.status).toBe(201)
    expect(byCode.body.case.id).toBe(open[1]!.id)

    // A closed case is finished: nobody takes it on.
    await db()
      .updateTable('cases')
      .set({ state: 'closed', closed_at: p.clock.now() })
      .where('id', '=', open[1]!.id)
      .execute()
    const other = (await register(t['guihua.staff']!, memberBody((await freshPerson(guihua)).id))).body
    const closed = await call(p.app, 'POST', `/api/v1/party/members/${other.id}/assignments`, {
      token: t['guihua.staff'],
      body: { caseId: open[1]!.id },
    })
    expect(closed.status).toBe(422)
    expect(closed.body.error).toMatchObject({ code: 'PARTY_ASSIGNMENT_INVALID', field: 'caseId' })
    // A case of another community is not one the caller sees.
    const { rows: foreign } = await sql<{ id: number }>`
      select c.id from cases c join area a on a.id = c.area_id
      where a.path like (select path from area where id = ${cuizhu}) || '%' order by c.id limit 1`.execute(db())
    if (foreign[0]) {
      const far = await assign({ caseId: foreign[0].id })
      expect(far.status).toBe(422)
      expect(far.body.error.field).toBe('caseId')
    }

    // The case page's mark: the party members on the case.
    const onIt = await call(p.app, 'GET', `/api/v1/party/assignments?caseId=${open[0]!.id}`, {
      token: t['guihua.staff'],
    })
    expect(onIt.status).toBe(200)
    expect(onIt.body.items.map((a: { member: { id: number } }) => a.member.id)).toContain(member.id)
    const detail = await call(p.app, 'GET', `/api/v1/party/members/${member.id}`, { token: t['guihua.staff'] })
    expect(detail.body.liveAssignments).toBe(3)
    expect(detail.body.assignments).toHaveLength(3)

    // Ended: off the case's list, once.
    const end = await call(p.app, 'PATCH', `/api/v1/party/assignments/${onCase.body.id}`, {
      token: t['guihua.staff'],
      body: { ended: true },
    })
    expect(end.status).toBe(200)
    expect(end.body.endedAt).not.toBeNull()
    const endAgain = await call(p.app, 'PATCH', `/api/v1/party/assignments/${onCase.body.id}`, {
      token: t['guihua.staff'],
      body: { ended: true },
    })
    expect(endAgain.status).toBe(409)
    const after = await call(p.app, 'GET', `/api/v1/party/assignments?caseId=${open[0]!.id}`, {
      token: t['guihua.staff'],
    })
    expect(after.body.items.map((a: { member: { id: number } }) => a.member.id)).not.toContain(member.id)
    // Grid workers read it, a department handler does not reach the party's records.
    expect(
      (await call(p.app, 'GET', `/api/v1/party/assignments?gridId=${g01}`, { token: t['guihua.grid'] })).status,
    ).toBe(200)
    expect(
      (await call(p.app, 'GET', `/api/v1/party/assignments?caseId=${open[0]!.id}`, { token: t['guihua.handler'] }))
        .status,
    ).toBe(403)
  })

  it('keeps members to their branch (cuizhu reads none of guihua’s) and changes them by version', async () => {
    const member = (await register(t['guihua.staff']!, memberBody((await freshPerson(guihua)).id))).body
    const foreign = await call(p.app, 'GET', `/api/v1/party/members/${member.id}`, { token: t['cuizhu.staff'] })
    expect(foreign.status).toBe(404)
    const list = await call(p.app, 'GET', '/api/v1/party/members?pageSize=500', { token: t['cuizhu.staff'] })
    expect(list.status).toBe(200)
    expect(list.body.items.map((m: { id: number }) => m.id)).not.toContain(member.id)
    const patchForeign = await call(p.app, 'PATCH', `/api/v1/party/members/${member.id}`, {
      token: t['cuizhu.staff'],
      body: { version: member.version, role: 'secretary' },
    })
    expect(patchForeign.status).toBe(404)

    const stale = await call(p.app, 'PATCH', `/api/v1/party/members/${member.id}`, {
      token: t['guihua.staff'],
      body: { version: member.version + 1, role: 'secretary' },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe('PARTY_VERSION_CONFLICT')
    const changed = await call(p.app, 'PATCH', `/api/v1/party/members/${member.id}`, {
      token: t['guihua.staff'],
      body: { version: member.version, role: 'deputy_secretary', standing: 'probationary' },
    })
    expect(changed.status).toBe(200)
    expect(changed.body).toMatchObject({
      role: 'deputy_secretary',
      standing: 'probationary',
      version: member.version + 1,
    })
    // Leaving ends what the member was doing.
    await call(p.app, 'POST', `/api/v1/party/members/${member.id}/assignments`, {
      token: t['guihua.staff'],
      body: { gridId: g01 },
    })
    const noDate = await call(p.app, 'PATCH', `/api/v1/party/members/${member.id}`, {
      token: t['guihua.staff'],
      body: { version: changed.body.version, status: 'left' },
    })
    expect(noDate.status).toBe(400)
    expect(noDate.body.error.field).toBe('leftOn')
    const left = await call(p.app, 'PATCH', `/api/v1/party/members/${member.id}`, {
      token: t['guihua.staff'],
      body: { version: changed.body.version, status: 'left', leftOn: '2026-11-01' },
    })
    expect(left.status).toBe(200)
    expect(left.body).toMatchObject({ status: 'left', leftOn: '2026-11-01', liveAssignments: 0 })
    const active = await call(p.app, 'GET', `/api/v1/party/members?organisationId=${org}`, { token: t['guihua.staff'] })
    expect(active.body.items.map((m: { id: number }) => m.id)).not.toContain(member.id)
  })
})
