import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fireDueTimers } from '../core/scheduler.js'
import { timerHandlers } from '../main.js'
import { backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

// The loop by the book (issue 12): urgency tiers, first contact, governed returns, verification
// before filing, direct answers, shelving, call-backs and the requester's answer, the proactive
// channel. The clock is the platform's manual one.

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
const HOUR = 3600_000
const START = '2026-11-23T02:00:00Z' // a Monday, 10:00 in Shanghai

describe.each(backends())('the loop by the book on %s', (backend) => {
  let p: TestPlatform
  let g01: { lng: number; lat: number }
  const t: Record<string, string> = {}
  const act = (who: string, id: number, body: object) =>
    call(p.app, 'POST', `/api/v1/cases/${id}/actions`, { token: t[who], body })
  const report = (who: string | null, body: object) =>
    call(p.app, 'POST', '/api/v1/cases', { token: who ? t[who] : null, body })
  const at = (hoursFromStart: number) => p.clock.set(new Date(Date.parse(START) + hoursFromStart * HOUR))
  /** A hotline call about a public toilet in G01, accepted and dispatched by routing to the street's team. */
  const dispatchedCall = async (extra: object = {}) => {
    const filed = await report('guihua.staff', {
      categoryCode: 'HW-08',
      location: g01,
      description: '公厕门锁损坏',
      reporterName: '张先生',
      reporterPhone: '13900001111',
      ...extra,
    })
    expect(filed.status).toBe(201)
    const accepted = await act('guihua.staff', filed.body.id, { action: 'accept' })
    expect(accepted.body.state).toBe('dispatched')
    return accepted.body
  }
  const upload = async (who: string) => {
    const res = await p.app.inject({
      method: 'POST',
      url: '/api/v1/photos',
      headers: { 'content-type': 'image/png', authorization: `Bearer ${t[who]}` },
      payload: PNG,
    })
    expect(res.statusCode).toBe(201)
    return res.json().token as string
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend, START)
    const { rows } = await sql<{ lng: number; lat: number }>`
      select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
      from area where code = 'JZ-QH-01-01-G01'`.execute(p.database.db)
    g01 = rows[0]!
    for (const u of [
      'guihua.resident',
      'guihua.staff',
      'guihua.handler',
      'guihua.grid',
      'guihua.leader',
      'guihua.admin',
    ])
      t[u] = await tokenFor(p.app, u)
  })
  afterAll(() => p?.close())

  it('gives each case an urgency whose limits set the contact and reply deadlines, moved by an audited change', async () => {
    at(0)
    const urgent = await dispatchedCall({ urgency: 'urgent' })
    expect(urgent).toMatchObject({ urgency: 'urgent', contactRequired: true })
    // Urgent: contact within 2 hours of the dispatch.
    expect(urgent.contactDueAt).toBe(new Date(Date.parse(START) + 2 * HOUR).toISOString())
    const taken = await act('guihua.handler', urgent.id, { action: 'department_accept' })
    // Urgent: reply within 24 clock hours.
    expect(taken.body.handleDueAt).toBe(new Date(Date.parse(START) + 24 * HOUR).toISOString())

    // A resident cannot set the urgency; triage can change it, with a reason.
    const resident = await report('guihua.resident', {
      categoryCode: 'HW-08',
      location: g01,
      description: '路灯闪烁',
      urgency: 'urgent',
    })
    expect(resident.status).toBe(403)
    expect(resident.body.error.field).toBe('urgency')
    const noReason = await act('guihua.staff', urgent.id, { action: 'change_urgency', urgency: 'complex' })
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.field).toBe('comment')
    const same = await act('guihua.staff', urgent.id, { action: 'change_urgency', urgency: 'urgent', comment: '同级' })
    expect(same.body.error.field).toBe('urgency')
    const changed = await act('guihua.staff', urgent.id, {
      action: 'change_urgency',
      urgency: 'complex',
      comment: '涉及线路改造，需多部门协调',
    })
    expect(changed.status).toBe(200)
    // Complex: 15 working days from Monday 10:00 is Monday 14 December 10:00; contact within 24 hours.
    expect(changed.body).toMatchObject({ urgency: 'complex', handleDueAt: '2026-12-14T02:00:00.000Z' })
    expect(changed.body.contactDueAt).toBe(new Date(Date.parse(START) + 24 * HOUR).toISOString())
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action'])
      .where('entity_id', '=', String(urgent.id))
      .where('action', '=', 'case.change_urgency')
      .execute()
    expect(audit).toHaveLength(1)
    const step = changed.body.timeline.find((e: any) => e.action === 'change_urgency')
    expect(step).toMatchObject({ comment: '涉及线路改造，需多部门协调', detail: { from: 'urgent', to: 'complex' } })
  })

  it('stops the response clock at the first contact that reaches the requester', async () => {
    at(0)
    const c = await dispatchedCall()
    // General: contact within 24 hours.
    expect(c.contactDueAt).toBe(new Date(Date.parse(START) + 24 * HOUR).toISOString())
    const missing = await act('guihua.handler', c.id, { action: 'contact_requester', reached: true })
    expect(missing.status).toBe(400)
    expect(missing.body.error.field).toBe('contactMethod')
    at(3)
    const noAnswer = await act('guihua.handler', c.id, {
      action: 'contact_requester',
      contactMethod: 'phone',
      reached: false,
    })
    expect(noAnswer.body.contactedAt).toBeNull()
    at(5)
    const reached = await act('guihua.handler', c.id, {
      action: 'contact_requester',
      contactMethod: 'phone',
      reached: true,
      comment: '已电话联系，约定明早上门',
    })
    expect(reached.body.contactedAt).toBe(new Date(Date.parse(START) + 5 * HOUR).toISOString())
    expect(reached.body.state).toBe('dispatched')
    const step = reached.body.timeline.filter((e: any) => e.action === 'contact_requester').at(-1)
    expect(step.detail).toMatchObject({ method: 'phone', reached: true, first: true, onTime: true })
    at(6)
    const again = await act('guihua.handler', c.id, {
      action: 'contact_requester',
      contactMethod: 'visit',
      reached: true,
    })
    expect(again.body.contactedAt).toBe(reached.body.contactedAt)
    // Only the handling department contacts the requester.
    expect(
      (await act('guihua.grid', c.id, { action: 'contact_requester', contactMethod: 'phone', reached: true })).status,
    ).toBe(403)

    // Nobody to call: an anonymous report without a phone, and staff's own patrol report.
    const anonymous = await report(null, { categoryCode: 'HW-08', location: g01, description: '路灯坏了' })
    const row = await p.database.db
      .selectFrom('cases')
      .select(['contact_required', 'rateable'])
      .where('id', '=', anonymous.body.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ contact_required: false, rateable: true })
    const patrol = await report('guihua.grid', {
      categoryCode: 'HW-08',
      location: g01,
      description: '巡查发现路灯不亮',
    })
    expect(patrol.body.case).toMatchObject({ channel: 'patrol', contactRequired: false, rateable: false })
  })

  it('lets a department return a case only within the window, and triage approve or deny it', async () => {
    at(0)
    const c = await dispatchedCall()
    const noReason = await act('guihua.handler', c.id, { action: 'return', comment: '不属于本部门' })
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.field).toBe('returnReason')
    at(1)
    const returned = await act('guihua.handler', c.id, {
      action: 'return',
      returnReason: 'not_our_duty',
      comment: '路灯归区路灯所管理',
    })
    expect(returned.status).toBe(200)
    expect(returned.body).toMatchObject({
      state: 'return_requested',
      returnCount: 1,
      returnRequest: { reason: 'not_our_duty' },
    })
    // The department's clock did not stop while triage decides.
    expect(returned.body.stage).toBe('respond')
    const denied = await act('guihua.staff', c.id, { action: 'deny_return' })
    expect(denied.status).toBe(400)
    const back = await act('guihua.staff', c.id, { action: 'deny_return', comment: '本街道路灯由街道负责' })
    expect(back.body).toMatchObject({ state: 'dispatched', returnRequest: null, department: { code: 'QH-01-ZF' } })
    expect(back.body.stageDueAt).toBe(returned.body.stageDueAt)

    // The window (2 hours from dispatch by default) has passed: no second return.
    at(2.5)
    const late = await act('guihua.handler', c.id, { action: 'return', returnReason: 'other', comment: '再次退回' })
    expect(late.status).toBe(409)
    expect(late.body.error).toMatchObject({ code: 'CASE_RETURN_WINDOW_CLOSED', field: 'action' })

    // Approved: the case goes to the department triage names, and its clock restarts.
    at(0)
    const other = await dispatchedCall()
    await act('guihua.handler', other.id, { action: 'return', returnReason: 'wrong_area', comment: '不在辖区' })
    const target = await p.database.db
      .selectFrom('department')
      .select('id')
      .where('code', '<>', 'QH-01-ZF')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    at(0.5)
    const approved = await act('guihua.staff', other.id, { action: 'approve_return', departmentId: target.id })
    expect(approved.body).toMatchObject({ state: 'dispatched', department: { id: target.id }, returnRequest: null })
    expect(approved.body.dispatchedAt).toBe(new Date(Date.parse(START) + 0.5 * HOUR).toISOString())
    expect(approved.body.timeline.slice(-2).map((e: any) => e.action)).toEqual(['approve_return', 'dispatch'])
    const counts = await p.database.db
      .selectFrom('cases')
      .select(['return_count', 'return_denied_count'])
      .where('id', 'in', [c.id, other.id])
      .orderBy('id')
      .execute()
    expect(counts).toEqual([
      { return_count: 1, return_denied_count: 1 },
      { return_count: 1, return_denied_count: 0 },
    ])
  })

  it('verifies a public report on site before it is filed, with a photo or a public reason', async () => {
    at(0)
    await sql`update case_category set verify_before_filing = true where code = 'DL-07'`.execute(p.database.db)
    try {
      const filed = await report('guihua.resident', { categoryCode: 'DL-07', location: g01, description: '井盖松动' })
      expect(filed.body.case).toMatchObject({ state: 'verifying', stage: 'check' })
      const grid = await call(p.app, 'GET', '/api/v1/notifications', { token: t['guihua.grid'] })
      expect(grid.body.items.some((n: any) => n.caseId === filed.body.id && n.kind === 'case_verification')).toBe(true)
      // Triage cannot file it before the check.
      expect((await act('guihua.staff', filed.body.id, { action: 'accept' })).status).toBe(409)
      const noPhoto = await act('guihua.grid', filed.body.id, { action: 'confirm' })
      expect(noPhoto.body.error).toMatchObject({ code: 'CASE_PHOTO_REQUIRED', field: 'photos' })
      const confirmed = await act('guihua.grid', filed.body.id, {
        action: 'confirm',
        photos: [await upload('guihua.grid')],
      })
      expect(confirmed.body).toMatchObject({ state: 'submitted', stage: 'respond' })

      const bogus = await report('guihua.resident', { categoryCode: 'DL-07', location: g01, description: '井盖丢失' })
      const noReason = await act('guihua.grid', bogus.body.id, { action: 'invalidate' })
      expect(noReason.body.error.field).toBe('comment')
      const invalid = await act('guihua.grid', bogus.body.id, { action: 'invalidate', comment: '现场核实井盖完好' })
      expect(invalid.body.state).toBe('rejected')
      const pub = await call(p.app, 'GET', `/api/v1/public/cases/${bogus.body.trackingCode}`)
      expect(pub.body.timeline.at(-1)).toMatchObject({ action: 'invalidate', comment: '现场核实井盖完好' })

      // Staff's own reports are not checked: a patrol report is filed at once.
      const patrol = await report('guihua.grid', {
        categoryCode: 'DL-07',
        location: g01,
        description: '巡查发现井盖松动',
      })
      expect(patrol.body.case.state).toBe('submitted')
    } finally {
      await sql`update case_category set verify_before_filing = false where code = 'DL-07'`.execute(p.database.db)
    }
  })

  it('answers an enquiry directly, closed without dispatch and still rated', async () => {
    at(0)
    const filed = await report('guihua.resident', {
      categoryCode: 'WY-05',
      location: g01,
      description: '物业费标准是多少？',
    })
    const noAnswer = await act('guihua.staff', filed.body.id, { action: 'answer_directly' })
    expect(noAnswer.body.error.field).toBe('result')
    const answered = await act('guihua.staff', filed.body.id, {
      action: 'answer_directly',
      result: '按市发改委核定标准收取，详见小区公示栏',
    })
    expect(answered.body).toMatchObject({ state: 'closed', directAnswer: true, department: null, stage: null })
    const rated = await act('guihua.resident', filed.body.id, { action: 'rate', rating: 'basically_satisfied' })
    expect(rated.body).toMatchObject({ state: 'rated', solved: true, ratingStatus: 'rated' })
  })

  it('shelves a case only with a leader’s approval, reviews it on schedule and revives it', async () => {
    at(0)
    const c = await dispatchedCall()
    await act('guihua.handler', c.id, { action: 'department_accept' })
    // A department cannot shelve by itself.
    const self = await act('guihua.handler', c.id, { action: 'shelve', comment: '缺少政策依据' })
    expect(self.status).toBe(403)
    expect(self.body.error.field).toBe('action')
    const noReason = await act('guihua.handler', c.id, { action: 'request_shelving' })
    expect(noReason.body.error.field).toBe('comment')
    const asked = await act('guihua.handler', c.id, { action: 'request_shelving', comment: '历史遗留问题，待规划调整' })
    expect(asked.body.shelvingRequest).toMatchObject({ comment: '历史遗留问题，待规划调整' })
    const leaders = await call(p.app, 'GET', '/api/v1/notifications', { token: t['guihua.leader'] })
    expect(leaders.body.items.some((n: any) => n.caseId === c.id && n.kind === 'case_shelving_requested')).toBe(true)
    const pending = await call(p.app, 'GET', '/api/v1/cases?shelvingRequested=true', { token: t['guihua.leader'] })
    expect(pending.body.items.map((i: any) => i.id)).toContain(c.id)

    at(1)
    const shelved = await act('guihua.leader', c.id, { action: 'shelve', comment: '同意挂账，每月复核' })
    expect(shelved.body).toMatchObject({ state: 'shelved', stage: null, shelvingRequest: null })
    expect(shelved.body.shelveReviewAt).toBe(new Date(Date.parse(START) + (1 + 30 * 24) * HOUR).toISOString())
    // It leaves the overdue lists.
    at(24 * 40)
    const overdue = await call(p.app, 'GET', '/api/v1/cases?overdue=true&pageSize=100', { token: t['guihua.staff'] })
    expect(overdue.body.items.map((i: any) => i.id)).not.toContain(c.id)
    // The review reminds the approving leader and schedules the next one; a second run fires nothing again.
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const reminders = await p.database.db
      .selectFrom('notification as n')
      .innerJoin('app_user as u', 'u.id', 'n.user_id')
      .select(['u.username'])
      .where('n.case_id', '=', c.id)
      .where('n.kind', '=', 'case_shelving_review')
      .execute()
    expect(reminders).toEqual([{ username: 'guihua.leader' }])
    const row = await p.database.db
      .selectFrom('cases')
      .select(['shelve_review_at', 'shelved_by'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow()
    expect(row.shelve_review_at!.toISOString()).toBe(
      new Date(Date.parse(START) + (24 * 40 + 30 * 24) * HOUR).toISOString(),
    )

    const revived = await act('guihua.staff', c.id, { action: 'revive' })
    expect(revived.body).toMatchObject({ state: 'in_progress', stage: 'handle' })
    // A leader may decline a request too.
    await act('guihua.handler', c.id, { action: 'request_shelving', comment: '再次申请' })
    const declined = await act('guihua.leader', c.id, { action: 'decline_shelving', comment: '继续办理' })
    expect(declined.body).toMatchObject({ state: 'in_progress', shelvingRequest: null })
    expect((await act('guihua.leader', c.id, { action: 'decline_shelving', comment: '无申请' })).status).toBe(409)
  })

  it('records the requester’s answer at a call-back, or not-rated after the attempts', async () => {
    const closedCall = async () => {
      at(0)
      const c = await dispatchedCall()
      await act('guihua.handler', c.id, { action: 'department_accept' })
      await act('guihua.handler', c.id, { action: 'reply', result: '已更换灯泡' })
      await act('guihua.grid', c.id, { action: 'verify_pass' })
      return act('guihua.staff', c.id, { action: 'close' })
    }
    const open = await dispatchedCall()
    const early = await act('guihua.staff', open.id, {
      action: 'callback',
      reached: true,
      solved: true,
      rating: 'satisfied',
    })
    expect(early.status).toBe(409)
    expect(early.body.error.code).toBe('CASE_ILLEGAL_TRANSITION')

    const first = (await closedCall()).body
    // The operator needs the number: revealed for a stated purpose, audited; not to the grid worker.
    const reveal = (who: string) =>
      call(p.app, 'POST', `/api/v1/cases/${first.id}/reporter-phone`, { token: t[who], body: { purpose: '回访核对' } })
    expect(first.reporter.phone).not.toBe('13900001111')
    const number = await reveal('guihua.staff')
    expect(number.status).toBe(200)
    expect(number.body).toEqual({ phone: '13900001111' })
    expect((await reveal('guihua.handler')).body).toEqual({ phone: '13900001111' })
    expect((await reveal('guihua.grid')).status).toBe(403)
    const revealed = await p.database.db
      .selectFrom('audit_log')
      .select(['purpose'])
      .where('action', '=', 'case.reveal_phone')
      .where('entity_id', '=', String(first.id))
      .execute()
    expect(revealed).toEqual([{ purpose: '回访核对' }, { purpose: '回访核对' }])
    const queue = await call(p.app, 'GET', '/api/v1/cases?awaitingCallback=true&pageSize=100', {
      token: t['guihua.staff'],
    })
    expect(queue.body.items.map((i: any) => i.id)).toContain(first.id)
    const half = await act('guihua.staff', first.id, { action: 'callback', reached: true, rating: 'satisfied' })
    expect(half.body.error.field).toBe('solved')
    const answered = await act('guihua.staff', first.id, {
      action: 'callback',
      reached: true,
      solved: false,
      rating: 'basically_satisfied',
      comment: '灯亮了但还闪',
    })
    expect(answered.body).toMatchObject({
      state: 'rated',
      solved: false,
      rating: 'basically_satisfied',
      callbackAttempts: 1,
    })
    // Not solved in the requester's words: triage may reopen it.
    expect(answered.body.allowedActions).toContain('reopen')

    const second = (await closedCall()).body
    for (const attempt of [1, 2]) {
      const missed = await act('guihua.staff', second.id, { action: 'callback', reached: false })
      expect(missed.body).toMatchObject({ state: 'closed', callbackAttempts: attempt, ratingStatus: null })
    }
    const third = await act('guihua.staff', second.id, { action: 'callback', reached: false })
    expect(third.body).toMatchObject({ state: 'closed', callbackAttempts: 3, ratingStatus: 'not_rated' })
    const more = await act('guihua.staff', second.id, { action: 'callback', reached: false })
    expect(more.body.error.code).toBe('CASE_ALREADY_RATED')

    const declined = (await closedCall()).body
    const no = await act('guihua.staff', declined.id, { action: 'callback', reached: true, declined: true })
    expect(no.body).toMatchObject({ ratingStatus: 'not_rated', callbackAttempts: 1 })
  })

  it('never lets staff rate their own patrol or proactive report', async () => {
    at(0)
    for (const channel of ['patrol', 'proactive']) {
      const filed = await report('guihua.grid', {
        categoryCode: 'HW-08',
        location: g01,
        description: `${channel}：路灯不亮`,
        channel,
      })
      expect(filed.body.case).toMatchObject({ channel, rateable: false, contactRequired: false })
      const id = filed.body.id
      await act('guihua.staff', id, { action: 'accept' })
      await act('guihua.handler', id, { action: 'department_accept' })
      await act('guihua.handler', id, { action: 'reply', result: '已修复' })
      await act('guihua.staff', id, { action: 'verify_pass' })
      await act('guihua.staff', id, { action: 'close' })
      const own = await act('guihua.grid', id, { action: 'rate', rating: 'satisfied' })
      expect(own.status).toBe(409)
      expect(own.body.error).toMatchObject({ code: 'CASE_NOT_RATEABLE', field: 'rating' })
      const back = await act('guihua.staff', id, {
        action: 'callback',
        reached: true,
        solved: true,
        rating: 'satisfied',
      })
      expect(back.body.error).toMatchObject({ code: 'CASE_NOT_RATEABLE', field: 'reached' })
    }
    // A resident cannot use the proactive channel.
    const resident = await report('guihua.resident', {
      categoryCode: 'HW-08',
      location: g01,
      description: '路灯',
      channel: 'proactive',
    })
    expect(resident.status).toBe(403)
    expect(resident.body.error.field).toBe('channel')
  })

  it('links a report about a component to it, at its place, and sends it to the component’s owner', async () => {
    at(0)
    const { rows } = await sql<{ id: number; category: string; owner: string; lng: number; lat: number }>`
      select m.id, k.code as category, d.code as owner, ST_X(m.location) as lng, ST_Y(m.location) as lat
      from component m join case_category k on k.id = m.category_id join department d on d.id = m.owner_department_id
      join area a on a.id = m.area_id
      where a.code = 'JZ-QH-01-01-G01' and d.code <> 'QH-01-ZF'
        and not exists (select 1 from jsonb_array_elements(k.attributes) x where (x->>'required')::boolean)
      order by m.id limit 1`.execute(p.database.db)
    const component = rows[0]!
    const filed = await report('guihua.staff', {
      categoryCode: component.category,
      componentId: component.id,
      description: '部件损坏',
      reporterName: '李女士',
      reporterPhone: '13900002222',
      photos: [await upload('guihua.staff')],
    })
    expect(filed.status).toBe(201)
    expect(filed.body.case.location.lng).toBeCloseTo(component.lng, 6)
    const linked = await p.database.db
      .selectFrom('cases')
      .select('component_id')
      .where('id', '=', filed.body.id)
      .executeTakeFirstOrThrow()
    expect(linked.component_id).toBe(component.id)
    const accepted = await act('guihua.staff', filed.body.id, { action: 'accept' })
    expect(accepted.body).toMatchObject({ state: 'dispatched', department: { code: component.owner } })
    const unknown = await report('guihua.staff', {
      categoryCode: component.category,
      componentId: 99999999,
      description: '无此部件',
    })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error).toMatchObject({ code: 'COMPONENT_NOT_FOUND', field: 'componentId' })
  })

  it('takes each area’s rules from the nearest area that sets them', async () => {
    const community = await p.database.db
      .selectFrom('area')
      .select(['id'])
      .where('code', '=', 'JZ-QH-01-01')
      .executeTakeFirstOrThrow()
    const before = await call(p.app, 'GET', `/api/v1/areas/${community.id}/case-rules`, { token: t['guihua.staff'] })
    expect(before.body.effective).toMatchObject({
      returnWindowHours: 2,
      callbackAttempts: 3,
      limits: { urgent: { contactHours: 2 } },
    })
    const both = await call(p.app, 'PUT', `/api/v1/areas/${community.id}/case-rules`, {
      token: t['guihua.admin'],
      body: { limits: { complex: { replyHours: 48, replyWorkdays: 3 } } },
    })
    expect(both.status).toBe(400)
    expect(both.body.error.field).toBe('limits.complex')
    const notAdmin = await call(p.app, 'PUT', `/api/v1/areas/${community.id}/case-rules`, {
      token: t['guihua.staff'],
      body: { returnWindowHours: 4 },
    })
    expect(notAdmin.status).toBe(403)
    const set = await call(p.app, 'PUT', `/api/v1/areas/${community.id}/case-rules`, {
      token: t['guihua.admin'],
      body: { returnWindowHours: 4, limits: { general: { contactHours: 12 } } },
    })
    expect(set.status).toBe(200)
    try {
      at(0)
      const c = await dispatchedCall()
      expect(c.contactDueAt).toBe(new Date(Date.parse(START) + 12 * HOUR).toISOString())
      at(3)
      const returned = await act('guihua.handler', c.id, {
        action: 'return',
        returnReason: 'other',
        comment: '三小时内退回',
      })
      expect(returned.body.state).toBe('return_requested')
    } finally {
      await call(p.app, 'PUT', `/api/v1/areas/${community.id}/case-rules`, { token: t['guihua.admin'], body: {} })
    }
  })
})
