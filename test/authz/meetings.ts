import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Councils, meetings and "you said, we did" in both authorization tables (see parts.ts). Staff of
// the area (admins, leaders, staff) write; everyone signed in on the area's branch reads, registers
// and — when marked present — votes. Grid workers, department handlers, mediators and residents
// only read and take part.

const HOUR = 3_600_000
const staffRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const readerRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')
const accounts = [
  'guihua.admin',
  'guihua.leader',
  'guihua.staff',
  'guihua.grid',
  'guihua.handler',
  'guihua.mediator',
  'guihua.resident',
]

const userIds = async (p: TestPlatform, usernames: string[]) =>
  (await p.database.db.selectFrom('app_user').select(['id', 'username']).where('username', 'in', usernames).execute())
    .sort((a, b) => usernames.indexOf(a.username) - usernames.indexOf(b.username))
    .map((u) => u.id)

/** An accepted proposal of `area`, as the proposals part leaves one: an outcome to follow. */
async function acceptedProposal(p: TestPlatform, area: number, author: string, title: string): Promise<number> {
  const [authorId] = await userIds(p, [author])
  const district = await p.database.db
    .selectFrom('area')
    .select('id')
    .where('code', '=', 'JZ-QH')
    .executeTakeFirstOrThrow()
  const now = p.clock.now()
  const r = await p.database.db
    .insertInto('proposal')
    .values({
      reference: `AUTHZ-${Math.random().toString(36).slice(2, 10)}`,
      area_id: area,
      district_id: district.id,
      category: 'facilities',
      title,
      body: '权限表用的已采纳提议。',
      author_id: authorId!,
      status: 'accepted',
      threshold: 1,
      terms: sql<string>`to_tsvector('simple', ${title})`,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return r.id
}

const meetingBody = (area: number, now: Date, startsIn: number, title: string) => ({
  areaId: area,
  kind: 'deliberation',
  title,
  agenda: '权限表议程',
  location: '社区会议室',
  startsAt: new Date(now.getTime() + startsIn).toISOString(),
  endsAt: new Date(now.getTime() + startsIn + 2 * HOUR).toISOString(),
  quorum: 1,
})

/** Fixture of an area: a council with a member, an upcoming and a held meeting, an open decision, a record. */
async function fixture(p: TestPlatform, area: number, staff: string, attendees: string[], resident: string) {
  const now = p.clock.now()
  const council = must(
    'council',
    await call(p.app, 'POST', '/api/v1/councils', {
      token: staff,
      body: { areaId: area, name: '权限表议事会', termStart: '2026-01-01', termEnd: '2028-12-31' },
    }),
    201,
  )
  const withMember = must(
    'member',
    await call(p.app, 'POST', `/api/v1/councils/${council.id}/members`, {
      token: staff,
      body: { name: '权限表委员', role: 'member', termStart: '2026-01-01', termEnd: '2028-12-31' },
    }),
    201,
  )
  const upcoming = must(
    'meeting',
    await call(p.app, 'POST', '/api/v1/meetings', {
      token: staff,
      body: meetingBody(area, now, 24 * HOUR, '权限表：待开会议'),
    }),
    201,
  ).id as number
  // Begun an hour ago: its registrants came before (written directly), and it is held.
  const held = must(
    'meeting',
    await call(p.app, 'POST', '/api/v1/meetings', {
      token: staff,
      body: meetingBody(area, now, -HOUR, '权限表：已开会议'),
    }),
    201,
  ).id as number
  const ids = await userIds(p, attendees)
  await p.database.db
    .insertInto('meeting_registration')
    .values(ids.map((user_id) => ({ meeting_id: held, user_id, registered_at: now, attended: true })))
    .execute()
  must(
    'hold',
    await call(p.app, 'POST', `/api/v1/meetings/${held}/actions`, {
      token: staff,
      body: { action: 'hold', minutes: '纪要' },
    }),
    200,
  )
  const decision = must(
    'decision',
    await call(p.app, 'POST', `/api/v1/meetings/${held}/decisions`, {
      token: staff,
      body: {
        title: '权限表表决',
        text: '表决事项。',
        majority: 'simple',
        votingOpensAt: new Date(now.getTime() - HOUR).toISOString(),
        votingClosesAt: new Date(now.getTime() + 24 * HOUR).toISOString(),
      },
    }),
    201,
  ).decisions[0].id as number
  const proposal = await acceptedProposal(p, area, resident, '权限表：已采纳提议')
  const record = must(
    'record',
    await call(p.app, 'POST', '/api/v1/accountability', {
      token: staff,
      body: { sourceKind: 'proposal', sourceId: proposal, title: '权限表：落实记录' },
    }),
    201,
  )
  const withMilestone = must(
    'milestone',
    await call(p.app, 'POST', `/api/v1/accountability/${record.id}/milestones`, {
      token: staff,
      body: { title: '权限表里程碑', dueOn: '2027-06-30' },
    }),
    201,
  )
  return {
    council: council.id as number,
    member: withMember.members[0].id as number,
    upcoming,
    held,
    decision,
    record: record.id as number,
    milestone: withMilestone.milestones[0].id as number,
  }
}

interface OwnData {
  council: number
  member: number
  upcoming: number
  held: number
  decision: number
  record: number
  milestone: number
  grid: number
}

export const own: OwnPart<OwnData> = {
  setup: async (p, base) => {
    const staff = await base.token('guihua.staff')
    // Everyone of A attended the held meeting but the mediator, who therefore may not vote.
    const data = await fixture(
      p,
      base.community,
      staff,
      accounts.filter((a) => a !== 'guihua.mediator'),
      'guihua.resident',
    )
    // The record has its event case already: a further call answers the same case.
    must(
      'case',
      await call(p.app, 'POST', `/api/v1/accountability/${data.record}/case`, {
        token: staff,
        body: { categoryCode: 'DL-03', gridId: base.grid, address: '桂花路1号' },
      }),
      200,
    )
    return { ...data, grid: base.grid }
  },
  rows: {
    'POST /api/v1/councils': staffRow,
    'GET /api/v1/councils': readerRow,
    'GET /api/v1/councils/:id': readerRow,
    'POST /api/v1/councils/:id/members': staffRow,
    'DELETE /api/v1/councils/:id/members/:memberId': staffRow,
    'POST /api/v1/meetings': staffRow,
    'GET /api/v1/meetings': readerRow,
    'GET /api/v1/meetings/:id': readerRow,
    'POST /api/v1/meetings/:id/actions': staffRow,
    'PUT /api/v1/meetings/:id/minutes': staffRow,
    // Anyone signed in on the branch registers and withdraws (their own registration).
    'POST /api/v1/meetings/:id/registrations': readerRow,
    'DELETE /api/v1/meetings/:id/registrations': readerRow,
    'POST /api/v1/meetings/:id/attendance': staffRow,
    'POST /api/v1/meetings/:id/decisions': staffRow,
    // Those marked present vote; the mediator did not attend (403 VOTE_NOT_ALLOWED).
    'POST /api/v1/meetings/:id/decisions/:decisionId/votes': row(
      'unauth',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'forbidden',
      'ok',
    ),
    'POST /api/v1/accountability': staffRow,
    'GET /api/v1/accountability': readerRow,
    'GET /api/v1/accountability/:id': readerRow,
    'PATCH /api/v1/accountability/:id': staffRow,
    'POST /api/v1/accountability/:id/milestones': staffRow,
    'PATCH /api/v1/accountability/:id/milestones/:milestoneId': staffRow,
    'POST /api/v1/accountability/:id/case': staffRow,
  },
  probes: {
    // A throwaway council, member, meeting, decision or record: creating is the thing checked.
    'POST /api/v1/councils': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/councils', {
        token,
        body: { areaId: base.community, name: '权限表：新议事会', termStart: '2027-01-01', termEnd: '2029-12-31' },
      }),
    'GET /api/v1/councils': ({ p, token }) => call(p.app, 'GET', '/api/v1/councils', { token }),
    'GET /api/v1/councils/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/councils/${data.council}`, { token }),
    'POST /api/v1/councils/:id/members': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/councils/${data.council}/members`, {
        token,
        body: { name: '权限表：新委员', role: 'member', termStart: '2027-01-01', termEnd: '2027-12-31' },
      }),
    // A fresh member (added by A's staff) for each caller to try to remove.
    'DELETE /api/v1/councils/:id/members/:memberId': async ({ p, token, data, base }) => {
      const added = must(
        'member',
        await call(p.app, 'POST', `/api/v1/councils/${data.council}/members`, {
          token: await base.token('guihua.staff'),
          body: { name: '权限表：待删委员', role: 'member', termStart: '2027-01-01', termEnd: '2027-12-31' },
        }),
        201,
      )
      const fresh = added.members.find((m: { name: string }) => m.name === '权限表：待删委员').id
      return call(p.app, 'DELETE', `/api/v1/councils/${data.council}/members/${fresh}`, { token })
    },
    'POST /api/v1/meetings': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/meetings', {
        token,
        body: meetingBody(base.community, p.clock.now(), 48 * HOUR, '权限表：新会议'),
      }),
    'GET /api/v1/meetings': ({ p, token }) => call(p.app, 'GET', '/api/v1/meetings', { token }),
    'GET /api/v1/meetings/:id': ({ p, token, data }) => call(p.app, 'GET', `/api/v1/meetings/${data.held}`, { token }),
    // A fresh meeting (scheduled by A's staff) for each caller to cancel.
    'POST /api/v1/meetings/:id/actions': async ({ p, token, base }) => {
      const fresh = must(
        'meeting',
        await call(p.app, 'POST', '/api/v1/meetings', {
          token: await base.token('guihua.staff'),
          body: meetingBody(base.community, p.clock.now(), 48 * HOUR, '权限表：待取消会议'),
        }),
        201,
      ).id
      return call(p.app, 'POST', `/api/v1/meetings/${fresh}/actions`, { token, body: { action: 'cancel' } })
    },
    'PUT /api/v1/meetings/:id/minutes': ({ p, token, data }) =>
      call(p.app, 'PUT', `/api/v1/meetings/${data.held}/minutes`, { token, body: { minutes: '权限表修订纪要' } }),
    'POST /api/v1/meetings/:id/registrations': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/meetings/${data.upcoming}/registrations`, { token }),
    'DELETE /api/v1/meetings/:id/registrations': ({ p, token, data }) =>
      call(p.app, 'DELETE', `/api/v1/meetings/${data.upcoming}/registrations`, { token }),
    'POST /api/v1/meetings/:id/attendance': async ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/meetings/${data.held}/attendance`, {
        token,
        body: { userIds: await userIds(p, ['guihua.resident']), attended: true },
      }),
    'POST /api/v1/meetings/:id/decisions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/meetings/${data.held}/decisions`, {
        token,
        body: {
          title: '权限表：新表决',
          text: '表决事项。',
          majority: 'two_thirds',
          votingOpensAt: p.clock.now().toISOString(),
          votingClosesAt: new Date(p.clock.now().getTime() + HOUR).toISOString(),
        },
      }),
    // A fresh decision (put by A's staff) for each caller to vote on once.
    'POST /api/v1/meetings/:id/decisions/:decisionId/votes': async ({ p, token, data, base }) => {
      const now = p.clock.now()
      const put = must(
        'decision',
        await call(p.app, 'POST', `/api/v1/meetings/${data.held}/decisions`, {
          token: await base.token('guihua.staff'),
          body: {
            title: `权限表：待投表决${Math.random()}`,
            text: '表决事项。',
            majority: 'simple',
            votingOpensAt: new Date(now.getTime() - HOUR).toISOString(),
            votingClosesAt: new Date(now.getTime() + HOUR).toISOString(),
          },
        }),
        201,
      )
      const fresh = put.decisions[put.decisions.length - 1].id
      return call(p.app, 'POST', `/api/v1/meetings/${data.held}/decisions/${fresh}/votes`, {
        token,
        body: { choice: 'for' },
      })
    },
    // A fresh accepted proposal for each caller to open the record of.
    'POST /api/v1/accountability': async ({ p, token, base }) => {
      const proposal = await acceptedProposal(p, base.community, 'guihua.resident', '权限表：又一条已采纳提议')
      return call(p.app, 'POST', '/api/v1/accountability', {
        token,
        body: { sourceKind: 'proposal', sourceId: proposal, title: '权限表：新落实记录' },
      })
    },
    'GET /api/v1/accountability': ({ p, token }) => call(p.app, 'GET', '/api/v1/accountability', { token }),
    'GET /api/v1/accountability/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/accountability/${data.record}`, { token }),
    'PATCH /api/v1/accountability/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/accountability/${data.record}`, {
        token,
        body: { status: 'in_progress', progress: 30 },
      }),
    'POST /api/v1/accountability/:id/milestones': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/accountability/${data.record}/milestones`, {
        token,
        body: { title: '权限表：新节点' },
      }),
    'PATCH /api/v1/accountability/:id/milestones/:milestoneId': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/accountability/${data.record}/milestones/${data.milestone}`, {
        token,
        body: { note: '权限表备注' },
      }),
    'POST /api/v1/accountability/:id/case': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/accountability/${data.record}/case`, {
        token,
        body: { categoryCode: 'DL-03', gridId: data.grid, address: '桂花路1号' },
      }),
  },
}

interface ScopingData extends OwnData {
  community: number
}

const listed = async (p: TestPlatform, token: string | null, urls: string[], hidden: number[]) => {
  for (const url of urls) {
    const res = await call(p.app, 'GET', url, { token })
    if (res.status !== 200) {
      denied(res.status)
      continue
    }
    const ids = res.body.items.map((i: { id: number }) => i.id)
    for (const h of hidden) expect(ids).not.toContain(h)
  }
}

export const scoping: ScopingPart<ScopingData> = {
  setup: async (p, base) => {
    const staff = await base.token('cuizhu.staff')
    const data = await fixture(p, base.community, staff, ['cuizhu.resident'], 'cuizhu.resident')
    // B's resident registered for B's upcoming meeting: A must not withdraw it.
    must(
      'register',
      await call(p.app, 'POST', `/api/v1/meetings/${data.upcoming}/registrations`, {
        token: await base.token('cuizhu.resident'),
      }),
      200,
    )
    return { ...data, grid: base.grid, community: base.community }
  },
  probes: {
    'POST /api/v1/councils': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('council').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/councils', {
            token,
            body: { areaId: d.community, name: '越权议事会', termStart: '2027-01-01', termEnd: '2029-12-31' },
          }),
      ),
    'GET /api/v1/councils': (p, token, d) =>
      listed(p, token, ['/api/v1/councils?pageSize=500', `/api/v1/councils?areaId=${d.community}`], [d.council]),
    'GET /api/v1/councils/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/councils/${d.council}`, { token })).status),
    'POST /api/v1/councils/:id/members': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('council_member').selectAll().where('council_id', '=', d.council).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/councils/${d.council}/members`, {
            token,
            body: { name: '越权委员', role: 'chair', termStart: '2027-01-01', termEnd: '2027-12-31' },
          }),
      ),
    'DELETE /api/v1/councils/:id/members/:memberId': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('council_member').selectAll().where('council_id', '=', d.council).execute(),
        () => call(p.app, 'DELETE', `/api/v1/councils/${d.council}/members/${d.member}`, { token }),
      ),
    'POST /api/v1/meetings': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('meeting').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/meetings', {
            token,
            body: meetingBody(d.community, p.clock.now(), 24 * HOUR, '越权会议'),
          }),
      ),
    'GET /api/v1/meetings': (p, token, d) =>
      listed(
        p,
        token,
        ['/api/v1/meetings?pageSize=500', `/api/v1/meetings?areaId=${d.community}`, '/api/v1/meetings?when=past'],
        [d.upcoming, d.held],
      ),
    'GET /api/v1/meetings/:id': async (p, token, d) => {
      denied((await call(p.app, 'GET', `/api/v1/meetings/${d.upcoming}`, { token })).status)
      denied((await call(p.app, 'GET', `/api/v1/meetings/${d.held}`, { token })).status)
    },
    'POST /api/v1/meetings/:id/actions': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('meeting').selectAll().where('id', '=', d.upcoming).executeTakeFirst(),
        () => call(p.app, 'POST', `/api/v1/meetings/${d.upcoming}/actions`, { token, body: { action: 'cancel' } }),
      ),
    'PUT /api/v1/meetings/:id/minutes': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('meeting').selectAll().where('id', '=', d.held).executeTakeFirst(),
        () => call(p.app, 'PUT', `/api/v1/meetings/${d.held}/minutes`, { token, body: { minutes: '越权纪要' } }),
      ),
    'POST /api/v1/meetings/:id/registrations': (p, token, d) =>
      unchanged(
        () =>
          p.database.db.selectFrom('meeting_registration').selectAll().where('meeting_id', '=', d.upcoming).execute(),
        () => call(p.app, 'POST', `/api/v1/meetings/${d.upcoming}/registrations`, { token }),
      ),
    'DELETE /api/v1/meetings/:id/registrations': (p, token, d) =>
      unchanged(
        () =>
          p.database.db.selectFrom('meeting_registration').selectAll().where('meeting_id', '=', d.upcoming).execute(),
        () => call(p.app, 'DELETE', `/api/v1/meetings/${d.upcoming}/registrations`, { token }),
      ),
    'POST /api/v1/meetings/:id/attendance': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('meeting_registration').selectAll().where('meeting_id', '=', d.held).execute(),
        async () =>
          call(p.app, 'POST', `/api/v1/meetings/${d.held}/attendance`, {
            token,
            body: { userIds: await userIds(p, ['cuizhu.resident']), attended: false },
          }),
      ),
    'POST /api/v1/meetings/:id/decisions': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('meeting_decision').select('id').where('meeting_id', '=', d.held).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/meetings/${d.held}/decisions`, {
            token,
            body: {
              title: '越权表决',
              text: '不应出现。',
              majority: 'simple',
              votingOpensAt: p.clock.now().toISOString(),
              votingClosesAt: new Date(p.clock.now().getTime() + HOUR).toISOString(),
            },
          }),
      ),
    'POST /api/v1/meetings/:id/decisions/:decisionId/votes': (p, token, d) =>
      unchanged(
        async () => [
          await p.database.db.selectFrom('meeting_vote').selectAll().where('decision_id', '=', d.decision).execute(),
          await p.database.db.selectFrom('meeting_decision').selectAll().where('id', '=', d.decision).execute(),
        ],
        () =>
          call(p.app, 'POST', `/api/v1/meetings/${d.held}/decisions/${d.decision}/votes`, {
            token,
            body: { choice: 'against' },
          }),
      ),
    'POST /api/v1/accountability': async (p, token, d) => {
      const proposal = await acceptedProposal(p, d.community, 'cuizhu.resident', '翠竹：已采纳提议')
      await unchanged(
        () =>
          p.database.db.selectFrom('accountability_record').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/accountability', {
            token,
            body: { sourceKind: 'proposal', sourceId: proposal, title: '越权记录' },
          }),
      )
    },
    'GET /api/v1/accountability': (p, token, d) =>
      listed(
        p,
        token,
        ['/api/v1/accountability?pageSize=500', `/api/v1/accountability?areaId=${d.community}`],
        [d.record],
      ),
    'GET /api/v1/accountability/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/accountability/${d.record}`, { token })).status),
    'PATCH /api/v1/accountability/:id': (p, token, d) =>
      unchanged(
        () =>
          p.database.db.selectFrom('accountability_record').selectAll().where('id', '=', d.record).executeTakeFirst(),
        () => call(p.app, 'PATCH', `/api/v1/accountability/${d.record}`, { token, body: { status: 'dropped' } }),
      ),
    'POST /api/v1/accountability/:id/milestones': (p, token, d) =>
      unchanged(
        () =>
          p.database.db.selectFrom('accountability_milestone').selectAll().where('record_id', '=', d.record).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/accountability/${d.record}/milestones`, { token, body: { title: '越权节点' } }),
      ),
    'PATCH /api/v1/accountability/:id/milestones/:milestoneId': (p, token, d) =>
      unchanged(
        () =>
          p.database.db.selectFrom('accountability_milestone').selectAll().where('record_id', '=', d.record).execute(),
        () =>
          call(p.app, 'PATCH', `/api/v1/accountability/${d.record}/milestones/${d.milestone}`, {
            token,
            body: { doneOn: '2026-11-01' },
          }),
      ),
    'POST /api/v1/accountability/:id/case': (p, token, d) =>
      unchanged(
        async () => [
          await p.database.db.selectFrom('accountability_record').selectAll().where('id', '=', d.record).execute(),
          await p.database.db.selectFrom('cases').select('id').where('description', 'like', '越权%').execute(),
        ],
        () =>
          call(p.app, 'POST', `/api/v1/accountability/${d.record}/case`, {
            token,
            body: { categoryCode: 'DL-03', gridId: d.grid, address: '越权地址', description: '越权立案' },
          }),
      ),
  },
}
