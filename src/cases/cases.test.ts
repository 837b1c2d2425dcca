import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { actorForToken } from '../accounts/service.js'
import { fireDueTimers } from '../core/scheduler.js'
import { inScope } from '../core/scope.js'
import { possibleDuplicates } from './queries.js'
import { timerHandlers } from '../main.js'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

// A 1×1 PNG: the smallest photo the intake accepts.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
const HOUR = 3600_000

async function pointIn(p: TestPlatform, code: string) {
  const { rows } = await sql<{ lng: number; lat: number }>`
    select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = ${code}`.execute(
    p.database.db,
  )
  return rows[0]!
}

async function upload(p: TestPlatform, token: string | null) {
  const res = await p.app.inject({
    method: 'POST',
    url: '/api/v1/photos',
    headers: { 'content-type': 'image/png', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: PNG,
  })
  expect(res.statusCode).toBe(201)
  return res.json().token as string
}

describe.each(backends())('event closed loop on %s', (backend) => {
  let p: TestPlatform
  let g01: { lng: number; lat: number }
  const t: Record<string, string> = {}
  const act = (who: string, id: number, body: object) =>
    call(p.app, 'POST', `/api/v1/cases/${id}/actions`, { token: t[who], body })
  const report = async (who: string | null, body: object, headers: Record<string, string> = {}) =>
    call(p.app, 'POST', '/api/v1/cases', { token: who ? t[who] : null, body, headers })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2026-11-23T02:00:00Z') // a Monday, 10:00 in Shanghai
    g01 = await pointIn(p, 'JZ-QH-01-01-G01')
    for (const u of [
      'guihua.resident',
      'guihua.staff',
      'guihua.handler',
      'guihua.grid',
      'guihua.leader',
      'cuizhu.staff',
      'cuizhu.resident',
      'admin',
    ])
      t[u] = await tokenFor(p.app, u)
  })
  afterAll(() => p?.close())

  it('ships a catalogue of at least 40 leaf categories with time limits', async () => {
    const res = await call(p.app, 'GET', '/api/v1/categories')
    const leaves: any[] = []
    const walk = (n: any) => (n.isLeaf ? leaves.push(n) : n.children.forEach(walk))
    res.body.categories.forEach(walk)
    expect(leaves.length).toBeGreaterThanOrEqual(40)
    expect(leaves.every((l) => l.respondHours > 0 && l.handleWorkdays > 0)).toBe(true)
  })

  it('walks one case from report to rating across the roles', async () => {
    const photo = await upload(p, t['guihua.resident']!)
    const filed = await report('guihua.resident', {
      categoryCode: 'SR-05',
      location: g01,
      description: '小区门口电线杆上贴满小广告',
      photos: [photo],
      attributes: { ad_form: ['sticker', 'painted'] },
    })
    if (filed.status !== 201) console.log(filed.body)
    expect(filed.status).toBe(201)
    const c = filed.body.case
    expect(filed.body.trackingCode).toMatch(/^\d{6}-[0-9A-Z]{6}$/)
    expect(c).toMatchObject({
      state: 'submitted',
      channel: 'portal',
      stage: 'respond',
      colour: 'green',
      area: { code: 'JZ-QH-01-01-G01' },
    })
    expect(c.photos).toHaveLength(1)
    const img = await p.app.inject({
      method: 'GET',
      url: `/api/v1/photos/${c.photos[0].id}`,
      headers: { authorization: `Bearer ${t['guihua.staff']}` },
    })
    expect(img.statusCode).toBe(200)
    expect(img.headers['content-type']).toBe('image/png')
    expect(Buffer.compare(img.rawPayload, PNG)).toBe(0)
    const foreign = await p.app.inject({
      method: 'GET',
      url: `/api/v1/photos/${c.photos[0].id}`,
      headers: { authorization: `Bearer ${t['cuizhu.staff']}` },
    })
    expect(foreign.statusCode).toBe(404)

    // Triage accepts; routing by category × area dispatches to the Donghu street team at once.
    const accepted = await act('guihua.staff', c.id, { action: 'accept', version: c.version })
    expect(accepted.status).toBe(200)
    expect(accepted.body).toMatchObject({ state: 'dispatched', department: { code: 'QH-01-ZF' } })
    expect(accepted.body.timeline.map((e: any) => e.action)).toEqual(['submit', 'accept', 'dispatch'])

    // The reporter follows the case as the public does: departments named, staff not.
    const asReporter = await call(p.app, 'GET', `/api/v1/cases/${c.id}`, { token: t['guihua.resident'] })
    expect(asReporter.body.department).toMatchObject({ code: 'QH-01-ZF', nameZh: expect.stringContaining('东湖街道') })
    expect(asReporter.body.timeline.every((e: any) => e.actorName === null && e.isPublic)).toBe(true)
    const inbox = await call(p.app, 'GET', '/api/v1/notifications', { token: t['guihua.handler'] })
    expect(inbox.body.items.some((n: any) => n.caseId === c.id && n.kind === 'case_dispatched')).toBe(true)

    const taken = await act('guihua.handler', c.id, { action: 'department_accept' })
    expect(taken.body).toMatchObject({ state: 'in_progress', stage: 'handle' })
    // Three working days from Monday 10:00 is Thursday 10:00 Shanghai time.
    expect(taken.body.handleDueAt).toBe('2026-11-26T02:00:00.000Z')

    const replied = await act('guihua.handler', c.id, { action: 'reply', result: '已清除全部小广告并张贴提示' })
    expect(replied.body).toMatchObject({ state: 'replied', stage: 'verify', result: '已清除全部小广告并张贴提示' })
    const failed = await act('guihua.grid', c.id, { action: 'verify_fail', comment: '还有两处未清理' })
    expect(failed.body).toMatchObject({ state: 'in_progress', reworkCount: 1 })
    await act('guihua.handler', c.id, { action: 'reply', result: '已全部清理' })
    const verified = await act('guihua.grid', c.id, { action: 'verify_pass' })
    expect(verified.body.state).toBe('verified')
    const closed = await act('guihua.staff', c.id, { action: 'close' })
    expect(closed.body).toMatchObject({ state: 'closed', stage: null })

    const stranger = await act('guihua.staff', c.id, { action: 'rate', rating: 'satisfied' })
    expect(stranger.status).toBe(403)
    const rated = await act('guihua.resident', c.id, { action: 'rate', rating: 'satisfied', comment: '处理很快' })
    expect(rated.body).toMatchObject({ state: 'rated', rating: 'satisfied' })
    const again = await act('guihua.resident', c.id, { action: 'rate', rating: 'unsatisfied' })
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({ code: 'CASE_ILLEGAL_TRANSITION', details: { state: 'rated' } })

    const mine = await call(p.app, 'GET', '/api/v1/notifications', { token: t['guihua.resident'] })
    expect(
      mine.body.items.filter((n: any) => n.caseId === c.id && n.kind === 'case_update').length,
    ).toBeGreaterThanOrEqual(5)

    // The public page shows progress and result, never who reported or who acted.
    const pub = await call(p.app, 'GET', `/api/v1/public/cases/${c.trackingCode}`)
    expect(pub.status).toBe(200)
    expect(pub.body).toMatchObject({ state: 'rated', result: '已全部清理', rating: 'satisfied' })
    const text = JSON.stringify(pub.body)
    const reporter = await p.database.db
      .selectFrom('app_user')
      .select('display_name')
      .where('username', '=', 'guihua.resident')
      .executeTakeFirstOrThrow()
    const handler = await p.database.db
      .selectFrom('app_user')
      .select('display_name')
      .where('username', '=', 'guihua.handler')
      .executeTakeFirstOrThrow()
    expect(text).not.toContain(reporter.display_name)
    expect(text).not.toContain(handler.display_name)
    expect(pub.body.timeline.every((e: any) => e.actorName === null)).toBe(true)
  })

  it('refuses an illegal transition with 409 naming the state and the allowed actions', async () => {
    const filed = await report('guihua.staff', {
      categoryCode: 'DL-03',
      location: g01,
      description: '路灯不亮',
      reporterName: '张先生',
      reporterPhone: '13900001111',
    })
    expect(filed.body.case.channel).toBe('hotline')
    const res = await act('guihua.staff', filed.body.id, { action: 'close' })
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('CASE_ILLEGAL_TRANSITION')
    expect(res.body.error.details).toEqual({
      state: 'submitted',
      allowedActions: ['accept', 'reject', 'merge', 'answer_directly', 'change_urgency'],
    })
    expect(res.body.error.message).toContain('submitted')
    const noReason = await act('guihua.staff', filed.body.id, { action: 'reject' })
    expect(noReason.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'comment' })
    // A department handler of the area sees the case but triage is not theirs.
    const handler = await act('guihua.handler', filed.body.id, { action: 'accept' })
    expect(handler.status).toBe(403)
    expect(handler.body.error.details.allowedActions).toEqual([])
  })

  it('lets exactly one of two concurrent actions win (optimistic locking)', async () => {
    const filed = await report('guihua.staff', { categoryCode: 'DL-03', location: g01, description: '路灯闪烁' })
    const id = filed.body.id
    const stale = await act('guihua.staff', id, { action: 'accept', version: 99 })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'CASE_VERSION_CONFLICT', field: 'version' })
    const [a, b] = await Promise.all([
      act('guihua.staff', id, { action: 'accept', version: 1 }),
      act('guihua.staff', id, { action: 'reject', version: 1, comment: '重复' }),
    ])
    expect([a.status, b.status].sort()).toEqual([200, 409])
    const events = await p.database.db.selectFrom('case_event').select('action').where('case_id', '=', id).execute()
    expect(events.filter((e) => e.action === 'accept' || e.action === 'reject')).toHaveLength(1)
  })

  it('creates one case per Idempotency-Key even under concurrent retries', async () => {
    const body = { categoryCode: 'DL-03', location: g01, description: '路灯全部不亮' }
    const headers = { 'idempotency-key': 'lamp-report-1' }
    const replies = await Promise.all(Array.from({ length: 20 }, () => report('guihua.resident', body, headers)))
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([201]))
    expect(new Set(replies.map((r) => r.body.trackingCode)).size).toBe(1)
    const rows = await p.database.db
      .selectFrom('cases')
      .select('id')
      .where('description', '=', '路灯全部不亮')
      .execute()
    expect(rows).toHaveLength(1)
  })

  it('refuses bad reports with a 4xx naming the field, writing nothing', async () => {
    const before = await p.database.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    const cases: [object, number, string, string][] = [
      [{ categoryCode: 'NOPE', location: g01, description: 'x' }, 404, 'categoryCode', 'CASE_CATEGORY_NOT_FOUND'],
      [{ categoryCode: 'SR', location: g01, description: 'x' }, 400, 'categoryCode', 'VALIDATION_FAILED'],
      [
        { categoryCode: 'DL-03', location: { lng: 10, lat: 10 }, description: 'x' },
        404,
        'location',
        'AREA_OUTSIDE_ALL_GRIDS',
      ],
      [{ categoryCode: 'SR-05', location: g01, description: 'x' }, 422, 'photos', 'CASE_PHOTO_REQUIRED'],
      [
        { categoryCode: 'DL-02', location: g01, description: 'x', photos: ['nope'] },
        422,
        'attributes.cover_state',
        'CASE_ATTRIBUTE_INVALID',
      ],
      [
        { categoryCode: 'DL-03', location: g01, description: 'x', attributes: { lamp_count: 'many' } },
        422,
        'attributes.lamp_count',
        'CASE_ATTRIBUTE_INVALID',
      ],
      [
        { categoryCode: 'DL-03', location: g01, description: 'x', attributes: { colour: 'red' } },
        422,
        'attributes.colour',
        'CASE_ATTRIBUTE_INVALID',
      ],
      [
        { categoryCode: 'DL-03', location: g01, description: 'x', photos: ['not-a-token'] },
        422,
        'photos[0]',
        'PHOTO_INVALID',
      ],
      [{ categoryCode: 'DL-03', location: g01 }, 400, 'description', 'VALIDATION_FAILED'],
      [
        { categoryCode: 'DL-03', location: { lng: 'east', lat: 30 }, description: 'x' },
        400,
        'location.lng',
        'VALIDATION_FAILED',
      ],
      [{ categoryCode: 'DL-03', location: g01, description: 'x', channel: 'hotline' }, 403, 'channel', 'FORBIDDEN'],
    ]
    for (const [body, status, field, code] of cases) {
      const res = await report('guihua.resident', body)
      expect(
        { status: res.status, field: res.body.error?.field, code: res.body.error?.code },
        JSON.stringify(body),
      ).toEqual({ status, field, code })
    }
    const notImage = await p.app.inject({
      method: 'POST',
      url: '/api/v1/photos',
      headers: { 'content-type': 'image/png' },
      payload: Buffer.from('<svg onload=alert(1)>'),
    })
    expect(notImage.statusCode).toBe(422)
    expect(notImage.json().error.code).toBe('PHOTO_INVALID')
    const huge = await p.app.inject({
      method: 'POST',
      url: '/api/v1/photos',
      headers: { 'content-type': 'image/jpeg' },
      payload: Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024)]),
    })
    expect(huge.statusCode).toBe(413)
    const after = await p.database.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
  })

  it('warns at 80% of the time, escalates when overdue, exactly once, and lists it for supervision', async () => {
    const photo = await upload(p, t['guihua.grid']!)
    const filed = await report('guihua.grid', {
      categoryCode: 'HW-01',
      location: g01,
      description: '垃圾堆放',
      photos: [photo],
    })
    expect(filed.body.case.channel).toBe('patrol')
    const id = filed.body.id
    const start = p.clock.now().getTime()
    expect(new Date(filed.body.case.stageDueAt).getTime() - start).toBe(4 * HOUR) // HW-01 responds within 4 hours

    p.clock.set(new Date(start + 3.3 * HOUR))
    expect(await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)).toBeGreaterThanOrEqual(1)
    let c = await call(p.app, 'GET', `/api/v1/cases/${id}`, { token: t['guihua.staff'] })
    expect(c.body.colour).toBe('yellow')
    expect(c.body.timeline.map((e: any) => e.action)).toContain('warning')
    const staffInbox = await call(p.app, 'GET', '/api/v1/notifications?unread=true', { token: t['guihua.staff'] })
    expect(staffInbox.body.items.some((n: any) => n.caseId === id && n.kind === 'case_warning')).toBe(true)

    p.clock.set(new Date(start + 4.5 * HOUR))
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers) // a second run (or process) fires nothing again
    c = await call(p.app, 'GET', `/api/v1/cases/${id}`, { token: t['guihua.staff'] })
    expect(c.body.colour).toBe('red')
    expect(c.body.escalationLevel).toBe(1)
    expect(c.body.timeline.filter((e: any) => e.action === 'escalated')).toHaveLength(1)
    const leaderInbox = await call(p.app, 'GET', '/api/v1/notifications', { token: t['guihua.leader'] })
    expect(leaderInbox.body.items.filter((n: any) => n.caseId === id && n.kind === 'case_escalated')).toHaveLength(1)
    const queue = await call(p.app, 'GET', '/api/v1/supervision', { token: t['guihua.leader'] })
    expect(queue.body.items.map((x: any) => x.id)).toContain(id)
    const overdue = await call(p.app, 'GET', '/api/v1/cases?overdue=true&pageSize=100', { token: t['guihua.staff'] })
    expect(overdue.body.items.map((x: any) => x.id)).toContain(id)

    // Accepting starts the handling clock; old timers are cancelled and do not fire late.
    await act('guihua.staff', id, { action: 'accept' })
    await act('guihua.handler', id, { action: 'department_accept' })
    p.clock.set(new Date(start + 6 * HOUR))
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    c = await call(p.app, 'GET', `/api/v1/cases/${id}`, { token: t['guihua.staff'] })
    expect(c.body.escalationLevel).toBe(1)
    expect(c.body.colour).toBe('green')
  })

  it('counts working days with holidays and make-up days from the editable calendar', async () => {
    // Friday 2026-10-09 10:00 Shanghai; Saturday 10-10 is a make-up working day in the demo calendar.
    p.clock.set('2026-10-09T02:00:00Z')
    const filed = await report('guihua.staff', { categoryCode: 'DL-03', location: g01, description: '节后路灯' })
    await act('guihua.staff', filed.body.id, { action: 'dispatch' }).catch(() => undefined)
    const accepted = await act('guihua.staff', filed.body.id, { action: 'accept' })
    expect(accepted.body.department.code).toBe('QH-CG')
    const handlerToken = await tokenFor(p.app, 'qh.handler')
    const taken = await call(p.app, 'POST', `/api/v1/cases/${filed.body.id}/actions`, {
      token: handlerToken,
      body: { action: 'department_accept' },
    })
    expect(taken.status).toBe(200)
    // 3 working days after Fri 10-09: Sat 10-10 (make-up), Mon 10-12, Tue 10-13.
    expect(taken.body.handleDueAt).toBe('2026-10-13T02:00:00.000Z')
    p.clock.set('2026-11-23T02:00:00Z')
  })

  it('lets root admins edit the calendar and area admins override routing', async () => {
    const admin = t.admin!
    const set = await call(p.app, 'PUT', '/api/v1/calendar/2026-12-31', {
      token: admin,
      body: { kind: 'holiday', nameZh: '调休', nameEn: 'Bridge day' },
    })
    expect(set.status).toBe(200)
    const year = await call(p.app, 'GET', '/api/v1/calendar?year=2026')
    expect(year.body.days).toContainEqual({ day: '2026-12-31', kind: 'holiday', nameZh: '调休', nameEn: 'Bridge day' })
    expect(
      (await call(p.app, 'PUT', '/api/v1/calendar/2026-12-30', { token: t['guihua.staff'], body: { kind: 'holiday' } }))
        .status,
    ).toBe(403)
    const bad = await call(p.app, 'PUT', '/api/v1/calendar/2026-13-40', { token: admin, body: { kind: 'holiday' } })
    expect(bad.body.error.field).toBe('day')
    expect((await call(p.app, 'DELETE', '/api/v1/calendar/2026-12-31', { token: admin })).status).toBe(204)

    // Guihua's admin routes traffic lights in Guihua to its own residents' committee.
    const committee = await p.database.db
      .selectFrom('department')
      .select('id')
      .where('code', '=', 'QH-01-01-JW')
      .executeTakeFirstOrThrow()
    const guihua = await areaId(p, 'JZ-QH-01-01')
    const routed = await call(p.app, 'PUT', `/api/v1/categories/DL-07/routing/${guihua}`, {
      token: await tokenFor(p.app, 'guihua.admin'),
      body: { departmentId: committee.id },
    })
    expect(routed.status).toBe(200)
    const filed = await report('guihua.resident', {
      categoryCode: 'DL-07',
      location: g01,
      description: '红绿灯不亮（社区处理）',
    })
    const accepted = await act('guihua.staff', filed.body.id, { action: 'accept' })
    expect(accepted.body.department.code).toBe('QH-01-01-JW')
    const routing = await call(p.app, 'GET', '/api/v1/categories/DL-07/routing', { token: t['guihua.staff'] })
    expect(routing.body.routing.map((r: any) => r.area.code)).toEqual(['JZ-QH', 'JZ-QH-01-01'])
    const cuizhu = await areaId(p, 'JZ-QH-02-01')
    expect(
      (
        await call(p.app, 'PUT', `/api/v1/categories/DL-07/routing/${cuizhu}`, {
          token: await tokenFor(p.app, 'guihua.admin'),
          body: { departmentId: committee.id },
        })
      ).status,
    ).toBe(403)
  })

  it.runIf(backend === 'postgresql')(
    'fires each timer once across a restart and with two server processes',
    async () => {
      const { openDatabase } = await import('../core/db.js')
      const filed = await report('guihua.staff', { categoryCode: 'DL-03', location: g01, description: '两个进程' })
      const due = new Date(filed.body.case.stageDueAt)
      // Two independent connection pools stand for two server processes sharing the database.
      const a = await openDatabase({ databaseUrl: p.databaseUrl!, poolSize: 4 })
      const b = await openDatabase({ databaseUrl: p.databaseUrl!, poolSize: 4 })
      const later = new Date(due.getTime() + HOUR)
      await Promise.all([
        fireDueTimers(a.db, later, timerHandlers, 1),
        fireDueTimers(b.db, later, timerHandlers, 1),
        fireDueTimers(a.db, later, timerHandlers, 1),
      ])
      await a.close()
      // "Restart": a fresh pool finds nothing left to fire.
      expect(await fireDueTimers(b.db, later, timerHandlers)).toBe(0)
      await b.close()
      const events = await p.database.db
        .selectFrom('case_event')
        .select('action')
        .where('case_id', '=', filed.body.id)
        .execute()
      expect(events.filter((e) => e.action === 'escalated')).toHaveLength(1)
      expect(events.filter((e) => e.action === 'warning')).toHaveLength(1)
    },
  )

  it('suggests duplicates on intake and merges them, informing both reporters', async () => {
    const first = await report('guihua.resident', {
      categoryCode: 'DL-03',
      location: g01,
      description: '这条路的路灯坏了',
    })
    await act('guihua.staff', first.body.id, { action: 'accept' })
    const near = { lng: g01.lng + 0.0003, lat: g01.lat }
    const second = await report('guihua.grid', {
      categoryCode: 'DL-03',
      location: near,
      description: '路灯不亮（巡查）',
    })
    expect(second.body.possibleDuplicates.map((d: any) => d.id)).toContain(first.body.id)
    // The suggestion reads the location index as the owner, but shows only cases the caller may see.
    const suggestedTo = async (username: string) => {
      const ctx = { actor: (await actorForToken(p.database.db, t[username]!))!, ip: 'test' }
      return (await inScope(p.database.db, ctx, (tx) => possibleDuplicates(tx, second.body.id, p.clock.now()))).map(
        (d) => d.id,
      )
    }
    expect(await suggestedTo('guihua.staff')).toContain(first.body.id)
    expect(await suggestedTo('cuizhu.staff')).toEqual([])
    const merged = await act('guihua.staff', second.body.id, { action: 'merge', intoCaseId: first.body.id })
    expect(merged.body).toMatchObject({ state: 'merged', mergedIntoId: first.body.id })
    const pub = await call(p.app, 'GET', `/api/v1/public/cases/${second.body.trackingCode}`)
    expect(pub.body.mergedInto).toBe(first.body.trackingCode)
    const inbox = await call(p.app, 'GET', '/api/v1/notifications', { token: t['guihua.resident'] })
    expect(inbox.body.items.some((n: any) => n.caseId === second.body.id)).toBe(true)
  })

  it('lets an anonymous reporter follow and rate with the token received at intake', async () => {
    const filed = await report(null, { categoryCode: 'DL-03', location: g01, description: '匿名：路灯不亮' })
    expect(filed.status).toBe(201)
    expect(filed.body.reporterToken).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    const id = filed.body.id
    await act('guihua.staff', id, { action: 'accept' })
    const handler = await tokenFor(p.app, 'qh.handler')
    for (const body of [{ action: 'department_accept' }, { action: 'reply', result: '已修复' }]) {
      expect((await call(p.app, 'POST', `/api/v1/cases/${id}/actions`, { token: handler, body })).status).toBe(200)
    }
    await act('guihua.grid', id, { action: 'verify_pass' })
    await act('guihua.staff', id, { action: 'close' })
    const wrong = await call(p.app, 'POST', `/api/v1/public/cases/${filed.body.trackingCode}/rating`, {
      body: { reporterToken: 'forged-token-forged-token', rating: 'satisfied' },
    })
    expect(wrong.status).toBe(403)
    const ok = await call(p.app, 'POST', `/api/v1/public/cases/${filed.body.trackingCode}/rating`, {
      body: { reporterToken: filed.body.reporterToken, rating: 'unsatisfied', comment: '晚上还是暗' },
    })
    expect(ok.body.state).toBe('rated')
    const reopened = await act('guihua.staff', id, { action: 'reopen' })
    expect(reopened.body).toMatchObject({ state: 'in_progress', reopenCount: 1, rating: null })
  })

  it('keeps cases inside their area for staff, and shows the public map counts only', async () => {
    const mine = await report('cuizhu.resident', {
      categoryCode: 'DL-03',
      location: await pointIn(p, 'JZ-QH-02-01-G01'),
      description: '翠竹路灯',
    })
    expect((await call(p.app, 'GET', `/api/v1/cases/${mine.body.id}`, { token: t['guihua.staff'] })).status).toBe(404)
    expect((await call(p.app, 'GET', `/api/v1/cases/${mine.body.id}`, { token: t['cuizhu.staff'] })).status).toBe(200)
    const list = await call(p.app, 'GET', '/api/v1/cases?pageSize=500', { token: t['guihua.staff'] })
    expect(list.body.items.every((c: any) => c.area.code.startsWith('JZ-QH-01-01'))).toBe(true)
    const residentList = await call(p.app, 'GET', '/api/v1/cases?mine=true', { token: t['cuizhu.resident'] })
    expect(residentList.body.items.map((c: any) => c.id)).toEqual([mine.body.id])
    const map = await call(p.app, 'GET', '/api/v1/public/map?days=30')
    expect(map.body.grids.find((g: any) => g.code === 'JZ-QH-02-01-G01').total).toBeGreaterThanOrEqual(1)
    expect(JSON.stringify(map.body)).not.toMatch(/reporter|phone|description/)
  })

  it('pages by cursor exactly as by page number, newest or oldest first', async () => {
    for (let i = 0; i < 7; i++)
      expect(
        (await report('guihua.resident', { categoryCode: 'DL-03', location: g01, description: `翻页测试 ${i}` }))
          .status,
      ).toBe(201)
    const list = (query: string) => call(p.app, 'GET', `/api/v1/cases?${query}`, { token: t['guihua.staff'] })
    for (const sort of ['newest', 'oldest']) {
      const all = (await list(`sort=${sort}&pageSize=500`)).body.items.map((c: any) => c.id)
      expect(all.length).toBeGreaterThan(6)
      const walked: number[] = []
      let after: number | null = null
      for (let page = 1; ; page++) {
        const res = await list(`sort=${sort}&pageSize=3${after === null ? '' : `&after=${after}`}`)
        expect(res.status).toBe(200)
        const byNumber = await list(`sort=${sort}&pageSize=3&page=${page}`)
        expect(res.body.items.map((c: any) => c.id)).toEqual(byNumber.body.items.map((c: any) => c.id))
        expect(res.body.total).toBe(all.length)
        walked.push(...res.body.items.map((c: any) => c.id))
        after = res.body.nextAfter
        if (after === null) break
      }
      expect(walked).toEqual(all)
    }
    const due = await list('sort=due&after=5')
    expect(due.status).toBe(400)
    expect(due.body.error.field).toBe('after')
    expect((await list('page=2&after=5')).body.error.field).toBe('after')
  })
})
