import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { actorForUser } from '../accounts/service.js'
import { inScope } from '../core/scope.js'
import { buildCheckList } from './checks.js'
import { defaultCheckTags } from './common.js'
import { seedTasksDemo } from './response-demo.js'

/** An active incident over some grids, inserted with owner rights (the declare use case is the incidents part's). */
async function insertIncident(
  p: TestPlatform,
  o: {
    community: string
    grids: string[]
    commander: string
    status?: 'active' | 'closed'
    title?: string
    kind?: 'flood' | 'heatwave'
    drill?: boolean
  },
): Promise<number> {
  const db = p.database.db
  const now = p.clock.now()
  const area = await db
    .selectFrom('area')
    .select(['id', 'path'])
    .where('code', '=', o.community)
    .executeTakeFirstOrThrow()
  const commander = await db
    .selectFrom('app_user')
    .select('id')
    .where('username', '=', o.commander)
    .executeTakeFirstOrThrow()
  const closed = o.status === 'closed'
  const row = await db
    .insertInto('incident')
    .values({
      reference: `T-${Math.random().toString(36).slice(2, 10)}`,
      area_id: area.id,
      district_id: Number(area.path.split('/').filter(Boolean)[1] ?? area.id),
      kind: o.kind ?? 'flood',
      drill: o.drill ?? false,
      level: 4,
      title: o.title ?? '测试：暴雨内涝应急响应',
      description: '测试用的应急事件',
      commander_id: commander.id,
      status: closed ? 'closed' : 'active',
      check_tags: [...defaultCheckTags],
      summary: closed ? '已结束' : null,
      declared_by: commander.id,
      declared_at: now,
      closed_at: closed ? now : null,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const grids = await db.selectFrom('area').select('id').where('code', 'in', o.grids).execute()
  await db
    .insertInto('incident_grid')
    .values(grids.map((g) => ({ incident_id: row.id, area_id: g.id })))
    .execute()
  await buildCheckList(
    db as never,
    row.id,
    grids.map((g) => g.id),
    defaultCheckTags,
    now,
  )
  return row.id
}

describe.each(backends())('responders, tasks, resources and shelters on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  const users: Record<string, number> = {}
  let incident = 0
  let cuizhuIncident = 0
  let guihua = 0
  let cuizhu = 0

  const logCount = async (id: number, kind?: string) => {
    let q = p.database.db
      .selectFrom('incident_log')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('incident_id', '=', id)
    if (kind) q = q.where('kind', '=', kind)
    return (await q.executeTakeFirstOrThrow()).n
  }
  const available = async (id: number) =>
    (
      await p.database.db
        .selectFrom('emergency_resource')
        .select('available')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).available
  const occupancy = async (id: number) =>
    (
      await p.database.db
        .selectFrom('emergency_shelter')
        .select('occupancy')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).occupancy

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-07-20T02:00:00Z')
    for (const u of [
      'guihua.leader',
      'guihua.staff',
      'guihua.grid',
      'guihua.resident',
      'guihua.handler',
      'cuizhu.staff',
      'gh.neighbour01',
    ]) {
      t[u] = await tokenFor(p.app, u)
      users[u] = (
        await p.database.db.selectFrom('app_user').select('id').where('username', '=', u).executeTakeFirstOrThrow()
      ).id
    }
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    incident = await insertIncident(p, {
      community: 'JZ-QH-01-01',
      grids: ['JZ-QH-01-01-G01', 'JZ-QH-01-01-G02', 'JZ-QH-01-01-G03'],
      commander: 'guihua.leader',
    })
    cuizhuIncident = await insertIncident(p, {
      community: 'JZ-QH-02-01',
      grids: ['JZ-QH-02-01-G01'],
      commander: 'cuizhu.leader',
    })
  }, 120_000)
  afterAll(async () => p?.close())

  describe('resources and allocations', () => {
    let sandbags = 0
    let allocation = 0

    it('staff of the area keep the inventory; others may not add to it', async () => {
      const made = await call(p.app, 'POST', '/api/v1/emergency/resources', {
        token: t['guihua.staff'],
        body: { areaId: guihua, kind: 'sandbags', name: '沙袋（测试）', unit: '袋', quantity: 10, place: '社区仓库' },
      })
      expect(made.status, JSON.stringify(made.body)).toBe(201)
      expect(made.body).toMatchObject({ quantity: 10, available: 10, canManage: true, areaId: guihua })
      sandbags = made.body.id
      const grid = await call(p.app, 'POST', '/api/v1/emergency/resources', {
        token: t['guihua.grid'],
        body: { areaId: guihua, kind: 'pump', name: '水泵', unit: '台', quantity: 1 },
      })
      expect(grid.status).toBe(403)
      const elsewhere = await call(p.app, 'POST', '/api/v1/emergency/resources', {
        token: t['cuizhu.staff'],
        body: { areaId: guihua, kind: 'pump', name: '水泵', unit: '台', quantity: 1 },
      })
      expect(elsewhere.status).toBe(403)
      const list = await call(p.app, 'GET', `/api/v1/emergency/resources?areaId=${guihua}&kind=sandbags`, {
        token: t['guihua.grid'],
      })
      expect(list.status).toBe(200)
      expect(list.body.items.map((r: { id: number }) => r.id)).toContain(sandbags)
      const other = await call(p.app, 'GET', '/api/v1/emergency/resources', { token: t['cuizhu.staff'] })
      expect(other.body.items.map((r: { id: number }) => r.id)).not.toContain(sandbags)
    })

    it('allocates from stock and refuses beyond it, naming quantity', async () => {
      const logs = await logCount(incident, 'resource_allocated')
      const ok = await call(p.app, 'POST', `/api/v1/incidents/${incident}/allocations`, {
        token: t['guihua.leader'],
        body: { resourceId: sandbags, quantity: 6 },
      })
      expect(ok.status, JSON.stringify(ok.body)).toBe(201)
      expect(ok.body).toMatchObject({ quantity: 6, returned: 0, out: 6, resourceName: '沙袋（测试）' })
      allocation = ok.body.id
      expect(await available(sandbags)).toBe(4)
      const beyond = await call(p.app, 'POST', `/api/v1/incidents/${incident}/allocations`, {
        token: t['guihua.leader'],
        body: { resourceId: sandbags, quantity: 5 },
      })
      expect(beyond.status).toBe(409)
      expect(beyond.body.error).toMatchObject({ code: 'RESOURCE_INSUFFICIENT', field: 'quantity' })
      expect(await available(sandbags)).toBe(4)
      expect(await logCount(incident, 'resource_allocated')).toBe(logs + 1)
      // Only the command allocates.
      const grid = await call(p.app, 'POST', `/api/v1/incidents/${incident}/allocations`, {
        token: t['guihua.grid'],
        body: { resourceId: sandbags, quantity: 1 },
      })
      expect(grid.status).toBe(403)
    })

    it('two allocations of the last units at once: one wins, stock never below zero', async () => {
      const both = await Promise.all(
        [1, 2].map(() =>
          call(p.app, 'POST', `/api/v1/incidents/${incident}/allocations`, {
            token: t['guihua.leader'],
            body: { resourceId: sandbags, quantity: 4 },
          }),
        ),
      )
      expect(both.map((r) => r.status).sort()).toEqual([201, 409])
      expect(both.find((r) => r.status === 409)!.body.error.code).toBe('RESOURCE_INSUFFICIENT')
      expect(await available(sandbags)).toBe(0)
      // Bypass the route's own check: the database refuses (the CHECK in the trigger's update), mapped to 409.
      const db = await call(p.app, 'POST', `/api/v1/incidents/${incident}/allocations`, {
        token: t['guihua.leader'],
        body: { resourceId: sandbags, quantity: 1 },
      })
      expect(db.status).toBe(409)
      await expect(
        p.database.db
          .insertInto('resource_allocation')
          .values({
            resource_id: sandbags,
            incident_id: incident,
            quantity: 1,
            allocated_by: users['guihua.leader']!,
            allocated_at: p.clock.now(),
          })
          .execute(),
      ).rejects.toMatchObject({ code: '23514' })
    })

    it('a return gives back, at most what is out; the quantity may not drop below what is out', async () => {
      const back = await call(p.app, 'POST', `/api/v1/incidents/${incident}/allocations/${allocation}/return`, {
        token: t['guihua.staff'],
        body: { quantity: 3 },
      })
      expect(back.status, JSON.stringify(back.body)).toBe(200)
      expect(back.body).toMatchObject({ returned: 3, out: 3 })
      expect(await available(sandbags)).toBe(3)
      const tooMuch = await call(p.app, 'POST', `/api/v1/incidents/${incident}/allocations/${allocation}/return`, {
        token: t['guihua.staff'],
        body: { quantity: 4 },
      })
      expect(tooMuch.status).toBe(400)
      expect(tooMuch.body.error.field).toBe('quantity')
      expect(await available(sandbags)).toBe(3)
      expect(await logCount(incident, 'resource_returned')).toBe(1)
      const r = await call(p.app, 'GET', `/api/v1/emergency/resources?areaId=${guihua}&kind=sandbags`, {
        token: t['guihua.staff'],
      })
      const res = r.body.items.find((x: { id: number }) => x.id === sandbags)
      expect(res).toMatchObject({ quantity: 10, available: 3 })
      // 7 are out: 6 is too few.
      const below = await call(p.app, 'PUT', `/api/v1/emergency/resources/${sandbags}`, {
        token: t['guihua.staff'],
        body: { version: res.version, kind: 'sandbags', name: '沙袋（测试）', unit: '袋', quantity: 6 },
      })
      expect(below.status).toBe(409)
      expect(below.body.error).toMatchObject({ code: 'RESOURCE_INSUFFICIENT', field: 'quantity' })
      const more = await call(p.app, 'PUT', `/api/v1/emergency/resources/${sandbags}`, {
        token: t['guihua.staff'],
        body: { version: res.version, kind: 'sandbags', name: '沙袋（测试）', unit: '袋', quantity: 20 },
      })
      expect(more.status).toBe(200)
      expect(more.body).toMatchObject({ quantity: 20, available: 13, version: res.version + 1 })
      const stale = await call(p.app, 'PUT', `/api/v1/emergency/resources/${sandbags}`, {
        token: t['guihua.staff'],
        body: { version: res.version, kind: 'sandbags', name: '沙袋', unit: '袋', quantity: 20 },
      })
      expect(stale.status).toBe(409)
      expect(stale.body.error.code).toBe('CONFLICT')
    })

    it('a resource of another branch is not allocated', async () => {
      const theirs = await call(p.app, 'POST', '/api/v1/emergency/resources', {
        token: t['cuizhu.staff'],
        body: { areaId: cuizhu, kind: 'boat', name: '冲锋舟', unit: '艘', quantity: 1 },
      })
      expect(theirs.status).toBe(201)
      const res = await call(p.app, 'POST', `/api/v1/incidents/${incident}/allocations`, {
        token: t['guihua.leader'],
        body: { resourceId: theirs.body.id, quantity: 1 },
      })
      expect(res.status).toBe(404)
      expect(res.body.error.code).toBe('RESOURCE_NOT_FOUND')
      const list = await call(p.app, 'GET', `/api/v1/incidents/${incident}/allocations`, { token: t['guihua.grid'] })
      expect(list.status).toBe(200)
      expect(list.body.items.map((a: { quantity: number }) => a.quantity).sort()).toEqual([4, 6])
    })
  })

  describe('shelters and check-ins', () => {
    let shelter = 0
    let personId = 0
    let personCheckin = 0

    it('a shelter starts on standby; check-ins are refused until it opens', async () => {
      const made = await call(p.app, 'POST', '/api/v1/emergency/shelters', {
        token: t['guihua.staff'],
        body: {
          areaId: guihua,
          name: '测试避难点',
          address: '桂花路1号',
          location: { lng: 112.24, lat: 30.33 },
          capacity: 5,
          facilities: ['water', 'cooling'],
        },
      })
      expect(made.status, JSON.stringify(made.body)).toBe(201)
      expect(made.body).toMatchObject({ status: 'standby', occupancy: 0, capacity: 5 })
      shelter = made.body.id
      const shut = await call(p.app, 'POST', `/api/v1/incidents/${incident}/shelters/${shelter}/checkins`, {
        token: t['guihua.grid'],
        body: { name: '王某', people: 1 },
      })
      expect(shut.status).toBe(409)
      expect(shut.body.error.code).toBe('SHELTER_NOT_OPEN')
      const grid = await call(p.app, 'POST', `/api/v1/emergency/shelters/${shelter}/status`, {
        token: t['guihua.grid'],
        body: { status: 'open' },
      })
      expect(grid.status).toBe(403)
      const open = await call(p.app, 'POST', `/api/v1/emergency/shelters/${shelter}/status`, {
        token: t['guihua.staff'],
        body: { status: 'open' },
      })
      expect(open.status).toBe(200)
      expect(open.body.status).toBe('open')
      expect(await logCount(incident, 'shelter_status')).toBe(1)
    })

    it('occupancy follows check-ins and check-outs; full and twice are refused', async () => {
      const person = await p.database.db
        .selectFrom('person')
        .select(['id', 'name'])
        .where('area_id', '=', await areaId(p, 'JZ-QH-01-01-G01'))
        .where('status', '=', 'active')
        .orderBy('id')
        .executeTakeFirstOrThrow()
      personId = person.id
      const family = await call(p.app, 'POST', `/api/v1/incidents/${incident}/shelters/${shelter}/checkins`, {
        token: t['guihua.grid'],
        headers: { 'idempotency-key': 'family-1' },
        body: { name: '王某一家', people: 2, note: '带一只猫' },
      })
      expect(family.status, JSON.stringify(family.body)).toBe(200)
      expect(family.body.occupancy).toBe(2)
      // A phone retrying the lost answer checks the family in once.
      const retry = await call(p.app, 'POST', `/api/v1/incidents/${incident}/shelters/${shelter}/checkins`, {
        token: t['guihua.grid'],
        headers: { 'idempotency-key': 'family-1' },
        body: { name: '王某一家', people: 2, note: '带一只猫' },
      })
      expect(retry.status).toBe(200)
      expect(await occupancy(shelter)).toBe(2)
      const one = await call(p.app, 'POST', `/api/v1/incidents/${incident}/shelters/${shelter}/checkins`, {
        token: t['guihua.staff'],
        body: { personId, people: 1 },
      })
      expect(one.status, JSON.stringify(one.body)).toBe(200)
      expect(one.body.occupancy).toBe(3)
      expect(await occupancy(shelter)).toBe(3)
      const row = one.body.occupants.find((o: { personId: number | null }) => o.personId === personId)
      expect(row.name).toBe(person.name)
      personCheckin = row.id
      const twice = await call(p.app, 'POST', `/api/v1/incidents/${incident}/shelters/${shelter}/checkins`, {
        token: t['guihua.staff'],
        body: { personId, people: 1 },
      })
      expect(twice.status).toBe(409)
      expect(twice.body.error).toMatchObject({ code: 'CONFLICT', field: 'personId' })
      const full = await call(p.app, 'POST', `/api/v1/incidents/${incident}/shelters/${shelter}/checkins`, {
        token: t['guihua.staff'],
        body: { name: '李某一家', people: 3 },
      })
      expect(full.status).toBe(409)
      expect(full.body.error.code).toBe('SHELTER_FULL')
      expect(await occupancy(shelter)).toBe(3)
      // The database refuses on its own too (the CHECK on occupancy inside the trigger).
      await expect(
        p.database.db
          .insertInto('shelter_checkin')
          .values({
            shelter_id: shelter,
            incident_id: incident,
            name: 'x',
            people: 3,
            checked_in_by: users['guihua.staff']!,
            checked_in_at: p.clock.now(),
          })
          .execute(),
      ).rejects.toMatchObject({ code: '23514' })
      const out = await call(
        p.app,
        'POST',
        `/api/v1/incidents/${incident}/shelters/${shelter}/checkins/${personCheckin}/checkout`,
        { token: t['guihua.grid'] },
      )
      expect(out.status).toBe(200)
      expect(out.body.occupancy).toBe(2)
      expect(out.body.occupants.map((o: { id: number }) => o.id)).not.toContain(personCheckin)
      expect(await occupancy(shelter)).toBe(2)
      const again = await call(
        p.app,
        'POST',
        `/api/v1/incidents/${incident}/shelters/${shelter}/checkins/${personCheckin}/checkout`,
        { token: t['guihua.grid'] },
      )
      expect(again.status).toBe(404)
      // After checking out they may come back.
      const back = await call(p.app, 'POST', `/api/v1/incidents/${incident}/shelters/${shelter}/checkins`, {
        token: t['guihua.staff'],
        body: { personId, people: 1 },
      })
      expect(back.status).toBe(200)
      expect(back.body.occupancy).toBe(3)
      expect(await logCount(incident, 'shelter_checkin')).toBe(3)
      expect(await logCount(incident, 'shelter_checkout')).toBe(1)
      // A shelter with people in stays open.
      const close = await call(p.app, 'POST', `/api/v1/emergency/shelters/${shelter}/status`, {
        token: t['guihua.staff'],
        body: { status: 'closed' },
      })
      expect(close.status).toBe(409)
    })

    it('the incident’s shelters show occupancy and who is in; others do not see them', async () => {
      const list = await call(p.app, 'GET', `/api/v1/incidents/${incident}/shelters`, { token: t['guihua.grid'] })
      expect(list.status).toBe(200)
      const s = list.body.items.find((x: { id: number }) => x.id === shelter)
      expect(s).toMatchObject({ occupancy: 3, capacity: 5 })
      expect(s.occupants.reduce((n: number, o: { people: number }) => n + o.people, 0)).toBe(3)
      const them = await call(p.app, 'GET', `/api/v1/incidents/${incident}/shelters`, { token: t['cuizhu.staff'] })
      expect(them.status).toBe(404)
      const theirCheckin = await call(
        p.app,
        'POST',
        `/api/v1/incidents/${cuizhuIncident}/shelters/${shelter}/checkins`,
        {
          token: t['guihua.staff'],
          body: { name: '某人', people: 1 },
        },
      )
      expect(theirCheckin.status).toBe(404)
    })
  })

  describe('responders and tasks', () => {
    let volunteerId = 0
    let task = 0

    it('enrols the volunteer for one grid: they read the incident and the check list of that grid only', async () => {
      const v = await p.database.db
        .selectFrom('volunteer')
        .select('id')
        .where('user_id', '=', users['guihua.resident']!)
        .executeTakeFirstOrThrow()
      volunteerId = v.id
      const before = await call(p.app, 'GET', `/api/v1/incidents/${incident}/tasks`, { token: t['guihua.resident'] })
      expect(before.status).toBe(404)
      // A grid of the incident with people on the check list.
      const g01 = (
        await p.database.db
          .selectFrom('incident_check')
          .select('area_id')
          .where('incident_id', '=', incident)
          .orderBy('area_id')
          .executeTakeFirstOrThrow()
      ).area_id
      const grid = await call(p.app, 'POST', `/api/v1/incidents/${incident}/responders`, {
        token: t['guihua.grid'],
        body: { volunteerId, gridIds: [g01] },
      })
      expect(grid.status).toBe(403)
      const bad = await call(p.app, 'POST', `/api/v1/incidents/${incident}/responders`, {
        token: t['guihua.leader'],
        body: { volunteerId, gridIds: [await areaId(p, 'JZ-QH-02-01-G01')] },
      })
      expect(bad.status).toBe(422)
      expect(bad.body.error).toMatchObject({ code: 'INCIDENT_GRIDS_INVALID', field: 'gridIds[0]' })
      const ok = await call(p.app, 'POST', `/api/v1/incidents/${incident}/responders`, {
        token: t['guihua.leader'],
        body: { volunteerId, gridIds: [g01] },
      })
      expect(ok.status, JSON.stringify(ok.body)).toBe(200)
      expect(ok.body).toMatchObject({ userId: users['guihua.resident'], volunteerId, gridIds: [g01] })
      const note = await p.database.db
        .selectFrom('notification')
        .select('params')
        .where('user_id', '=', users['guihua.resident']!)
        .where('kind', '=', 'incident_update')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow()
      expect(note.params).toMatchObject({ incidentId: incident, event: 'enrolled' })
      // Row-level security as the volunteer: the incident, and the check list of G01 only.
      const actor = await actorForUser(p.database.db, users['guihua.resident']!)
      const seen = await inScope(p.database.db, { actor, ip: 'test' }, async (tx) => ({
        incidents: await tx.selectFrom('incident').select('id').where('id', '=', incident).execute(),
        grids: await tx
          .selectFrom('incident_check')
          .select('area_id')
          .distinct()
          .where('incident_id', '=', incident)
          .execute(),
      }))
      expect(seen.incidents).toHaveLength(1)
      const all = await p.database.db
        .selectFrom('incident_check')
        .select('area_id')
        .distinct()
        .where('incident_id', '=', incident)
        .execute()
      expect(all.length).toBeGreaterThan(1)
      expect(seen.grids.map((g) => g.area_id)).toEqual([g01])
      const list = await call(p.app, 'GET', `/api/v1/incidents/${incident}/responders`, { token: t['guihua.resident'] })
      expect(list.status).toBe(200)
      expect(list.body.items.map((r: { userId: number }) => r.userId)).toEqual([users['guihua.resident']])
      expect(await logCount(incident, 'responder_enrolled')).toBe(1)
    })

    it('tasks go to responders or staff of the area only', async () => {
      const stranger = await call(p.app, 'POST', `/api/v1/incidents/${incident}/tasks`, {
        token: t['guihua.leader'],
        body: { title: '检查泵站', priority: 'normal', assigneeId: users['gh.neighbour01'] },
      })
      expect(stranger.status).toBe(404)
      expect(stranger.body.error).toMatchObject({ code: 'RESPONDER_NOT_FOUND', field: 'assigneeId' })
      const nobody = await call(p.app, 'POST', `/api/v1/incidents/${incident}/tasks`, {
        token: t['guihua.leader'],
        body: { title: '检查泵站', priority: 'normal' },
      })
      expect(nobody.status).toBe(400)
      const grid = await call(p.app, 'POST', `/api/v1/incidents/${incident}/tasks`, {
        token: t['guihua.grid'],
        body: { title: '检查泵站', priority: 'normal', team: '网格队' },
      })
      expect(grid.status).toBe(403)
      const toGrid = await call(p.app, 'POST', `/api/v1/incidents/${incident}/tasks`, {
        token: t['guihua.leader'],
        body: { title: '检查3号楼水泵', priority: 'urgent', assigneeId: users['guihua.grid'] },
      })
      expect(toGrid.status, JSON.stringify(toGrid.body)).toBe(201)
    })

    it('the assignee starts and completes (with a result) but does not cancel; others may not touch it', async () => {
      const made = await call(p.app, 'POST', `/api/v1/incidents/${incident}/tasks`, {
        token: t['guihua.leader'],
        headers: { 'idempotency-key': 'task-1' },
        body: {
          title: '探访独居老人',
          description: '逐户敲门',
          priority: 'urgent',
          assigneeId: users['guihua.resident'],
          gridId: await areaId(p, 'JZ-QH-01-01-G01'),
          location: { lng: 112.241, lat: 30.331 },
          dueAt: '2027-07-20T06:00:00Z',
        },
      })
      expect(made.status, JSON.stringify(made.body)).toBe(201)
      expect(made.body).toMatchObject({ status: 'open', assigneeName: expect.any(String), location: { lng: 112.241 } })
      task = made.body.id
      const retry = await call(p.app, 'POST', `/api/v1/incidents/${incident}/tasks`, {
        token: t['guihua.leader'],
        headers: { 'idempotency-key': 'task-1' },
        body: {
          title: '探访独居老人',
          description: '逐户敲门',
          priority: 'urgent',
          assigneeId: users['guihua.resident'],
          gridId: await areaId(p, 'JZ-QH-01-01-G01'),
          location: { lng: 112.241, lat: 30.331 },
          dueAt: '2027-07-20T06:00:00Z',
        },
      })
      expect(retry.body.id).toBe(task)
      const note = await p.database.db
        .selectFrom('notification')
        .select('params')
        .where('user_id', '=', users['guihua.resident']!)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow()
      expect(note.params).toMatchObject({ incidentId: incident, event: 'task_assigned' })

      const mine = await call(p.app, 'GET', '/api/v1/emergency/tasks/mine', { token: t['guihua.resident'] })
      expect(mine.status).toBe(200)
      const item = mine.body.items.find((x: { id: number }) => x.id === task)
      expect(item.allowedActions.sort()).toEqual(['complete', 'start'])

      const act = (who: string, body: object) =>
        call(p.app, 'POST', `/api/v1/incidents/${incident}/tasks/${task}/actions`, { token: t[who], body })
      expect((await act('guihua.resident', { action: 'cancel' })).status).toBe(403)
      expect((await act('guihua.grid', { action: 'start' })).status).toBe(403)
      expect((await act('cuizhu.staff', { action: 'start' })).status).toBe(404)
      expect((await act('gh.neighbour01', { action: 'start' })).status).toBe(404)
      expect((await act('guihua.handler', { action: 'start' })).status).toBe(404)
      const start = await act('guihua.resident', { action: 'start' })
      expect(start.status).toBe(200)
      expect(start.body.status).toBe('in_progress')
      const again = await act('guihua.resident', { action: 'start' })
      expect(again.status).toBe(409)
      expect(again.body.error.code).toBe('TASK_ILLEGAL_TRANSITION')
      const noResult = await act('guihua.resident', { action: 'complete' })
      expect(noResult.status).toBe(400)
      expect(noResult.body.error.field).toBe('result')
      const done = await act('guihua.resident', { action: 'complete', result: '已探访5户，均平安' })
      expect(done.status).toBe(200)
      expect(done.body).toMatchObject({ status: 'done', result: '已探访5户，均平安', allowedActions: [] })
      const reopen = await act('guihua.staff', { action: 'reopen' })
      expect(reopen.status).toBe(200)
      expect(reopen.body.status).toBe('open')
      const cancel = await act('guihua.leader', { action: 'cancel' })
      expect(cancel.status).toBe(200)
      expect(await logCount(incident, 'task_created')).toBe(2)
      expect(await logCount(incident, 'task_start')).toBe(1)
      expect(await logCount(incident, 'task_complete')).toBe(1)
      expect(await logCount(incident, 'task_reopen')).toBe(1)
      expect(await logCount(incident, 'task_cancel')).toBe(1)
    })

    it('the command edits a task by version; lists filter by status and mine', async () => {
      const cur = await call(p.app, 'GET', `/api/v1/incidents/${incident}/tasks?status=cancelled`, {
        token: t['guihua.staff'],
      })
      expect(cur.body.items.map((x: { id: number }) => x.id)).toEqual([task])
      const v = cur.body.items[0].version
      const edit = await call(p.app, 'PUT', `/api/v1/incidents/${incident}/tasks/${task}`, {
        token: t['guihua.staff'],
        body: { version: v, title: '探访独居老人（G01）', priority: 'normal', team: '社区网格队' },
      })
      expect(edit.status, JSON.stringify(edit.body)).toBe(200)
      expect(edit.body).toMatchObject({ title: '探访独居老人（G01）', team: '社区网格队', assigneeId: null })
      const stale = await call(p.app, 'PUT', `/api/v1/incidents/${incident}/tasks/${task}`, {
        token: t['guihua.staff'],
        body: { version: v, title: 'x2', priority: 'normal', team: '队' },
      })
      expect(stale.status).toBe(409)
      const byGrid = await call(p.app, 'PUT', `/api/v1/incidents/${incident}/tasks/${task}`, {
        token: t['guihua.grid'],
        body: { version: v + 1, title: 'x2', priority: 'normal', team: '队' },
      })
      expect(byGrid.status).toBe(403)
      const mine = await call(p.app, 'GET', `/api/v1/incidents/${incident}/tasks?mine=true`, {
        token: t['guihua.grid'],
      })
      expect(mine.body.items.map((x: { title: string }) => x.title)).toEqual(['检查3号楼水泵'])
      expect(await logCount(incident, 'task_updated')).toBe(1)
    })

    it('a removed volunteer no longer reads the incident', async () => {
      const gone = await call(p.app, 'DELETE', `/api/v1/incidents/${incident}/responders/${users['guihua.resident']}`, {
        token: t['guihua.leader'],
      })
      expect(gone.status).toBe(204)
      const after = await call(p.app, 'GET', `/api/v1/incidents/${incident}/tasks`, { token: t['guihua.resident'] })
      expect(after.status).toBe(404)
      const twice = await call(
        p.app,
        'DELETE',
        `/api/v1/incidents/${incident}/responders/${users['guihua.resident']}`,
        {
          token: t['guihua.leader'],
        },
      )
      expect(twice.status).toBe(404)
      expect(twice.body.error.code).toBe('RESPONDER_NOT_FOUND')
      expect(await logCount(incident, 'responder_removed')).toBe(1)
    })
  })
  describe('demo', () => {
    it('has the inventory of 桂花, its street and 翠竹, with the cooling centre open', async () => {
      const stock = await p.database.db
        .selectFrom('emergency_resource')
        .select(['name', 'quantity'])
        .where('area_id', '=', guihua)
        .execute()
      expect(stock).toEqual(expect.arrayContaining([{ name: '防汛沙袋', quantity: 500 }]))
      const shelters = await call(p.app, 'GET', `/api/v1/emergency/shelters?areaId=${guihua}`, {
        token: t['guihua.staff'],
      })
      expect(shelters.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: '桂花社区党群服务中心避暑点', status: 'open', capacity: 80 }),
          expect.objectContaining({ name: '桂花小学体育馆', status: 'standby', capacity: 300 }),
        ]),
      )
      const theirs = await call(p.app, 'GET', '/api/v1/emergency/resources', { token: t['cuizhu.staff'] })
      expect(theirs.body.items.length).toBeGreaterThan(0)
    })

    it('seeds the work of a heatwave and a closed drill through the use cases', async () => {
      // Only the demo's incidents of these kinds: remove none; the newest is picked.
      p.clock.advance(60_000)
      const heat = await insertIncident(p, {
        community: 'JZ-QH-01-01',
        grids: ['JZ-QH-01-01-G01', 'JZ-QH-01-01-G02', 'JZ-QH-01-01-G03'],
        commander: 'guihua.leader',
        kind: 'heatwave',
      })
      const drill = await insertIncident(p, {
        community: 'JZ-QH-01-01',
        grids: ['JZ-QH-01-01-G01'],
        commander: 'guihua.leader',
        kind: 'flood',
        drill: true,
        status: 'closed',
      })
      p.clock.advance(3 * 3_600_000)
      const counts = await p.database.db.transaction().execute((tx) => seedTasksDemo(tx, p.clock.now()))
      expect(counts).toMatchObject({
        incidentResponders: 1,
        emergencyTasks: 6,
        emergencyAllocations: 3,
        shelterCheckins: 6,
      })
      const tasks = await call(p.app, 'GET', `/api/v1/incidents/${heat}/tasks`, { token: t['guihua.leader'] })
      const byTitle = Object.fromEntries(
        tasks.body.items.map((x: { title: string; status: string }) => [x.title, x.status]),
      )
      expect(byTitle).toMatchObject({
        逐户探访独居老人: 'in_progress',
        检查3号楼水泵: 'open',
        开放党群服务中心避暑点: 'done',
      })
      const mine = await call(p.app, 'GET', '/api/v1/emergency/tasks/mine', { token: t['guihua.resident'] })
      expect(mine.body.items.some((x: { incidentId: number; status: string }) => x.incidentId === heat)).toBe(true)
      const shelters = await call(p.app, 'GET', `/api/v1/incidents/${heat}/shelters`, { token: t['guihua.staff'] })
      const centre = shelters.body.items.find((s: { name: string }) => s.name === '桂花社区党群服务中心避暑点')
      expect(centre.occupants).toHaveLength(6)
      expect(await logCount(drill)).toBe(6)
      const drillOut = await p.database.db
        .selectFrom('resource_allocation')
        .select(sql<number>`sum(quantity - returned)::int`.as('n'))
        .where('incident_id', '=', drill)
        .executeTakeFirstOrThrow()
      expect(drillOut.n).toBe(0)
    })
  })
})
