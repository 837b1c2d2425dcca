import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  areaId,
  backends,
  call,
  DEMO_PASSWORD,
  openTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../../test/support.js'
import { cipherFor } from '../core/crypto.js'
import { seedDemoMeetings } from './meetings-demo.js'
import { ruleOf } from './meetings.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

describe('the voting rule', () => {
  it('is stated with the majority and the quorum', () => {
    expect(ruleOf('simple', 5)).toContain('votes for exceed votes against')
    expect(ruleOf('simple', 5)).toContain('at least 5 people')
    expect(ruleOf('two_thirds', 1)).toContain('two thirds of all votes cast (for + against + abstain)')
    expect(ruleOf('two_thirds', 1)).toContain('at least 1 person')
  })
})

describe.each(backends())('councils and meetings on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  let cuizhu: number
  const t: Record<string, string> = {}
  const users: Record<string, number> = {}
  let proposalId = 0
  let cuizhuProposal = 0
  let consultationId = 0
  let now = new Date('2027-03-01T02:00:00Z')
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString()

  async function newResident(username: string, area = guihua): Promise<void> {
    const res = await call(p.app, 'POST', '/api/v1/users', {
      token: t.admin,
      body: {
        username,
        displayName: `居民${username.slice(-2)}`,
        password: DEMO_PASSWORD,
        grants: [{ role: 'resident', areaId: area }],
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    users[username] = res.body.id
    t[username] = await tokenFor(p.app, username)
  }

  async function insertProposal(area: number, status: string, title: string): Promise<number> {
    const author = users['gh.r1']!
    const row = await p.database.db
      .insertInto('proposal')
      .values({
        reference: `TEST-${Math.random().toString(36).slice(2, 10)}`,
        area_id: area,
        district_id: (await areaId(p, 'JZ-QH')) as number,
        category: 'facilities',
        title,
        body: '小区需要增加充电桩，方便居民电动车充电。',
        author_id: author,
        status,
        threshold: 20,
        terms: sql<string>`to_tsvector('simple', ${title})`,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }

  const meeting = (token: string, body: object) =>
    call(p.app, 'POST', '/api/v1/meetings', {
      token,
      body: {
        areaId: guihua,
        kind: 'deliberation',
        title: '充电桩选址议事会',
        agenda: '一、通报提议\n二、讨论选址\n三、表决',
        location: '桂花社区党群服务中心二楼',
        startsAt: at(2 * DAY),
        endsAt: at(2 * DAY + 2 * HOUR),
        quorum: 1,
        ...body,
      },
    })
  const get = (id: number, who = 'staff') => call(p.app, 'GET', `/api/v1/meetings/${id}`, { token: t[who] })
  const registerAs = (id: number, who: string) =>
    call(p.app, 'POST', `/api/v1/meetings/${id}/registrations`, { token: t[who] })
  const attend = (id: number, who: string[], attended = true) =>
    call(p.app, 'POST', `/api/v1/meetings/${id}/attendance`, {
      token: t.staff,
      body: { userIds: who.map((u) => users[u]), attended },
    })
  const decide = (id: number, body: object) =>
    call(p.app, 'POST', `/api/v1/meetings/${id}/decisions`, {
      token: t.staff,
      body: {
        title: '在3栋北侧设置充电桩',
        text: '同意在3栋北侧空地设置10个充电桩。',
        majority: 'simple',
        votingOpensAt: at(0),
        votingClosesAt: at(HOUR),
        ...body,
      },
    })
  const vote = (id: number, decisionId: number, who: string, choice: string) =>
    call(p.app, 'POST', `/api/v1/meetings/${id}/decisions/${decisionId}/votes`, { token: t[who], body: { choice } })
  const setClock = (d: Date) => {
    now = d
    p.clock.set(d)
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend, now.toISOString())
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    for (const u of ['admin', 'staff', 'leader', 'resident', 'grid']) t[u] = await tokenFor(p.app, `guihua.${u}`)
    t.cuizhuStaff = await tokenFor(p.app, 'cuizhu.staff')
    t.cuizhuResident = await tokenFor(p.app, 'cuizhu.resident')
    for (let i = 1; i <= 8; i++) await newResident(`gh.r${i}`)
    proposalId = await insertProposal(guihua, 'threshold_reached', '3栋北侧增设电动车充电桩')
    cuizhuProposal = await insertProposal(cuizhu, 'published', '翠竹小区增设快递柜')
    const c = await p.database.db
      .insertInto('consultation')
      .values({
        area_id: guihua,
        kind: 'community_rule',
        title: '桂花社区电动车停放公约（征求意见稿）',
        summary: '规范电动车停放与充电。',
        opens_at: now,
        closes_at: new Date(now.getTime() + 10 * DAY),
        status: 'open',
        created_by: (
          await p.database.db
            .selectFrom('app_user')
            .select('id')
            .where('username', '=', 'guihua.staff')
            .executeTakeFirstOrThrow()
        ).id,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    consultationId = c.id
  })
  afterAll(() => p?.close())

  it('keeps a council with members by term: staff write, the branch reads, others see nothing', async () => {
    const denied = await call(p.app, 'POST', '/api/v1/councils', {
      token: t.resident,
      body: { areaId: guihua, name: '桂花社区居民议事会', termStart: '2026-01-01', termEnd: '2028-12-31' },
    })
    expect(denied.status).toBe(403)
    const made = await call(p.app, 'POST', '/api/v1/councils', {
      token: t.staff,
      body: { areaId: guihua, name: '桂花社区居民议事会', termStart: '2026-01-01', termEnd: '2028-12-31' },
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    const id = made.body.id
    const backwards = await call(p.app, 'POST', '/api/v1/councils', {
      token: t.staff,
      body: { areaId: guihua, name: '反了', termStart: '2028-01-01', termEnd: '2027-01-01' },
    })
    expect(backwards.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'termEnd' })
    const add = (body: object) => call(p.app, 'POST', `/api/v1/councils/${id}/members`, { token: t.staff, body })
    expect(
      (
        await add({
          userId: users['gh.r7'],
          name: '陈志远',
          role: 'chair',
          termStart: '2026-01-01',
          termEnd: '2028-12-31',
        })
      ).status,
    ).toBe(201)
    expect(
      (await add({ name: '林秀芳', role: 'vice_chair', termStart: '2026-01-01', termEnd: '2028-12-31' })).status,
    ).toBe(201)
    // A member whose term ended: history, and no vote.
    expect(
      (
        await add({
          userId: users['gh.r8'],
          name: '黄建华',
          role: 'member',
          termStart: '2023-01-01',
          termEnd: '2025-12-31',
        })
      ).status,
    ).toBe(201)
    const secondChair = await add({ name: '另一位主任', role: 'chair', termStart: '2027-01-01', termEnd: '2027-06-30' })
    expect(secondChair.status).toBe(409)
    expect(secondChair.body.error.field).toBe('role')
    const twice = await add({
      userId: users['gh.r7'],
      name: '陈志远',
      role: 'member',
      termStart: '2027-01-01',
      termEnd: '2027-12-31',
    })
    expect(twice.body.error).toMatchObject({ code: 'CONFLICT', field: 'userId' })
    const read = await call(p.app, 'GET', `/api/v1/councils/${id}`, { token: t.resident })
    expect(read.status).toBe(200)
    expect(read.body.memberCount).toBe(2)
    expect(read.body.canManage).toBe(false)
    expect(read.body.members.map((m: any) => [m.name, m.role, m.current])).toEqual([
      ['陈志远', 'chair', true],
      ['林秀芳', 'vice_chair', true],
      ['黄建华', 'member', false],
    ])
    expect((await call(p.app, 'GET', `/api/v1/councils/${id}`, { token: t.cuizhuResident })).status).toBe(404)
    const theirs = await call(p.app, 'GET', '/api/v1/councils', { token: t.cuizhuStaff })
    expect(theirs.body.items.map((c: any) => c.id)).not.toContain(id)
    const ours = await call(p.app, 'GET', `/api/v1/councils?areaId=${guihua}`, { token: t.grid })
    expect(ours.body.items.map((c: any) => c.id)).toContain(id)
    // Removing a member entered by mistake; a foreign staff member cannot.
    const extra = await add({ name: '误录', role: 'member', termStart: '2026-01-01', termEnd: '2026-12-31' })
    const extraId = extra.body.members.find((m: any) => m.name === '误录').id
    const foreign = await call(p.app, 'DELETE', `/api/v1/councils/${id}/members/${extraId}`, { token: t.cuizhuStaff })
    expect(foreign.status).toBe(404)
    const removed = await call(p.app, 'DELETE', `/api/v1/councils/${id}/members/${extraId}`, { token: t.staff })
    expect(removed.status).toBe(200)
    expect(removed.body.members.map((m: any) => m.name)).not.toContain('误录')
    users.council = id
  })

  it('schedules a meeting on visible subjects only, and lists upcoming before past', async () => {
    const hidden = await meeting(t.staff, { subjects: [{ kind: 'proposal', id: cuizhuProposal }] })
    expect(hidden.status).toBe(404)
    expect(hidden.body.error).toMatchObject({ code: 'PROPOSAL_NOT_FOUND', field: 'subjects[0].id' })
    const dup = await meeting(t.staff, {
      subjects: [
        { kind: 'proposal', id: proposalId },
        { kind: 'proposal', id: proposalId },
      ],
    })
    expect(dup.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'subjects[1]' })
    const backwards = await meeting(t.staff, { endsAt: at(DAY) })
    expect(backwards.body.error.field).toBe('endsAt')
    const noCouncil = await meeting(t.staff, { kind: 'council' })
    expect(noCouncil.body.error.field).toBe('councilId')
    expect((await meeting(t.resident, {})).status).toBe(403)
    expect((await meeting(t.cuizhuStaff, {})).status).toBe(403)
    const made = await meeting(t.staff, {
      subjects: [
        { kind: 'proposal', id: proposalId },
        { kind: 'consultation', id: consultationId },
      ],
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body.subjects).toEqual([
      { kind: 'proposal', id: proposalId, title: '3栋北侧增设电动车充电桩', status: 'threshold_reached' },
      { kind: 'consultation', id: consultationId, title: '桂花社区电动车停放公约（征求意见稿）', status: 'open' },
    ])
    expect(made.body).toMatchObject({ status: 'scheduled', registrationOpen: true, allowedActions: ['cancel'] })
    const past = await meeting(t.staff, { title: '上月议事会', startsAt: at(-30 * DAY), endsAt: at(-30 * DAY + HOUR) })
    const later = await meeting(t.staff, { title: '下月议事会', startsAt: at(30 * DAY), endsAt: at(30 * DAY + HOUR) })
    const list = await call(p.app, 'GET', `/api/v1/meetings?areaId=${guihua}`, { token: t.resident })
    const ids = list.body.items.map((m: any) => m.id)
    expect(ids.indexOf(made.body.id)).toBeLessThan(ids.indexOf(later.body.id))
    expect(ids.indexOf(later.body.id)).toBeLessThan(ids.indexOf(past.body.id))
    const upcoming = await call(p.app, 'GET', '/api/v1/meetings?when=upcoming', { token: t.resident })
    expect(upcoming.body.items.map((m: any) => m.id)).not.toContain(past.body.id)
    const pastOnly = await call(p.app, 'GET', '/api/v1/meetings?when=past', { token: t.resident })
    const pastIds = pastOnly.body.items.map((m: any) => m.id)
    expect(pastIds).toContain(past.body.id)
    expect(pastIds).not.toContain(made.body.id)
    expect(pastIds).not.toContain(later.body.id)
    const foreign = await call(p.app, 'GET', '/api/v1/meetings', { token: t.cuizhuResident })
    expect(foreign.body.items.map((m: any) => m.id)).not.toContain(made.body.id)
    expect((await get(made.body.id, 'cuizhuResident')).status).toBe(404)
  })

  it('takes registrations up to the capacity: of concurrent ones for the last place, one succeeds', async () => {
    const m = (await meeting(t.staff, { capacity: 3 })).body
    expect((await registerAs(m.id, 'gh.r1')).status).toBe(200)
    expect((await registerAs(m.id, 'gh.r2')).status).toBe(200)
    // Registering twice is a no-op.
    const again = await registerAs(m.id, 'gh.r2')
    expect(again.status).toBe(200)
    expect(again.body.registrationCount).toBe(2)
    const racers = ['gh.r3', 'gh.r4', 'gh.r5', 'gh.r6']
    const answers = await Promise.all(racers.map((u) => registerAs(m.id, u)))
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    const full = answers.filter((a) => a.status === 409)
    expect(full).toHaveLength(3)
    for (const f of full) expect(f.body.error.code).toBe('MEETING_FULL')
    const count = await p.database.db
      .selectFrom('meeting_registration')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('meeting_id', '=', m.id)
      .executeTakeFirstOrThrow()
    expect(count.n).toBe(3)
    const seen = await get(m.id, 'gh.r1')
    expect(seen.body).toMatchObject({ registered: true, registrationCount: 3, registrationOpen: false })
    expect(seen.body.registrants).toEqual([]) // the list is the staff's
    expect((await get(m.id)).body.registrants).toHaveLength(3)
    // Withdrawing frees the place; after the start nobody registers or withdraws.
    const out = await call(p.app, 'DELETE', `/api/v1/meetings/${m.id}/registrations`, { token: t['gh.r1'] })
    expect(out.body).toMatchObject({ registered: false, registrationCount: 2, myRegistration: null })
    setClock(new Date(new Date(m.startsAt).getTime() + 60_000))
    const late = await registerAs(m.id, 'gh.r1')
    expect(late.body.error.code).toBe('MEETING_ILLEGAL_TRANSITION')
    const lateOut = await call(p.app, 'DELETE', `/api/v1/meetings/${m.id}/registrations`, { token: t['gh.r2'] })
    expect(lateOut.status).toBe(409)
    setClock(new Date('2027-03-01T02:00:00Z'))
  })

  it('holds a meeting once begun, takes minutes when held, and tells the registrants', async () => {
    const m = (await meeting(t.staff, {})).body
    await registerAs(m.id, 'gh.r1')
    const early = await call(p.app, 'POST', `/api/v1/meetings/${m.id}/actions`, {
      token: t.staff,
      body: { action: 'hold' },
    })
    expect(early.status).toBe(409)
    expect(early.body.error.code).toBe('MEETING_ILLEGAL_TRANSITION')
    const notYet = await call(p.app, 'PUT', `/api/v1/meetings/${m.id}/minutes`, {
      token: t.staff,
      body: { minutes: '会议纪要' },
    })
    expect(notYet.body.error).toMatchObject({ code: 'MEETING_ILLEGAL_TRANSITION', field: 'minutes' })
    setClock(new Date(new Date(m.startsAt).getTime() + HOUR))
    const byResident = await call(p.app, 'POST', `/api/v1/meetings/${m.id}/actions`, {
      token: t.resident,
      body: { action: 'hold' },
    })
    expect(byResident.status).toBe(403)
    const held = await call(p.app, 'POST', `/api/v1/meetings/${m.id}/actions`, {
      token: t.staff,
      body: { action: 'hold', minutes: '到会居民12人，讨论了充电桩选址。' },
    })
    expect(held.status, JSON.stringify(held.body)).toBe(200)
    expect(held.body).toMatchObject({ status: 'held', minutes: '到会居民12人，讨论了充电桩选址。', allowedActions: [] })
    const cancel = await call(p.app, 'POST', `/api/v1/meetings/${m.id}/actions`, {
      token: t.staff,
      body: { action: 'cancel' },
    })
    expect(cancel.status).toBe(409)
    expect(cancel.body.error.details).toEqual({ state: 'held', allowedActions: [] })
    const minutes = await call(p.app, 'PUT', `/api/v1/meetings/${m.id}/minutes`, {
      token: t.staff,
      body: { minutes: '修订后的纪要' },
    })
    expect(minutes.body.minutes).toBe('修订后的纪要')
    const told = await p.database.db
      .selectFrom('participation_digest_item')
      .select(['kind'])
      .where('user_id', '=', users['gh.r1']!)
      .where('subject_kind', '=', 'meeting')
      .where('subject_id', '=', m.id)
      .execute()
    expect(told.map((x) => x.kind)).toEqual(['held'])
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'meeting')
      .where('entity_id', '=', String(m.id))
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(['meeting.create', 'meeting.hold', 'meeting.minutes'])
    setClock(new Date('2027-03-01T02:00:00Z'))
  })

  it('marks attendance of registered people only', async () => {
    const m = (await meeting(t.staff, {})).body
    await registerAs(m.id, 'gh.r1')
    await registerAs(m.id, 'gh.r2')
    const stranger = await attend(m.id, ['gh.r1', 'gh.r3'])
    expect(stranger.status).toBe(400)
    expect(stranger.body.error.field).toBe('userIds[1]')
    expect((await attend(m.id, ['gh.r1'])).body.attendedCount).toBe(1)
    // Once marked present, the registration is the record of it: it cannot be withdrawn.
    const withdraw = await call(p.app, 'DELETE', `/api/v1/meetings/${m.id}/registrations`, { token: t['gh.r1'] })
    expect(withdraw.status).toBe(409)
    expect(withdraw.body.error.code).toBe('MEETING_ILLEGAL_TRANSITION')
    const byResident = await call(p.app, 'POST', `/api/v1/meetings/${m.id}/attendance`, {
      token: t['gh.r1'],
      body: { userIds: [users['gh.r1']], attended: true },
    })
    expect(byResident.status).toBe(403)
    const detail = (await get(m.id)).body
    expect(detail.registrants.map((r: any) => [r.userId, r.attended])).toEqual([
      [users['gh.r1'], true],
      [users['gh.r2'], false],
    ])
  })

  it('takes votes only inside the window, from those present or sitting council members, once each', async () => {
    const m = (
      await meeting(t.staff, { kind: 'council', councilId: users.council, startsAt: at(-HOUR), endsAt: at(HOUR) })
    ).body
    // Registration closed at the start; people are registered as staff would have before.
    await p.database.db
      .insertInto('meeting_registration')
      .values(['gh.r1', 'gh.r2', 'gh.r3'].map((u) => ({ meeting_id: m.id, user_id: users[u]!, registered_at: now })))
      .execute()
    await attend(m.id, ['gh.r1', 'gh.r2'])
    const created = await decide(m.id, { votingOpensAt: at(30 * 60_000), votingClosesAt: at(2 * HOUR) })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const d = created.body.decisions[0]
    expect(d).toMatchObject({
      votingOpen: false,
      result: null,
      votesFor: null,
      rule: expect.stringContaining('simple'),
    })
    const early = await vote(m.id, d.id, 'gh.r1', 'for')
    expect(early.status).toBe(409)
    expect(early.body.error).toMatchObject({ code: 'VOTING_CLOSED', field: 'choice' })
    setClock(new Date(now.getTime() + HOUR))
    // Registered but not marked present; a resident who did not come; a member whose term ended.
    for (const who of ['gh.r3', 'gh.r4', 'gh.r8', 'resident']) {
      const no = await vote(m.id, d.id, who, 'for')
      expect(no.status, who).toBe(403)
      expect(no.body.error.code).toBe('VOTE_NOT_ALLOWED')
    }
    // The council's sitting chair votes without registering.
    const chair = await vote(m.id, d.id, 'gh.r7', 'against')
    expect(chair.status, JSON.stringify(chair.body)).toBe(201)
    expect(chair.body.decisions[0]).toMatchObject({ myVote: 'against', mayVote: false, voters: 1, votesFor: null })
    // Five votes at once from one person count once.
    const burst = await Promise.all([1, 2, 3, 4, 5].map(() => vote(m.id, d.id, 'gh.r1', 'for')))
    expect(burst.filter((b) => b.status === 201)).toHaveLength(1)
    for (const b of burst.filter((x) => x.status !== 201))
      expect(b.body.error).toMatchObject({ code: 'CONFLICT', field: 'choice' })
    const changeMind = await vote(m.id, d.id, 'gh.r1', 'against')
    expect(changeMind.status).toBe(409)
    const votes = await p.database.db
      .selectFrom('meeting_vote')
      .select(['user_id', 'choice'])
      .where('decision_id', '=', d.id)
      .orderBy('user_id')
      .execute()
    expect(votes).toEqual([
      { user_id: users['gh.r1'], choice: 'for' },
      { user_id: users['gh.r7'], choice: 'against' },
    ])
    const mine = (await get(m.id, 'gh.r2')).body
    expect(mine.mayVote).toBe(true)
    expect(mine.decisions[0]).toMatchObject({ votingOpen: true, mayVote: true, myVote: null, voters: 2 })
    setClock(new Date(d.votingClosesAt))
    const late = await vote(m.id, d.id, 'gh.r2', 'for')
    expect(late.body.error).toMatchObject({ code: 'VOTING_CLOSED', field: 'choice' })
    // 1 for, 1 against: a simple majority needs more for than against.
    const result = (await get(m.id, 'resident')).body.decisions[0]
    expect(result).toMatchObject({
      votingOpen: false,
      votesFor: 1,
      votesAgainst: 1,
      votesAbstain: 0,
      result: 'rejected',
    })
    const stored = await p.database.db
      .selectFrom('meeting_decision')
      .select(['result', 'votes_for', 'votes_against'])
      .where('id', '=', d.id)
      .executeTakeFirstOrThrow()
    expect(stored).toEqual({ result: 'rejected', votes_for: 1, votes_against: 1 })
    setClock(new Date('2027-03-01T02:00:00Z'))
  })

  it('counts results by quorum and by both majority rules, as counted by hand', async () => {
    const m = (await meeting(t.staff, { quorum: 5, startsAt: at(-HOUR), endsAt: at(HOUR) })).body
    const people = ['gh.r1', 'gh.r2', 'gh.r3', 'gh.r4', 'gh.r5', 'gh.r6']
    await p.database.db
      .insertInto('meeting_registration')
      .values(people.map((u) => ({ meeting_id: m.id, user_id: users[u]!, registered_at: now })))
      .execute()
    await attend(m.id, people)
    // choices per person, in the order of `people`, and the result counted by hand:
    const cases: [string, string[], string][] = [
      // 3 for, 2 against, 1 abstain, 6 ≥ quorum 5: 3 > 2 → adopted
      ['simple', ['for', 'for', 'for', 'against', 'against', 'abstain'], 'adopted'],
      // the same votes under two thirds: 3 of 6 < 4 → rejected
      ['two_thirds', ['for', 'for', 'for', 'against', 'against', 'abstain'], 'rejected'],
      // 4 of 6 is exactly two thirds → adopted (an abstention counts as cast)
      ['two_thirds', ['for', 'for', 'for', 'for', 'against', 'abstain'], 'adopted'],
      // 3 for, 3 against: a tie is not a majority → rejected
      ['simple', ['for', 'for', 'for', 'against', 'against', 'against'], 'rejected'],
      // only 4 voted, quorum 5 → no_quorum however they voted
      ['simple', ['for', 'for', 'for', 'for'], 'no_quorum'],
    ]
    const ids: number[] = []
    for (const [i, [majority]] of cases.entries()) {
      const r = await decide(m.id, {
        title: `表决事项${i + 1}`,
        majority,
        votingOpensAt: at(0),
        votingClosesAt: at(HOUR),
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      ids.push(r.body.decisions.find((d: any) => d.title === `表决事项${i + 1}`).id)
    }
    for (const [i, [, choices]] of cases.entries())
      for (const [j, choice] of choices.entries()) {
        const r = await vote(m.id, ids[i]!, people[j]!, choice)
        expect(r.status, JSON.stringify(r.body)).toBe(201)
      }
    setClock(new Date(now.getTime() + HOUR))
    const detail = (await get(m.id, 'resident')).body
    for (const [i, [majority, choices, expected]] of cases.entries()) {
      const d = detail.decisions.find((x: any) => x.id === ids[i])
      const n = (c: string) => choices.filter((x) => x === c).length
      expect(d, `decision ${i + 1}`).toMatchObject({
        majority,
        result: expected,
        votesFor: n('for'),
        votesAgainst: n('against'),
        votesAbstain: n('abstain'),
        voters: choices.length,
      })
      expect(d.rule).toContain('at least 5 people')
    }
    setClock(new Date('2027-03-01T02:00:00Z'))
  })

  it('refuses bad decisions and cancels a meeting, telling its registrants', async () => {
    const m = (await meeting(t.staff, {})).body
    const backwards = await decide(m.id, { votingOpensAt: at(HOUR), votingClosesAt: at(0) })
    expect(backwards.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'votingClosesAt' })
    expect(
      (
        await call(p.app, 'POST', `/api/v1/meetings/${m.id}/decisions`, {
          token: t.resident,
          body: { title: 'x', text: 'y', majority: 'simple', votingOpensAt: at(0), votingClosesAt: at(HOUR) },
        })
      ).status,
    ).toBe(403)
    await registerAs(m.id, 'gh.r5')
    const cancelled = await call(p.app, 'POST', `/api/v1/meetings/${m.id}/actions`, {
      token: t.staff,
      body: { action: 'cancel' },
    })
    expect(cancelled.body.status).toBe('cancelled')
    expect((await registerAs(m.id, 'gh.r6')).status).toBe(409)
    expect((await decide(m.id, {})).status).toBe(409)
    const told = await p.database.db
      .selectFrom('participation_digest_item')
      .select('kind')
      .where('user_id', '=', users['gh.r5']!)
      .where('subject_id', '=', m.id)
      .where('subject_kind', '=', 'meeting')
      .execute()
    expect(told.map((x) => x.kind)).toEqual(['cancelled'])
  })

  it('answers a missing meeting or decision with 404', async () => {
    expect((await get(999999)).body.error.code).toBe('MEETING_NOT_FOUND')
    const m = (await meeting(t.staff, {})).body
    const missing = await vote(m.id, 999999, 'gh.r1', 'for')
    expect(missing.body.error.code).toBe('DECISION_NOT_FOUND')
    expect((await call(p.app, 'GET', '/api/v1/councils/999999', { token: t.resident })).body.error.code).toBe(
      'COUNCIL_NOT_FOUND',
    )
  })
})

describe.each(backends())('the demo meetings on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  beforeAll(async () => {
    // At the time of day the demo city is made, so "upcoming" is upcoming.
    p = await openTestPlatform(backend, new Date().toISOString())
    const seeded = await p.database.db
      .selectFrom('council')
      .select('id')
      .where('name', '=', '桂花社区居民议事会')
      .executeTakeFirst()
    // Once src/demo/seed.ts runs it, the template has it already.
    if (!seeded)
      await p.database.db.transaction().execute((tx) => seedDemoMeetings(tx, p.clock.now(), cipherFor(p.config)))
    for (const u of ['guihua.resident', 'guihua.staff', 'cuizhu.resident']) t[u] = await tokenFor(p.app, u)
  })
  afterAll(() => p?.close())

  it('gives a resident of 桂花 a council, a held meeting with an adopted decision and an upcoming one to join', async () => {
    const who = t['guihua.resident']
    const councils = await call(p.app, 'GET', '/api/v1/councils', { token: who })
    const council = councils.body.items.find((c: any) => c.name === '桂花社区居民议事会')
    expect(council).toMatchObject({ current: true, memberCount: 6 })
    const members = (await call(p.app, 'GET', `/api/v1/councils/${council.id}`, { token: who })).body.members
    expect(members.filter((m: any) => !m.current)).toHaveLength(1)
    const upcoming = await call(p.app, 'GET', '/api/v1/meetings?when=upcoming', { token: who })
    const open = upcoming.body.items.find((m: any) => m.title === '北门充电棚与三号楼无障碍坡道议事会')
    expect(open).toMatchObject({ status: 'scheduled', registrationOpen: true, registered: false })
    const first = await p.database.db
      .selectFrom('proposal as x')
      .innerJoin('area as a', 'a.id', 'x.area_id')
      .select('x.id')
      .where('a.code', '=', 'JZ-QH-01-01')
      .orderBy('x.id')
      .executeTakeFirst()
    const detail = (await call(p.app, 'GET', `/api/v1/meetings/${open.id}`, { token: who })).body
    if (first) expect(detail.subjects[0]).toMatchObject({ kind: 'proposal', id: first.id })
    expect(detail.decisions[0]).toMatchObject({ majority: 'two_thirds', votingOpen: false, result: null })
    const past = await call(p.app, 'GET', '/api/v1/meetings?when=past', { token: who })
    const council3 = past.body.items.find((m: any) => m.title === '桂花社区居民议事会第三次会议')
    const held = (await call(p.app, 'GET', `/api/v1/meetings/${council3.id}`, { token: who })).body
    expect(held.status).toBe('held')
    expect(held.minutes).toContain('充电棚')
    expect(held.decisions.map((d: any) => [d.result, d.votesFor, d.votesAgainst, d.votesAbstain])).toEqual([
      ['adopted', 4, 1, 0],
      ['rejected', 1, 3, 1],
    ])
    expect(held.myRegistration).toMatchObject({ attended: true })
    expect(held.decisions[0].myVote).toBe('for')
    // The street's hearing reaches the community's residents too.
    expect(upcoming.body.items.map((m: any) => m.kind)).toContain('hearing')
    // 翠竹's meetings are not 桂花's business.
    expect(upcoming.body.items.map((m: any) => m.area.code)).not.toContain('JZ-QH-02-01')
  })

  it('follows outcomes in records of different states, with milestones', async () => {
    const list = await call(p.app, 'GET', '/api/v1/accountability', { token: t['guihua.resident'] })
    const ours = list.body.items.filter((r: any) => r.area.code === 'JZ-QH-01-01')
    expect(ours.length).toBeGreaterThanOrEqual(3)
    expect(new Set(ours.map((r: any) => r.status))).toEqual(new Set(['planned', 'in_progress', 'done']))
    const lights = ours.find((r: any) => r.title === '修复主干道路灯并加装庭院灯')
    expect(lights).toMatchObject({ status: 'in_progress', progress: 40, milestoneCount: 4, milestonesDone: 2 })
    const detail = (await call(p.app, 'GET', `/api/v1/accountability/${lights.id}`, { token: t['guihua.resident'] }))
      .body
    expect(detail.milestones.filter((m: any) => m.doneOn !== null)).toHaveLength(2)
    expect(detail.source).toMatchObject({ kind: 'meeting_decision', status: 'adopted' })
    const theirs = await call(p.app, 'GET', '/api/v1/accountability', { token: t['cuizhu.resident'] })
    expect(theirs.body.items.map((r: any) => r.area.code)).toEqual(['JZ-QH-02-01'])
  })
})
