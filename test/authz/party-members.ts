import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Party (members) in both authorization tables (see parts.ts). Members, their reports and
// assignments are read by the admins, leaders, staff and grid workers on the branch of the
// organisation's area (guihua.grid on G01 reads the community's organisation, above its grid) and
// kept by the admins, leaders and staff over it (src/party/common.ts: partyReaders, partyKeepers);
// handlers, mediators and residents hold no party role (403 by the route's access). Each write
// probe that would succeed once works on a throwaway member or assignment of its own.

const readers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden')
const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const keepersTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

let serial = 0
const freshCode = (p: string) => `AZ-PM-${p}-${Date.now().toString(36)}-${++serial}`

/** An active adult of the community, no party member and no volunteer yet (a fresh one each call). */
async function freshPerson(p: TestPlatform, community: number): Promise<number> {
  const { rows } = await sql<{ id: number }>`
    select p.id from person p join area a on a.id = p.area_id
    where a.path like (select path from area where id = ${community}) || '%' and p.status = 'active'
      and p.birth_date < date '2000-01-01'
      and not exists (select 1 from party_member m where m.person_id = p.id)
      and not exists (select 1 from volunteer v where v.person_id = p.id)
    order by p.id desc limit 1`.execute(p.database.db)
  if (!rows[0]) throw new Error('no person left for a party member')
  return rows[0].id
}

async function organisation(p: TestPlatform, area: number, name: string) {
  return (
    await p.database.db
      .insertInto('party_organisation')
      .values({
        code: freshCode('PO'),
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
}

/** A member of the organisation, as the owner. */
async function member(p: TestPlatform, org: number, area: number, person: number) {
  return (
    await p.database.db
      .insertInto('party_member')
      .values({
        person_id: person,
        organisation_id: org,
        area_id: area,
        district_id: sql<number>`null`,
        role: 'member',
        standing: 'full',
        joined_on: '2012-07-01',
        workplace_kind: 'enterprise',
        status: 'active',
        created_at: p.clock.now(),
        updated_at: p.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id
}

async function assignment(p: TestPlatform, memberId: number, grid: number) {
  return (
    await p.database.db
      .insertInto('party_assignment')
      .values({
        member_id: memberId,
        grid_id: grid,
        area_id: grid,
        district_id: sql<number>`null`,
        assigned_at: p.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id
}

/** An organisation of the community, a member reported to it (by its staff) and on its grid. */
async function fixture(
  p: TestPlatform,
  base: { community: number; grid: number; token(u: string): Promise<string> },
  prefix: 'guihua' | 'cuizhu',
) {
  const org = await organisation(p, base.community, prefix === 'guihua' ? '权限表桂花党支部' : '权限表翠竹党支部')
  const person = await freshPerson(p, base.community)
  const memberId = await member(p, org, base.community, person)
  const staff = await base.token(`${prefix}.staff`)
  const report = must(
    'report',
    await call(p.app, 'POST', `/api/v1/party/members/${memberId}/reports`, {
      token: staff,
      body: { servicePost: 'policy_outreach' },
    }),
    201,
  )
  const assignmentId = await assignment(p, memberId, base.grid)
  return {
    org,
    memberId,
    reportId: report.id as number,
    reportVersion: report.version as number,
    assignmentId,
    community: base.community,
    grid: base.grid,
  }
}

type Data = Awaited<ReturnType<typeof fixture>>

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'guihua'),
  rows: {
    'GET /api/v1/party/members': readers,
    'POST /api/v1/party/members': keepers,
    'GET /api/v1/party/members/:id': readers,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/party/members/:id': keepersTried,
    'POST /api/v1/party/members/:id/reports': keepers,
    'GET /api/v1/party/reports': readers,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/party/reports/:id': keepersTried,
    'POST /api/v1/party/members/:id/assignments': keepers,
    'PATCH /api/v1/party/assignments/:id': keepers,
    'GET /api/v1/party/assignments': readers,
  },
  probes: {
    'GET /api/v1/party/members': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/party/members?organisationId=${data.org}`, { token }),
    'POST /api/v1/party/members': async ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/party/members', {
        token,
        body: {
          personId: await freshPerson(p, data.community),
          organisationId: data.org,
          role: 'member',
          standing: 'probationary',
          joinedOn: '2025-07-01',
          workplaceKind: 'other',
        },
      }),
    'GET /api/v1/party/members/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/party/members/${data.memberId}`, { token }),
    'PATCH /api/v1/party/members/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/party/members/${data.memberId}`, {
        token,
        body: { version: 9999, role: 'committee_member' },
      }),
    'POST /api/v1/party/members/:id/reports': async ({ p, token, data }) => {
      const m = await member(p, data.org, data.community, await freshPerson(p, data.community))
      return call(p.app, 'POST', `/api/v1/party/members/${m}/reports`, {
        token,
        body: { servicePost: 'volunteer_service' },
      })
    },
    'GET /api/v1/party/reports': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/party/reports?areaId=${data.community}`, { token }),
    'PATCH /api/v1/party/reports/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/party/reports/${data.reportId}`, { token, body: { version: 9999 } }),
    'POST /api/v1/party/members/:id/assignments': async ({ p, token, data }) => {
      const m = await member(p, data.org, data.community, await freshPerson(p, data.community))
      return call(p.app, 'POST', `/api/v1/party/members/${m}/assignments`, {
        token,
        body: { gridId: data.grid, note: '权限表' },
      })
    },
    'PATCH /api/v1/party/assignments/:id': async ({ p, token, data }) => {
      // A throwaway member on the grid: ending is for good.
      const m = await member(p, data.org, data.community, await freshPerson(p, data.community))
      const x = await assignment(p, m, data.grid)
      return call(p.app, 'PATCH', `/api/v1/party/assignments/${x}`, { token, body: { ended: true } })
    },
    'GET /api/v1/party/assignments': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/party/assignments?gridId=${data.grid}`, { token }),
  },
}

const memberRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('party_member').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const reportRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('party_member_report').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const assignmentRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('party_assignment').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const ids = (items: { id: number }[]) => items.map((x) => x.id)

export const scoping: ScopingPart<Data> = {
  setup: (p, base) => fixture(p, base, 'cuizhu'),
  probes: {
    'GET /api/v1/party/members': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/party/members?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(ids(res.body.items)).not.toContain(d.memberId)
      const filtered = await call(p.app, 'GET', `/api/v1/party/members?organisationId=${d.org}`, { token })
      expect(filtered.body.items).toEqual([])
    },
    'POST /api/v1/party/members': async (p, token, d) => {
      const person = await freshPerson(p, d.community)
      const res = await call(p.app, 'POST', '/api/v1/party/members', {
        token,
        body: {
          personId: person,
          organisationId: d.org,
          role: 'member',
          standing: 'full',
          joinedOn: '2020-07-01',
          workplaceKind: 'other',
        },
      })
      expect([400, 401, 403, 404, 422]).toContain(res.status)
      expect(
        await p.database.db.selectFrom('party_member').select('id').where('person_id', '=', person).execute(),
      ).toEqual([])
    },
    'GET /api/v1/party/members/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/party/members/${d.memberId}`, { token })).status),
    'PATCH /api/v1/party/members/:id': (p, token, d) =>
      unchanged(
        () => memberRow(p, d.memberId),
        async () =>
          call(p.app, 'PATCH', `/api/v1/party/members/${d.memberId}`, {
            token,
            body: { version: (await memberRow(p, d.memberId)).version, role: 'secretary' },
          }),
      ),
    'POST /api/v1/party/members/:id/reports': async (p, token, d) => {
      const before = await p.database.db
        .selectFrom('party_member_report')
        .select('id')
        .where('member_id', '=', d.memberId)
        .execute()
      const res = await call(p.app, 'POST', `/api/v1/party/members/${d.memberId}/reports`, {
        token,
        body: { communityId: d.community, servicePost: 'culture' },
      })
      denied(res.status)
      expect(
        await p.database.db
          .selectFrom('party_member_report')
          .select('id')
          .where('member_id', '=', d.memberId)
          .execute(),
      ).toEqual(before)
    },
    'GET /api/v1/party/reports': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/party/reports?areaId=${d.community}`, { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items).toEqual([])
      const all = await call(p.app, 'GET', '/api/v1/party/reports?pageSize=500', { token })
      expect(ids(all.body.items)).not.toContain(d.reportId)
    },
    'PATCH /api/v1/party/reports/:id': (p, token, d) =>
      unchanged(
        () => reportRow(p, d.reportId),
        async () =>
          call(p.app, 'PATCH', `/api/v1/party/reports/${d.reportId}`, {
            token,
            body: { version: (await reportRow(p, d.reportId)).version },
          }),
      ),
    'POST /api/v1/party/members/:id/assignments': async (p, token, d) => {
      const before = await p.database.db
        .selectFrom('party_assignment')
        .select('id')
        .where('member_id', '=', d.memberId)
        .execute()
      const res = await call(p.app, 'POST', `/api/v1/party/members/${d.memberId}/assignments`, {
        token,
        body: { gridId: d.grid },
      })
      denied(res.status)
      expect(
        await p.database.db.selectFrom('party_assignment').select('id').where('member_id', '=', d.memberId).execute(),
      ).toEqual(before)
    },
    'PATCH /api/v1/party/assignments/:id': (p, token, d) =>
      unchanged(
        () => assignmentRow(p, d.assignmentId),
        () => call(p.app, 'PATCH', `/api/v1/party/assignments/${d.assignmentId}`, { token, body: { ended: true } }),
      ),
    'GET /api/v1/party/assignments': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/party/assignments?gridId=${d.grid}`, { token })
      if (res.status !== 200) return denied(res.status)
      expect(ids(res.body.items)).not.toContain(d.assignmentId)
      const byMember = await call(p.app, 'GET', `/api/v1/party/assignments?memberId=${d.memberId}&live=false`, {
        token,
      })
      expect(byMember.body.items).toEqual([])
    },
  },
}
