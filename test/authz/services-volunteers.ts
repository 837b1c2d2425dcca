import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Volunteers, activities and the time bank in both authorization tables (see parts.ts).
// Volunteer staff (admin, leader, staff and grid workers of the volunteer's grid) keep volunteers;
// service staff (admin, leader, staff) run activities and adjust hours; every signed-in caller on
// the branch reads activities; volunteers (guihua.resident is one, from the demo) sign up and scan.

const HOUR = 3_600_000
const DAY = 24 * HOUR
const servicesRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const readerRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')
// The volunteer of the fixture lives on grid G01: its grid worker keeps them; the street's
// handler and mediator and another resident do not see them.
const keeperRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound')

/** A registry person of `area`'s subtree who is not a volunteer (optionally with a care tag). */
async function person(p: TestPlatform, area: number, care = false): Promise<number> {
  const { rows } = await sql<{ id: number }>`
    select pe.id from person pe join area a on a.id = pe.area_id join area c on c.id = ${area}
      and a.path like c.path || '%'
    where pe.status = 'active' and not exists (select 1 from volunteer v where v.person_id = pe.id)
      and (${care} = false or pe.tags && array['elderly_alone', 'elderly', 'disabled']::text[])
    order by pe.id desc limit 1`.execute(p.database.db)
  return rows[0]!.id
}

async function activity(p: TestPlatform, staff: string, area: number, title: string, publish: boolean) {
  const now = p.clock.now()
  const a = must(
    'activity',
    await call(p.app, 'POST', '/api/v1/activities', {
      token: staff,
      body: {
        areaId: area,
        kind: 'environment',
        title,
        description: '权限表用的志愿活动',
        place: '社区广场',
        startsAt: new Date(now.getTime() + DAY).toISOString(),
        endsAt: new Date(now.getTime() + DAY + 2 * HOUR).toISOString(),
        capacity: 50,
      },
    }),
    201,
  )
  if (publish)
    must(
      'publish',
      await call(p.app, 'POST', `/api/v1/activities/${a.id}/actions`, { token: staff, body: { action: 'publish' } }),
      200,
    )
  return a.id as number
}

interface Data {
  volunteer: number
  activity: number
  other: number
  carePerson: number
  residentVolunteer: number
}

export const own: OwnPart<Data> = {
  setup: async (p, base) => {
    const staff = await base.token('guihua.staff')
    const v = must(
      'volunteer',
      await call(p.app, 'POST', '/api/v1/volunteers', {
        token: staff,
        body: { personId: await person(p, base.grid), skills: ['repair'] },
      }),
      201,
    )
    const act = await activity(p, staff, base.community, '权限表活动', true)
    const other = await activity(p, staff, base.community, '权限表另一活动', true)
    const resident = await base.token('guihua.resident')
    must('signup', await call(p.app, 'POST', `/api/v1/activities/${act}/signups`, { token: resident }), 200)
    const mine = must('me', await call(p.app, 'GET', '/api/v1/volunteers/me', { token: resident }), 200)
    return {
      volunteer: v.id,
      activity: act,
      other,
      carePerson: await person(p, base.grid, true),
      residentVolunteer: mine.volunteer.id,
    }
  },
  rows: {
    // Only a verified resident registers themself: staff accounts are not verified (403); the
    // resident is a volunteer already (409).
    'POST /api/v1/volunteers': row(
      'unauth',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'tried',
    ),
    'GET /api/v1/volunteers': row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden'),
    'GET /api/v1/volunteers/me': readerRow,
    'GET /api/v1/volunteers/:id': keeperRow,
    'PUT /api/v1/volunteers/:id': keeperRow,
    'GET /api/v1/volunteers/:id/hours': keeperRow,
    // Taking more hours than the balance: refused on its merits for service staff.
    'POST /api/v1/volunteers/:id/adjustments': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'GET /api/v1/volunteers/:id/certificate': keeperRow,
    // An assignment ending before it starts: refused on its merits for volunteer staff.
    'POST /api/v1/volunteers/:id/assignments': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'GET /api/v1/volunteers/:id/assignments': keeperRow,
    'GET /api/v1/activities': readerRow,
    'POST /api/v1/activities': servicesRow,
    'GET /api/v1/activities/:id': readerRow,
    'PUT /api/v1/activities/:id': servicesRow,
    // Publishing a published activity: 409 for its staff.
    'POST /api/v1/activities/:id/actions': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    // Only volunteers sign up (the others have no volunteer record: 404); signing up again is a no-op.
    'POST /api/v1/activities/:id/signups': row(
      'unauth',
      'notFound',
      'notFound',
      'notFound',
      'notFound',
      'notFound',
      'notFound',
      'ok',
    ),
    // The resident is not signed up for the other activity (409).
    'POST /api/v1/activities/:id/signups/cancel': row(
      'unauth',
      'notFound',
      'notFound',
      'notFound',
      'notFound',
      'notFound',
      'notFound',
      'tried',
    ),
    'GET /api/v1/activities/:id/signups': servicesRow,
    'GET /api/v1/activities/:id/checkin-token': servicesRow,
    // A forged token: 422 for anyone signed in.
    'POST /api/v1/activities/:id/checkin': row('unauth', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried'),
    // The activity starts tomorrow: the check-in window is closed (422).
    'POST /api/v1/activities/:id/signups/:volunteerId/checkin': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    // More hours than the activity lasts (422).
    'POST /api/v1/activities/:id/signups/:volunteerId/checkout': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
  },
  probes: {
    'POST /api/v1/volunteers': ({ p, token }) => call(p.app, 'POST', '/api/v1/volunteers', { token, body: {} }),
    'GET /api/v1/volunteers': ({ p, token }) => call(p.app, 'GET', '/api/v1/volunteers', { token }),
    'GET /api/v1/volunteers/me': ({ p, token }) => call(p.app, 'GET', '/api/v1/volunteers/me', { token }),
    'GET /api/v1/volunteers/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/volunteers/${data.volunteer}`, { token }),
    'PUT /api/v1/volunteers/:id': ({ p, token, data }) =>
      call(p.app, 'PUT', `/api/v1/volunteers/${data.volunteer}`, { token, body: { skills: ['repair'] } }),
    'GET /api/v1/volunteers/:id/hours': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/volunteers/${data.volunteer}/hours`, { token }),
    'POST /api/v1/volunteers/:id/adjustments': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/volunteers/${data.volunteer}/adjustments`, {
        token,
        body: { hours: -999, note: '权限表' },
      }),
    'GET /api/v1/volunteers/:id/certificate': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/volunteers/${data.volunteer}/certificate`, { token }),
    'POST /api/v1/volunteers/:id/assignments': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/volunteers/${data.volunteer}/assignments`, {
        token,
        body: { kind: 'care_visit', personId: data.carePerson, startsOn: '2027-05-10', endsOn: '2027-05-01' },
      }),
    'GET /api/v1/volunteers/:id/assignments': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/volunteers/${data.volunteer}/assignments`, { token }),
    'GET /api/v1/activities': ({ p, token }) => call(p.app, 'GET', '/api/v1/activities', { token }),
    'POST /api/v1/activities': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/activities', {
        token,
        body: {
          areaId: base.community,
          kind: 'other',
          title: '权限表草稿',
          description: '草稿',
          place: '活动室',
          startsAt: new Date(p.clock.now().getTime() + DAY).toISOString(),
          endsAt: new Date(p.clock.now().getTime() + DAY + HOUR).toISOString(),
          capacity: 5,
        },
      }),
    'GET /api/v1/activities/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/activities/${data.activity}`, { token }),
    'PUT /api/v1/activities/:id': ({ p, token, data }) =>
      call(p.app, 'PUT', `/api/v1/activities/${data.activity}`, { token, body: { description: '权限表用的志愿活动' } }),
    'POST /api/v1/activities/:id/actions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/activities/${data.activity}/actions`, { token, body: { action: 'publish' } }),
    'POST /api/v1/activities/:id/signups': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/activities/${data.activity}/signups`, { token }),
    'POST /api/v1/activities/:id/signups/cancel': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/activities/${data.other}/signups/cancel`, { token }),
    'GET /api/v1/activities/:id/signups': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/activities/${data.activity}/signups`, { token }),
    'GET /api/v1/activities/:id/checkin-token': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/activities/${data.activity}/checkin-token`, { token }),
    'POST /api/v1/activities/:id/checkin': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/activities/${data.activity}/checkin`, {
        token,
        body: { token: `9999999999.${'A'.repeat(43)}` },
      }),
    'POST /api/v1/activities/:id/signups/:volunteerId/checkin': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/activities/${data.activity}/signups/${data.residentVolunteer}/checkin`, { token }),
    'POST /api/v1/activities/:id/signups/:volunteerId/checkout': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/activities/${data.activity}/signups/${data.residentVolunteer}/checkout`, {
        token,
        body: { hours: 23.75 },
      }),
  },
}

interface ScopingData {
  community: number
  person: number
  volunteer: number
  published: number
  draft: number
}

const volunteerRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('volunteer').selectAll().where('id', '=', id).executeTakeFirst()
const activityRow = (p: TestPlatform, id: number) =>
  p.database.db
    .selectFrom('volunteer_activity')
    .select(['status', 'title', 'description', 'place', 'signed_up', 'starts_at'])
    .where('id', '=', id)
    .executeTakeFirst()
const signups = (p: TestPlatform, id: number) =>
  p.database.db
    .selectFrom('activity_signup')
    .selectAll()
    .where('activity_id', '=', id)
    .orderBy('volunteer_id')
    .execute()
const entries = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('time_bank_entry').selectAll().where('volunteer_id', '=', id).orderBy('id').execute()

export const scoping: ScopingPart<ScopingData> = {
  setup: async (p, base) => {
    const staff = await base.token('cuizhu.staff')
    const personId = await person(p, base.grid)
    const v = must(
      'volunteer',
      await call(p.app, 'POST', '/api/v1/volunteers', { token: staff, body: { personId, skills: ['it'] } }),
      201,
    )
    must(
      'hours',
      await call(p.app, 'POST', `/api/v1/volunteers/${v.id}/adjustments`, {
        token: staff,
        body: { hours: 2, note: '翠竹补记' },
      }),
      201,
    )
    const published = await activity(p, staff, base.community, '翠竹活动', true)
    const draft = await activity(p, staff, base.community, '翠竹草稿', false)
    // B's own volunteer signed up for B's activity (by their own grid's staff, directly).
    await p.database.db
      .insertInto('activity_signup')
      .values({
        activity_id: published,
        volunteer_id: v.id,
        area_id: base.community,
        status: 'signed_up',
        signed_up_at: p.clock.now(),
      })
      .execute()
    await p.database.db.updateTable('volunteer_activity').set({ signed_up: 1 }).where('id', '=', published).execute()
    return {
      community: base.community,
      person: await person(p, base.grid),
      volunteer: v.id,
      published,
      draft,
    }
  },
  probes: {
    'POST /api/v1/volunteers': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('volunteer').select('id').where('person_id', '=', d.person).execute(),
        () => call(p.app, 'POST', '/api/v1/volunteers', { token, body: { personId: d.person } }),
      ),
    'GET /api/v1/volunteers': async (p, token, d) => {
      for (const url of ['/api/v1/volunteers?pageSize=500', `/api/v1/volunteers?areaId=${d.community}`]) {
        const r = await call(p.app, 'GET', url, { token })
        if (r.status === 200) expect(r.body.items.map((v: { id: number }) => v.id)).not.toContain(d.volunteer)
        else denied(r.status)
      }
    },
    'GET /api/v1/volunteers/me': async (p, token, d) => {
      const r = await call(p.app, 'GET', '/api/v1/volunteers/me', { token })
      if (r.status === 200) expect(r.body.volunteer?.id).not.toBe(d.volunteer)
      else denied(r.status)
    },
    'GET /api/v1/volunteers/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/volunteers/${d.volunteer}`, { token })).status),
    'PUT /api/v1/volunteers/:id': (p, token, d) =>
      unchanged(
        () => volunteerRow(p, d.volunteer),
        () =>
          call(p.app, 'PUT', `/api/v1/volunteers/${d.volunteer}`, {
            token,
            body: { skills: ['legal'], status: 'suspended' },
          }),
      ),
    'GET /api/v1/volunteers/:id/hours': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/volunteers/${d.volunteer}/hours`, { token })).status),
    'POST /api/v1/volunteers/:id/adjustments': (p, token, d) =>
      unchanged(
        () => entries(p, d.volunteer),
        () =>
          call(p.app, 'POST', `/api/v1/volunteers/${d.volunteer}/adjustments`, {
            token,
            body: { hours: -1, note: '越权' },
          }),
      ),
    'GET /api/v1/volunteers/:id/certificate': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/volunteers/${d.volunteer}/certificate`, { token })).status),
    'POST /api/v1/volunteers/:id/assignments': (p, token, d) =>
      unchanged(
        () =>
          p.database.db
            .selectFrom('volunteer_assignment')
            .select('id')
            .where('volunteer_id', '=', d.volunteer)
            .execute(),
        () =>
          call(p.app, 'POST', `/api/v1/volunteers/${d.volunteer}/assignments`, {
            token,
            body: { kind: 'care_visit', personId: d.person, startsOn: '2027-05-10' },
          }),
      ),
    'GET /api/v1/volunteers/:id/assignments': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/volunteers/${d.volunteer}/assignments`, { token })).status),
    'GET /api/v1/activities': async (p, token, d) => {
      const urls = [
        '/api/v1/activities?pageSize=500',
        '/api/v1/activities?status=draft',
        `/api/v1/activities?areaId=${d.community}`,
      ]
      for (const url of urls) {
        const r = await call(p.app, 'GET', url, { token })
        if (r.status !== 200) denied(r.status)
        else {
          const ids = r.body.items.map((a: { id: number }) => a.id)
          expect(ids).not.toContain(d.published)
          expect(ids).not.toContain(d.draft)
        }
      }
    },
    'POST /api/v1/activities': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('volunteer_activity').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/activities', {
            token,
            body: {
              areaId: d.community,
              kind: 'other',
              title: '越权活动',
              description: '越权',
              place: '翠竹',
              startsAt: new Date(p.clock.now().getTime() + DAY).toISOString(),
              endsAt: new Date(p.clock.now().getTime() + DAY + HOUR).toISOString(),
              capacity: 5,
            },
          }),
      ),
    'GET /api/v1/activities/:id': async (p, token, d) => {
      denied((await call(p.app, 'GET', `/api/v1/activities/${d.published}`, { token })).status)
      denied((await call(p.app, 'GET', `/api/v1/activities/${d.draft}`, { token })).status)
    },
    'PUT /api/v1/activities/:id': (p, token, d) =>
      unchanged(
        () => activityRow(p, d.published),
        () => call(p.app, 'PUT', `/api/v1/activities/${d.published}`, { token, body: { place: '越权地点' } }),
      ),
    'POST /api/v1/activities/:id/actions': (p, token, d) =>
      unchanged(
        () => activityRow(p, d.published),
        () => call(p.app, 'POST', `/api/v1/activities/${d.published}/actions`, { token, body: { action: 'cancel' } }),
      ),
    'POST /api/v1/activities/:id/signups': (p, token, d) =>
      unchanged(
        () => signups(p, d.published),
        () => call(p.app, 'POST', `/api/v1/activities/${d.published}/signups`, { token }),
      ),
    'POST /api/v1/activities/:id/signups/cancel': (p, token, d) =>
      unchanged(
        () => signups(p, d.published),
        () => call(p.app, 'POST', `/api/v1/activities/${d.published}/signups/cancel`, { token }),
      ),
    'GET /api/v1/activities/:id/signups': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/activities/${d.published}/signups`, { token })).status),
    'GET /api/v1/activities/:id/checkin-token': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/activities/${d.published}/checkin-token`, { token })).status),
    'POST /api/v1/activities/:id/checkin': (p, token, d) =>
      unchanged(
        () => signups(p, d.published),
        () =>
          call(p.app, 'POST', `/api/v1/activities/${d.published}/checkin`, {
            token,
            body: { token: `9999999999.${'A'.repeat(43)}` },
          }),
      ),
    'POST /api/v1/activities/:id/signups/:volunteerId/checkin': (p, token, d) =>
      unchanged(
        () => signups(p, d.published),
        () => call(p.app, 'POST', `/api/v1/activities/${d.published}/signups/${d.volunteer}/checkin`, { token }),
      ),
    'POST /api/v1/activities/:id/signups/:volunteerId/checkout': (p, token, d) =>
      unchanged(
        () => signups(p, d.published),
        () =>
          call(p.app, 'POST', `/api/v1/activities/${d.published}/signups/${d.volunteer}/checkout`, {
            token,
            body: { hours: 1 },
          }),
      ),
  },
}
