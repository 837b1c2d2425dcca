import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { actorForUser } from '../accounts/service.js'
import { cipherFor } from '../core/crypto.js'
import { inScope } from '../core/scope.js'
import { fireDueTimers } from '../core/scheduler.js'
import { timerHandlers } from '../main.js'
import {
  areaId,
  backends,
  call,
  DEMO_PASSWORD,
  openTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../../test/support.js'
import { digestCutoff, sendDigests } from './digest.js'
import { words } from './terms.js'

const DAY = 86_400_000

describe('words for the full-text search', () => {
  it('segments Chinese into content words, without stop words and punctuation', () => {
    const w = words('建议在小区增设电动车充电桩，解决充电难的问题！')
    expect(w).toContain('小区')
    expect(w).toContain('充电桩'.slice(0, 2))
    expect(w).not.toContain('的')
    expect(w).not.toContain('，')
    expect(w).not.toContain('建议')
  })
})

describe('the digest cutoff', () => {
  it('is 18:00 in Beijing, the same day once passed, else the day before', () => {
    expect(digestCutoff(new Date('2026-11-23T10:30:00Z')).toISOString()).toBe('2026-11-23T10:00:00.000Z')
    expect(digestCutoff(new Date('2026-11-23T09:59:00Z')).toISOString()).toBe('2026-11-22T10:00:00.000Z')
  })
})

describe.each(backends())('resident proposals and verification on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  const t: Record<string, string> = {}
  /** Residents of 桂花 created for the test: username → user id. */
  const residents: Record<string, number> = {}
  /** Registry people of 桂花 with a phone, not yet tied to an account. */
  let people: { id: number; name: string; idNumber: string }[] = []

  async function newResident(username: string): Promise<string> {
    const res = await call(p.app, 'POST', '/api/v1/users', {
      token: t.admin,
      body: {
        username,
        displayName: `居民${username.slice(-2)}`,
        password: DEMO_PASSWORD,
        grants: [{ role: 'resident', areaId: guihua }],
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    residents[username] = res.body.id
    return tokenFor(p.app, username)
  }

  async function verifyInPerson(username: string, personId: number) {
    const res = await call(p.app, 'POST', '/api/v1/verification/in-person', {
      token: t.staff,
      body: { userId: residents[username], personId },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(204)
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    guihua = await areaId(p, 'JZ-QH-01-01')
    for (const u of ['admin', 'staff', 'leader', 'resident']) t[u] = await tokenFor(p.app, `guihua.${u}`)
    t.cuizhu = await tokenFor(p.app, 'cuizhu.resident')
    const cipher = cipherFor(p.config)
    const rows = await p.database.db
      .selectFrom('person as x')
      .innerJoin('area as a', 'a.id', 'x.area_id')
      .leftJoin('resident_verification as v', 'v.person_id', 'x.id')
      .select(['x.id', 'x.name', 'x.id_number_enc'])
      .where('v.user_id', 'is', null)
      .where('a.path', 'like', sql<string>`(select path from area where id = ${guihua}) || '%'`)
      .where('x.status', '=', 'active')
      .where('x.phone_enc', 'is not', null)
      .orderBy('x.id')
      .limit(8)
      .execute()
    people = rows.map((r) => ({ id: r.id, name: r.name, idNumber: cipher.decrypt(r.id_number_enc) }))
    expect(people.length).toBeGreaterThanOrEqual(6)
  })
  afterAll(() => p?.close())

  it('verifies a resident by a code sent to the registry phone', async () => {
    const token = await newResident('gh.verify01')
    const [person] = people
    const before = await call(p.app, 'GET', '/api/v1/verification', { token })
    expect(before.body.verified).toBe(false)
    // A wrong name answers like a wrong code: the endpoint tells nothing about who is registered.
    const wrong = await call(p.app, 'POST', '/api/v1/verification/challenge', {
      token,
      body: { name: '不是本人', idNumber: person!.idNumber },
    })
    expect(wrong.status).toBe(422)
    expect(wrong.body.error.code).toBe('VERIFICATION_FAILED')
    const sent = await call(p.app, 'POST', '/api/v1/verification/challenge', {
      token,
      body: { name: person!.name, idNumber: person!.idNumber.toLowerCase() },
    })
    expect(sent.status, JSON.stringify(sent.body)).toBe(200)
    expect(sent.body.phoneMasked).toMatch(/\*/)
    const queued = await p.database.db
      .selectFrom('message_outbox')
      .select(['params', 'recipient'])
      .where('template_key', '=', 'verification.code')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    expect(queued.recipient).toBeNull() // the phone is only in sealed form
    const code = (queued.params as { code: string }).code
    const bad = await call(p.app, 'POST', '/api/v1/verification/confirm', {
      token,
      body: { code: code === '000000' ? '111111' : '000000' },
    })
    expect(bad.status).toBe(422)
    expect(bad.body.error).toMatchObject({ code: 'VERIFICATION_FAILED', field: 'code' })
    const ok = await call(p.app, 'POST', '/api/v1/verification/confirm', { token, body: { code } })
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body).toMatchObject({ verified: true, method: 'registry_code', areaId: expect.any(Number) })
    // The same person cannot verify a second account.
    const other = await newResident('gh.verify02')
    const again = await call(p.app, 'POST', '/api/v1/verification/challenge', {
      token: other,
      body: { name: person!.name, idNumber: person!.idNumber },
    })
    // Answered like any mismatch: the endpoint does not tell that this person has an account.
    expect(again.status).toBe(422)
    expect(again.body.error).toMatchObject({ code: 'VERIFICATION_FAILED', field: 'idNumber' })
    // The code expires.
    const second = people[1]!
    await call(p.app, 'POST', '/api/v1/verification/challenge', {
      token: other,
      body: { name: second.name, idNumber: second.idNumber },
    })
    p.clock.advance(11 * 60_000)
    const late = await call(p.app, 'POST', '/api/v1/verification/confirm', { token: other, body: { code: '123456' } })
    expect(late.body.error.code).toBe('VERIFICATION_EXPIRED')
  })

  it('lets only staff verify in person, and only people of their areas', async () => {
    await newResident('gh.inperson')
    const byResident = await call(p.app, 'POST', '/api/v1/verification/in-person', {
      token: t.resident,
      body: { userId: residents['gh.inperson'], personId: people[2]!.id },
    })
    expect(byResident.status).toBe(403)
    const cuizhuStaff = await tokenFor(p.app, 'cuizhu.staff')
    const foreign = await call(p.app, 'POST', '/api/v1/verification/in-person', {
      token: cuizhuStaff,
      body: { userId: residents['gh.inperson'], personId: people[2]!.id },
    })
    expect(foreign.status).toBe(403)
    // Staff of 桂花 cannot tie an account of another community to one of their people.
    const cuizhuResident = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'cuizhu.resident')
      .executeTakeFirstOrThrow()
    const otherAccount = await call(p.app, 'POST', '/api/v1/verification/in-person', {
      token: t.staff,
      body: { userId: cuizhuResident.id, personId: people[2]!.id },
    })
    expect(otherAccount.status).toBe(404)
    expect(otherAccount.body.error.code).toBe('USER_NOT_FOUND')
    await verifyInPerson('gh.inperson', people[2]!.id)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'verification.in_person')
      .where('entity_id', '=', String(residents['gh.inperson']))
      .execute()
    expect(audit).toHaveLength(1)
  })

  it('runs a proposal from publication through supports and the threshold to the official answer', async () => {
    // Threshold 2 in 桂花; verified residents only.
    const setting = await call(p.app, 'PUT', '/api/v1/proposal-settings', {
      token: t.admin,
      body: { areaId: guihua, supportThreshold: 2, answerDays: 10, verifiedToPropose: true, verifiedToSupport: true },
    })
    expect(setting.status, JSON.stringify(setting.body)).toBe(200)
    expect(setting.body).toMatchObject({ fromAreaId: guihua, supportThreshold: 2 })
    expect(
      (
        await call(p.app, 'PUT', '/api/v1/proposal-settings', {
          token: t.staff,
          body: setting.body && {
            areaId: guihua,
            supportThreshold: 3,
            answerDays: 10,
            verifiedToPropose: true,
            verifiedToSupport: true,
          },
        })
      ).status,
    ).toBe(403)

    const body = {
      areaId: guihua,
      category: 'facilities',
      title: '在小区增设电动自行车充电桩',
      body: '小区电动自行车越来越多，楼道里飞线充电很危险，建议在北门空地增设集中充电桩。',
    }
    // A resident not yet verified is told how.
    const unverified = await call(p.app, 'POST', '/api/v1/proposals', {
      token: await newResident('gh.newcomer1'),
      body,
    })
    expect(unverified.status).toBe(403)
    expect(unverified.body.error.code).toBe('VERIFICATION_REQUIRED')
    expect(unverified.body.error.details.how).toEqual(['registry_code', 'in_person'])

    const author = await newResident('gh.author')
    await verifyInPerson('gh.author', people[3]!.id)
    const made = await call(p.app, 'POST', '/api/v1/proposals', {
      token: author,
      body,
      headers: { 'idempotency-key': 'proposal-charging-1' },
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body.reference).toMatch(/^JY-2026-\d{6}$/)
    const retried = await call(p.app, 'POST', '/api/v1/proposals', {
      token: author,
      body,
      headers: { 'idempotency-key': 'proposal-charging-1' },
    })
    expect(retried.body.id).toBe(made.body.id)
    const id = made.body.id

    // Similar proposals are found by Chinese words, not by the whole string.
    const similar = await call(
      p.app,
      'GET',
      `/api/v1/proposals/similar?q=${encodeURIComponent('充电桩不够用')}&areaId=${guihua}`,
      {
        token: t.resident,
      },
    )
    expect(similar.status).toBe(200)
    expect(similar.body.items.map((i: { id: number }) => i.id)).toContain(id)
    const search = await call(p.app, 'GET', `/api/v1/proposals?q=${encodeURIComponent('充电')}&areaId=${guihua}`, {
      token: t.resident,
    })
    expect(search.body.items.map((i: { id: number }) => i.id)).toContain(id)

    // Another community's resident does not see it.
    expect((await call(p.app, 'GET', `/api/v1/proposals/${id}`, { token: t.cuizhu })).status).toBe(404)

    // Supports: the same resident twice at once counts once.
    const supporter = await newResident('gh.support')
    await verifyInPerson('gh.support', people[4]!.id)
    const both = await Promise.all([
      call(p.app, 'POST', `/api/v1/proposals/${id}/supports`, { token: supporter }),
      call(p.app, 'POST', `/api/v1/proposals/${id}/supports`, { token: supporter }),
    ])
    expect(both.map((r) => r.status)).toEqual([200, 200])
    let detail = await call(p.app, 'GET', `/api/v1/proposals/${id}`, { token: supporter })
    expect(detail.body).toMatchObject({ supportCount: 1, supported: true, status: 'published' })
    const count = await p.database.db
      .selectFrom('proposal_support')
      .select(sql<string>`count(*)`.as('n'))
      .where('proposal_id', '=', id)
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(1)
    // An unverified resident is refused.
    const newcomer = await newResident('gh.newcomer2')
    expect((await call(p.app, 'POST', `/api/v1/proposals/${id}/supports`, { token: newcomer })).body.error.code).toBe(
      'VERIFICATION_REQUIRED',
    )

    // The author's own support reaches the threshold of 2: the answer clock starts, staff are told.
    const reached = await call(p.app, 'POST', `/api/v1/proposals/${id}/supports`, { token: author })
    expect(reached.body).toMatchObject({ supportCount: 2, status: 'threshold_reached' })
    detail = await call(p.app, 'GET', `/api/v1/proposals/${id}`, { token: t.staff })
    expect(detail.body.answerDueAt).toBe(new Date(p.clock.now().getTime() + 10 * DAY).toISOString())
    expect(detail.body.allowedActions).toEqual(expect.arrayContaining(['evaluate', 'accept', 'reject']))
    expect(detail.body.allowedActions).not.toContain('withdraw')
    const staffUser = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.staff')
      .executeTakeFirstOrThrow()
    const told = await p.database.db
      .selectFrom('notification')
      .select('params')
      .where('user_id', '=', staffUser.id)
      .where('kind', '=', 'proposal_threshold')
      .execute()
    expect(told.map((n) => (n.params as { proposalId: number }).proposalId)).toContain(id)
    // Taking a support back is over once the threshold is reached.
    expect((await call(p.app, 'DELETE', `/api/v1/proposals/${id}/supports`, { token: supporter })).status).toBe(409)

    // A resident cannot answer; staff must give the answer's text.
    expect(
      (
        await call(p.app, 'POST', `/api/v1/proposals/${id}/actions`, {
          token: supporter,
          body: { action: 'accept', answer: '我们同意这个提议的全部内容。' },
        })
      ).status,
    ).toBe(403)
    const noText = await call(p.app, 'POST', `/api/v1/proposals/${id}/actions`, {
      token: t.staff,
      body: { action: 'accept' },
    })
    expect(noText.status).toBe(400)
    expect(noText.body.error.field).toBe('answer')

    // At 80 % of the limit the staff are reminded; the answer stops the clock.
    p.clock.advance(8.5 * DAY)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const warned = await p.database.db
      .selectFrom('notification')
      .select('id')
      .where('user_id', '=', staffUser.id)
      .where('kind', '=', 'proposal_warning')
      .execute()
    expect(warned.length).toBeGreaterThan(0)
    const accepted = await call(p.app, 'POST', `/api/v1/proposals/${id}/actions`, {
      token: t.staff,
      body: { action: 'accept', answer: '同意在北门空地建设集中充电棚，预计下月动工。' },
    })
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
    expect(accepted.body).toMatchObject({ status: 'accepted', answer: '同意在北门空地建设集中充电棚，预计下月动工。' })
    expect(accepted.body.events.map((e: { action: string }) => e.action)).toEqual(['publish', 'threshold', 'accept'])
    p.clock.advance(2 * DAY)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const overdue = await p.database.db
      .selectFrom('notification')
      .select('id')
      .where('kind', '=', 'proposal_overdue')
      .execute()
    expect(overdue).toHaveLength(0)

    // Supporters hear of the answer in the next digest: one notification however many items.
    const pending = await p.database.db
      .selectFrom('participation_digest_item')
      .select(['user_id', 'kind'])
      .where('subject_kind', '=', 'proposal')
      .where('subject_id', '=', id)
      .where('sent_at', 'is', null)
      .execute()
    expect(pending.map((x) => x.user_id)).toEqual(
      expect.arrayContaining([residents['gh.support'], residents['gh.author']]),
    )
    const written = await sendDigests(p.database.db, new Date(p.clock.now().getTime() + DAY))
    expect(written).toBeGreaterThanOrEqual(2)
    const digest = await p.database.db
      .selectFrom('notification')
      .select('params')
      .where('user_id', '=', residents['gh.author']!)
      .where('kind', '=', 'participation_digest')
      .execute()
    expect(digest).toHaveLength(1)
    expect((digest[0]!.params as { count: number }).count).toBeGreaterThanOrEqual(2)
    expect(await sendDigests(p.database.db, new Date(p.clock.now().getTime() + DAY))).toBe(0)

    // Implemented later; a withdrawn action is for the author only and not possible now.
    const done = await call(p.app, 'POST', `/api/v1/proposals/${id}/actions`, {
      token: t.staff,
      body: { action: 'implement' },
    })
    expect(done.body.status).toBe('implemented')
    const late = await call(p.app, 'POST', `/api/v1/proposals/${id}/actions`, {
      token: author,
      body: { action: 'withdraw' },
    })
    expect(late.status).toBe(409)
    expect(late.body.error.code).toBe('PROPOSAL_ILLEGAL_TRANSITION')
  })

  it('tells the leaders when an answer is overdue, and respects immediate delivery and unsubscribing', async () => {
    const author = await newResident('gh.author2')
    await verifyInPerson('gh.author2', people[5]!.id)
    const pref = await call(p.app, 'PUT', '/api/v1/participation/preferences', {
      token: author,
      body: { delivery: 'immediate' },
    })
    expect(pref.body.delivery).toBe('immediate')
    const made = await call(p.app, 'POST', '/api/v1/proposals', {
      token: author,
      body: {
        areaId: guihua,
        category: 'environment',
        title: '修剪三号楼前的大树',
        body: '三号楼前的梧桐树枝挡住了低层住户的采光，请安排修剪。',
      },
    })
    expect(made.status).toBe(201)
    const id = made.body.id
    await call(p.app, 'POST', `/api/v1/proposals/${id}/supports`, { token: author })
    const supporter = await tokenFor(p.app, 'gh.support')
    const reached = await call(p.app, 'POST', `/api/v1/proposals/${id}/supports`, { token: supporter })
    expect(reached.body.status).toBe('threshold_reached')
    // The author chose immediate delivery: the threshold is in the inbox at once.
    const now = await p.database.db
      .selectFrom('notification')
      .select('params')
      .where('user_id', '=', residents['gh.author2']!)
      .where('kind', '=', 'participation_update')
      .execute()
    expect(now.map((n) => (n.params as { event: string }).event)).toContain('threshold_reached')
    // The supporter unsubscribes from this proposal: no digest item for the answer.
    await call(p.app, 'POST', '/api/v1/participation/unsubscriptions', {
      token: supporter,
      body: { subjectKind: 'proposal', subjectId: id },
    })
    p.clock.advance(11 * DAY)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const leader = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.leader')
      .executeTakeFirstOrThrow()
    const overdue = await p.database.db
      .selectFrom('notification')
      .select('params')
      .where('user_id', '=', leader.id)
      .where('kind', '=', 'proposal_overdue')
      .execute()
    expect(overdue.map((n) => (n.params as { proposalId: number }).proposalId)).toContain(id)
    const rejected = await call(p.app, 'POST', `/api/v1/proposals/${id}/actions`, {
      token: t.staff,
      body: { action: 'reject', answer: '该树木属于市政园林管理，已转园林部门统一安排。' },
    })
    expect(rejected.body.status).toBe('rejected')
    const items = await p.database.db
      .selectFrom('participation_digest_item')
      .select('user_id')
      .where('subject_id', '=', id)
      .where('kind', '=', 'reject')
      .execute()
    expect(items.map((i) => i.user_id)).not.toContain(residents['gh.support'])
  })

  it("keeps answers, texts and moderation to the area's staff even for a query that forgets its check", async () => {
    const db = p.database.db
    const resident = { actor: await actorForUser(db, residents['gh.support']!), ip: 'test' }
    const staff = {
      actor: await actorForUser(
        db,
        (await db.selectFrom('app_user').select('id').where('username', '=', 'guihua.staff').executeTakeFirstOrThrow())
          .id,
      ),
      ip: 'test',
    }
    const open = await db
      .selectFrom('proposal as x')
      .innerJoin('area as a', 'a.id', 'x.area_id')
      .select(['x.id', 'x.answer'])
      .where('x.status', '=', 'published')
      .where('a.code', '=', 'JZ-QH-01-01')
      .orderBy('x.id')
      .executeTakeFirstOrThrow()
    // A resident's transaction may move the counters, never the answer or the state beyond its rules.
    await inScope(db, resident, (tx) =>
      tx.updateTable('proposal').set({ support_count: sql`support_count` }).where('id', '=', open.id).execute(),
    )
    await expect(
      inScope(db, resident, (tx) =>
        tx.updateTable('proposal').set({ answer: '伪造的答复' }).where('id', '=', open.id).execute(),
      ),
    ).rejects.toThrow(/staff/)
    await expect(
      inScope(db, resident, (tx) =>
        tx.updateTable('proposal').set({ status: 'accepted' }).where('id', '=', open.id).execute(),
      ),
    ).rejects.toThrow(/staff/)
    expect(
      (await db.selectFrom('proposal').select('answer').where('id', '=', open.id).executeTakeFirstOrThrow()).answer,
    ).toBe(open.answer)
    // Staff may; a resident cannot hide a comment.
    await inScope(db, staff, (tx) =>
      tx.updateTable('proposal').set({ updated_at: sql`updated_at` }).where('id', '=', open.id).execute(),
    )
    // A comment of 桂花 (the demo consultation's), seen by the resident: hiding it is for moderators.
    const comment = await db
      .selectFrom('participation_comment')
      .select('id')
      .where('hidden_at', 'is', null)
      .where('area_id', '=', guihua)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await expect(
      inScope(db, resident, (tx) =>
        tx
          .updateTable('participation_comment')
          .set({ hidden_at: new Date(), hidden_reason: '伪造', hidden_by: residents['gh.support']! })
          .where('id', '=', comment.id)
          .execute(),
      ),
    ).rejects.toThrow(/moderators/)
  })

  it('refuses bad input with the field named', async () => {
    const author = await tokenFor(p.app, 'gh.author')
    const short = await call(p.app, 'POST', '/api/v1/proposals', {
      token: author,
      body: { areaId: guihua, category: 'other', title: '短', body: '太短了' },
    })
    expect(short.status).toBe(400)
    expect(short.body.error.field).toMatch(/title|body/)
    const badPhoto = await call(p.app, 'POST', '/api/v1/proposals', {
      token: author,
      body: {
        areaId: guihua,
        category: 'other',
        title: '一个正常的标题',
        body: '这是一个足够长的提议正文。',
        photos: ['nope'],
      },
    })
    expect(badPhoto.status).toBe(422)
    expect(badPhoto.body.error.field).toBe('photos[0]')
    // Nothing half-written: no proposal with that title.
    const left = await p.database.db.selectFrom('proposal').select('id').where('title', '=', '一个正常的标题').execute()
    expect(left).toHaveLength(0)
    const missing = await call(p.app, 'GET', '/api/v1/proposals/999999', { token: author })
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('PROPOSAL_NOT_FOUND')
  })
})
