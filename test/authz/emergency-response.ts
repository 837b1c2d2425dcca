import { expect } from 'vitest'
import { buildCheckList } from '../../src/emergency/checks.js'
import { defaultCheckTags } from '../../src/emergency/common.js'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Emergency response (responders, tasks, resources, shelters) in both authorization tables (see
// parts.ts). An incident is read by admins, leaders, staff and grid workers on its branch and by
// its enrolled responders (guihua.resident is enrolled in the fixture's incident); it is run by
// its commander and the admins, leaders and staff of its area. The inventory is kept by the
// area's admins, leaders and staff and read by everyone signed in as far as row-level security
// lets them (empty lists for the others).

const signedIn = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')
// Readers of the incident: staff on its branch and its responders; the street's handler and
// mediator do not see it.
const reader = row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'ok')
// The command: admin, leader, staff of the area (the grid worker and the volunteer read it: 403).
const command = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'notFound', 'notFound', 'forbidden')
const commandTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'notFound', 'notFound', 'forbidden')
const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const keepersTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

const userIdOf = async (p: TestPlatform, username: string) =>
  (await p.database.db.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow())
    .id

/** An active incident over grids, inserted with owner rights (the declare use case is the incidents part's). */
async function insertIncident(p: TestPlatform, community: number, grids: number[], commander: string) {
  const db = p.database.db
  const now = p.clock.now()
  const area = await db.selectFrom('area').select(['id', 'path']).where('id', '=', community).executeTakeFirstOrThrow()
  const by = await userIdOf(p, commander)
  const made = await db
    .insertInto('incident')
    .values({
      reference: `AUTHZ-${Math.random().toString(36).slice(2, 10)}`,
      area_id: community,
      district_id: Number(area.path.split('/').filter(Boolean)[1] ?? community),
      kind: 'flood',
      level: 4,
      title: '权限表：内涝应急响应',
      description: '权限表用的应急事件',
      commander_id: by,
      status: 'active',
      check_tags: [...defaultCheckTags],
      declared_by: by,
      declared_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('incident_grid')
    .values(grids.map((g) => ({ incident_id: made.id, area_id: g })))
    .execute()
  await buildCheckList(db as never, made.id, grids, defaultCheckTags, now)
  return made.id
}

interface Data {
  incident: number
  task: number
  resource: number
  allocation: number
  shelter: number
  standby: number
  grid: number
  residentUser: number
}

async function fixture(
  p: TestPlatform,
  base: { community: number; grid: number; token(u: string): Promise<string> },
  prefix: 'guihua' | 'cuizhu',
) {
  const { community, grid } = base
  const leader = `${prefix}.leader`
  const staff = await base.token(`${prefix}.staff`)
  const lead = await base.token(leader)
  const incident = await insertIncident(p, community, [grid], leader)
  const resource = must(
    'resource',
    await call(p.app, 'POST', '/api/v1/emergency/resources', {
      token: staff,
      body: { areaId: community, kind: 'sandbags', name: '权限表沙袋', unit: '袋', quantity: 10 },
    }),
    201,
  )
  const allocation = must(
    'allocation',
    await call(p.app, 'POST', `/api/v1/incidents/${incident}/allocations`, {
      token: lead,
      body: { resourceId: resource.id, quantity: 2 },
    }),
    201,
  )
  const shelter = must(
    'shelter',
    await call(p.app, 'POST', '/api/v1/emergency/shelters', {
      token: staff,
      body: {
        areaId: community,
        name: '权限表避难点',
        address: '社区活动室',
        location: { lng: 112.2, lat: 30.3 },
        capacity: 100,
      },
    }),
    201,
  )
  must(
    'open',
    await call(p.app, 'POST', `/api/v1/emergency/shelters/${shelter.id}/status`, {
      token: staff,
      body: { status: 'open' },
    }),
    200,
  )
  const standby = must(
    'standby',
    await call(p.app, 'POST', '/api/v1/emergency/shelters', {
      token: staff,
      body: {
        areaId: community,
        name: '权限表备用点',
        address: '学校',
        location: { lng: 112.2, lat: 30.3 },
        capacity: 100,
      },
    }),
    201,
  )
  return { incident, resource: resource.id, allocation: allocation.id, shelter: shelter.id, standby: standby.id }
}

export const own: OwnPart<Data> = {
  async setup(p, base) {
    const f = await fixture(p, base, 'guihua')
    const lead = await base.token('guihua.leader')
    const residentUser = await userIdOf(p, 'guihua.resident')
    const volunteer = await p.database.db
      .selectFrom('volunteer')
      .select('id')
      .where('user_id', '=', residentUser)
      .executeTakeFirstOrThrow()
    must(
      'enrol',
      await call(p.app, 'POST', `/api/v1/incidents/${f.incident}/responders`, {
        token: lead,
        body: { volunteerId: volunteer.id },
      }),
      200,
    )
    const task = must(
      'task',
      await call(p.app, 'POST', `/api/v1/incidents/${f.incident}/tasks`, {
        token: lead,
        body: { title: '权限表任务', priority: 'normal', assigneeId: residentUser },
      }),
      201,
    )
    return { ...f, task: task.id, grid: base.grid, residentUser }
  },
  rows: {
    'GET /api/v1/incidents/:id/responders': reader,
    // Enrolling the volunteer again with the same grids (an upsert).
    'POST /api/v1/incidents/:id/responders': command,
    // The probe enrols the grid worker (by the leader) and removes them as the caller.
    'DELETE /api/v1/incidents/:id/responders/:userId': command,
    'GET /api/v1/emergency/tasks/mine': signedIn,
    'GET /api/v1/incidents/:id/tasks': reader,
    'POST /api/v1/incidents/:id/tasks': command,
    // A stale version: 409 for the command.
    'PUT /api/v1/incidents/:id/tasks/:taskId': commandTried,
    // Completing without a result: 400 for the command and the assignee (the volunteer); the
    // grid worker reads the task but is neither (403).
    'POST /api/v1/incidents/:id/tasks/:taskId/actions': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'notFound',
      'notFound',
      'tried',
    ),
    'GET /api/v1/emergency/resources': signedIn,
    'POST /api/v1/emergency/resources': keepers,
    // A stale version: 409.
    'PUT /api/v1/emergency/resources/:id': keepersTried,
    'GET /api/v1/incidents/:id/allocations': reader,
    // Beyond stock: 409 RESOURCE_INSUFFICIENT.
    'POST /api/v1/incidents/:id/allocations': commandTried,
    // More than is out: 400.
    'POST /api/v1/incidents/:id/allocations/:allocationId/return': commandTried,
    'GET /api/v1/emergency/shelters': signedIn,
    'POST /api/v1/emergency/shelters': keepers,
    'PUT /api/v1/emergency/shelters/:id': keepersTried,
    // Opening the open shelter again.
    'POST /api/v1/emergency/shelters/:id/status': keepers,
    'GET /api/v1/incidents/:id/shelters': reader,
    // Into the shelter on standby: 409 SHELTER_NOT_OPEN for everyone working the incident.
    'POST /api/v1/incidents/:id/shelters/:shelterId/checkins': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'tried',
      'notFound',
      'notFound',
      'tried',
    ),
    // The probe checks someone in (by the leader) and out as the caller.
    'POST /api/v1/incidents/:id/shelters/:shelterId/checkins/:checkinId/checkout': reader,
  },
  probes: {
    'GET /api/v1/incidents/:id/responders': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/responders`, { token }),
    'POST /api/v1/incidents/:id/responders': async ({ p, token, data }) => {
      const v = await p.database.db
        .selectFrom('volunteer')
        .select('id')
        .where('user_id', '=', data.residentUser)
        .executeTakeFirstOrThrow()
      return call(p.app, 'POST', `/api/v1/incidents/${data.incident}/responders`, {
        token,
        body: { volunteerId: v.id },
      })
    },
    'DELETE /api/v1/incidents/:id/responders/:userId': async ({ p, token, data, base }) => {
      const grid = await userIdOf(p, 'guihua.grid')
      must(
        'enrol grid worker',
        await call(p.app, 'POST', `/api/v1/incidents/${data.incident}/responders`, {
          token: await base.token('guihua.leader'),
          body: { userId: grid },
        }),
        200,
      )
      return call(p.app, 'DELETE', `/api/v1/incidents/${data.incident}/responders/${grid}`, { token })
    },
    'GET /api/v1/emergency/tasks/mine': ({ p, token }) => call(p.app, 'GET', '/api/v1/emergency/tasks/mine', { token }),
    'GET /api/v1/incidents/:id/tasks': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/tasks`, { token }),
    'POST /api/v1/incidents/:id/tasks': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/tasks`, {
        token,
        body: { title: '权限表：巡查排水口', priority: 'normal', team: '社区网格队' },
      }),
    'PUT /api/v1/incidents/:id/tasks/:taskId': ({ p, token, data }) =>
      call(p.app, 'PUT', `/api/v1/incidents/${data.incident}/tasks/${data.task}`, {
        token,
        body: { version: 999, title: '权限表任务', priority: 'normal', team: '队' },
      }),
    'POST /api/v1/incidents/:id/tasks/:taskId/actions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/tasks/${data.task}/actions`, {
        token,
        body: { action: 'complete' },
      }),
    'GET /api/v1/emergency/resources': ({ p, token }) => call(p.app, 'GET', '/api/v1/emergency/resources', { token }),
    'POST /api/v1/emergency/resources': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/emergency/resources', {
        token,
        body: { areaId: base.community, kind: 'lighting', name: '应急灯', unit: '盏', quantity: 3 },
      }),
    'PUT /api/v1/emergency/resources/:id': ({ p, token, data }) =>
      call(p.app, 'PUT', `/api/v1/emergency/resources/${data.resource}`, {
        token,
        body: { version: 999, kind: 'sandbags', name: '权限表沙袋', unit: '袋', quantity: 10 },
      }),
    'GET /api/v1/incidents/:id/allocations': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/allocations`, { token }),
    'POST /api/v1/incidents/:id/allocations': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/allocations`, {
        token,
        body: { resourceId: data.resource, quantity: 1000 },
      }),
    'POST /api/v1/incidents/:id/allocations/:allocationId/return': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/allocations/${data.allocation}/return`, {
        token,
        body: { quantity: 3 },
      }),
    'GET /api/v1/emergency/shelters': ({ p, token }) => call(p.app, 'GET', '/api/v1/emergency/shelters', { token }),
    'POST /api/v1/emergency/shelters': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/emergency/shelters', {
        token,
        body: { areaId: base.community, name: '临时点', address: '社区', location: base.point, capacity: 10 },
      }),
    'PUT /api/v1/emergency/shelters/:id': ({ p, token, data }) =>
      call(p.app, 'PUT', `/api/v1/emergency/shelters/${data.shelter}`, {
        token,
        body: {
          version: 999,
          name: '权限表避难点',
          address: '社区活动室',
          location: { lng: 112.2, lat: 30.3 },
          capacity: 100,
        },
      }),
    'POST /api/v1/emergency/shelters/:id/status': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/emergency/shelters/${data.shelter}/status`, { token, body: { status: 'open' } }),
    'GET /api/v1/incidents/:id/shelters': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/shelters`, { token }),
    'POST /api/v1/incidents/:id/shelters/:shelterId/checkins': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/shelters/${data.standby}/checkins`, {
        token,
        body: { name: '权限表居民', people: 1 },
      }),
    'POST /api/v1/incidents/:id/shelters/:shelterId/checkins/:checkinId/checkout': async ({ p, token, data, base }) => {
      const s = must(
        'check in',
        await call(p.app, 'POST', `/api/v1/incidents/${data.incident}/shelters/${data.shelter}/checkins`, {
          token: await base.token('guihua.leader'),
          body: { name: '权限表居民', people: 1 },
        }),
        200,
      )
      const c = s.occupants[s.occupants.length - 1]
      return call(
        p.app,
        'POST',
        `/api/v1/incidents/${data.incident}/shelters/${data.shelter}/checkins/${c.id}/checkout`,
        { token },
      )
    },
  },
}

type B = Omit<Data, 'task' | 'residentUser'> & { task: number; checkin: number; community: number }

export const scoping: ScopingPart<B> = {
  async setup(p, base) {
    const f = await fixture(p, base, 'cuizhu')
    const lead = await base.token('cuizhu.leader')
    const task = must(
      'task',
      await call(p.app, 'POST', `/api/v1/incidents/${f.incident}/tasks`, {
        token: lead,
        body: { title: '翠竹任务', priority: 'urgent', team: '翠竹网格队' },
      }),
      201,
    )
    const s = must(
      'check in',
      await call(p.app, 'POST', `/api/v1/incidents/${f.incident}/shelters/${f.shelter}/checkins`, {
        token: lead,
        body: { name: '翠竹居民', people: 2 },
      }),
      200,
    )
    return { ...f, grid: base.grid, task: task.id, checkin: s.occupants[0].id, community: base.community }
  },
  probes: {
    'GET /api/v1/incidents/:id/responders': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/responders`, { token })).status),
    'POST /api/v1/incidents/:id/responders': (p, token, d) =>
      unchanged(
        () =>
          p.database.db.selectFrom('incident_responder').selectAll().where('incident_id', '=', d.incident).execute(),
        async () =>
          call(p.app, 'POST', `/api/v1/incidents/${d.incident}/responders`, {
            token,
            body: { userId: await userIdOf(p, 'guihua.grid') },
          }),
      ),
    'DELETE /api/v1/incidents/:id/responders/:userId': async (p, token, d) =>
      denied(
        (
          await call(
            p.app,
            'DELETE',
            `/api/v1/incidents/${d.incident}/responders/${await userIdOf(p, 'cuizhu.grid')}`,
            {
              token,
            },
          )
        ).status,
      ),
    'GET /api/v1/emergency/tasks/mine': async (p, token, d) => {
      const r = await call(p.app, 'GET', '/api/v1/emergency/tasks/mine', { token })
      if (r.status === 200) expect(r.body.items.map((t: { id: number }) => t.id)).not.toContain(d.task)
      else denied(r.status)
    },
    'GET /api/v1/incidents/:id/tasks': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/tasks`, { token })).status),
    'POST /api/v1/incidents/:id/tasks': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('incident_task').select('id').where('incident_id', '=', d.incident).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${d.incident}/tasks`, {
            token,
            body: { title: '越权任务', priority: 'normal', team: '队' },
          }),
      ),
    'PUT /api/v1/incidents/:id/tasks/:taskId': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('incident_task').selectAll().where('id', '=', d.task).execute(),
        () =>
          call(p.app, 'PUT', `/api/v1/incidents/${d.incident}/tasks/${d.task}`, {
            token,
            body: { version: 1, title: '越权修改', priority: 'normal', team: '队' },
          }),
      ),
    'POST /api/v1/incidents/:id/tasks/:taskId/actions': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('incident_task').selectAll().where('id', '=', d.task).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${d.incident}/tasks/${d.task}/actions`, {
            token,
            body: { action: 'cancel' },
          }),
      ),
    'GET /api/v1/emergency/resources': async (p, token, d) => {
      for (const url of [
        '/api/v1/emergency/resources?pageSize=500',
        `/api/v1/emergency/resources?areaId=${d.community}`,
      ]) {
        const r = await call(p.app, 'GET', url, { token })
        if (r.status === 200) expect(r.body.items.map((x: { id: number }) => x.id)).not.toContain(d.resource)
        else denied(r.status)
      }
    },
    'POST /api/v1/emergency/resources': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('emergency_resource').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/emergency/resources', {
            token,
            body: { areaId: d.community, kind: 'pump', name: '越权水泵', unit: '台', quantity: 1 },
          }),
      ),
    'PUT /api/v1/emergency/resources/:id': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('emergency_resource').selectAll().where('id', '=', d.resource).execute(),
        () =>
          call(p.app, 'PUT', `/api/v1/emergency/resources/${d.resource}`, {
            token,
            body: { version: 1, kind: 'sandbags', name: '越权', unit: '袋', quantity: 100 },
          }),
      ),
    'GET /api/v1/incidents/:id/allocations': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/allocations`, { token })).status),
    'POST /api/v1/incidents/:id/allocations': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('emergency_resource').selectAll().where('id', '=', d.resource).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${d.incident}/allocations`, {
            token,
            body: { resourceId: d.resource, quantity: 1 },
          }),
      ),
    'POST /api/v1/incidents/:id/allocations/:allocationId/return': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('resource_allocation').selectAll().where('id', '=', d.allocation).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${d.incident}/allocations/${d.allocation}/return`, {
            token,
            body: { quantity: 1 },
          }),
      ),
    'GET /api/v1/emergency/shelters': async (p, token, d) => {
      for (const url of [
        '/api/v1/emergency/shelters?pageSize=500',
        `/api/v1/emergency/shelters?areaId=${d.community}`,
      ]) {
        const r = await call(p.app, 'GET', url, { token })
        if (r.status === 200) expect(r.body.items.map((x: { id: number }) => x.id)).not.toContain(d.shelter)
        else denied(r.status)
      }
    },
    'POST /api/v1/emergency/shelters': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('emergency_shelter').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/emergency/shelters', {
            token,
            body: {
              areaId: d.community,
              name: '越权',
              address: '某处',
              location: { lng: 112.2, lat: 30.3 },
              capacity: 5,
            },
          }),
      ),
    'PUT /api/v1/emergency/shelters/:id': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('emergency_shelter').selectAll().where('id', '=', d.shelter).execute(),
        () =>
          call(p.app, 'PUT', `/api/v1/emergency/shelters/${d.shelter}`, {
            token,
            body: { version: 1, name: '越权', address: '某处', location: { lng: 112.2, lat: 30.3 }, capacity: 5 },
          }),
      ),
    'POST /api/v1/emergency/shelters/:id/status': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('emergency_shelter').selectAll().where('id', '=', d.standby).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/emergency/shelters/${d.standby}/status`, { token, body: { status: 'open' } }),
      ),
    'GET /api/v1/incidents/:id/shelters': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/shelters`, { token })).status),
    'POST /api/v1/incidents/:id/shelters/:shelterId/checkins': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('shelter_checkin').select('id').where('shelter_id', '=', d.shelter).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${d.incident}/shelters/${d.shelter}/checkins`, {
            token,
            body: { name: '越权', people: 1 },
          }),
      ),
    'POST /api/v1/incidents/:id/shelters/:shelterId/checkins/:checkinId/checkout': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('shelter_checkin').selectAll().where('id', '=', d.checkin).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${d.incident}/shelters/${d.shelter}/checkins/${d.checkin}/checkout`, {
            token,
          }),
      ),
  },
}
