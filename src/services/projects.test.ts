import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { fireDueTimers } from '../core/scheduler.js'
import { timerHandlers } from '../main.js'

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

describe.each(backends())('social organisations and purchase-of-service projects on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  let cuizhu: number
  let district: number
  let zf: number // the street's law-enforcement team: guihua.handler's department
  const t: Record<string, string> = {}
  const org: Record<string, number> = {}
  let projectA = 0
  let projectB = 0

  async function registryOrg(area: number, kind: string, name: string): Promise<number> {
    const now = p.clock.now()
    const row = await p.database.db
      .insertInto('organisation')
      .values({
        area_id: area,
        district_id: district,
        kind,
        name,
        uscc: null,
        legal_representative: '张三',
        address: '社区服务中心',
        location: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }

  const profile = (organisationId: number) => ({
    organisationId,
    fields: ['elderly', 'social_work'],
    capacity: 120,
    contactName: '李社工',
    contactPhone: '0571-88886666',
    description: '为社区老人提供助餐、探访服务',
  })

  const terms = (over: Record<string, unknown> = {}) => ({
    areaId: guihua,
    departmentId: zf,
    organisationId: org.a,
    title: '桂花社区居家养老服务',
    scope: '为辖区60岁以上独居老人提供每周探访和助餐服务',
    budget: 10000,
    startsOn: '2027-03-01',
    endsOn: '2027-06-30',
    indicators: [
      { name: '服务覆盖率', target: '≥95%', weight: 60 },
      { name: '满意度', weight: 40 },
    ],
    milestones: [
      { title: '首期探访', deliverables: '探访记录 100 份', dueOn: '2027-03-20', payment: 3000 },
      { title: '中期评估', deliverables: '中期报告', dueOn: '2027-05-31', payment: 5000 },
    ],
    ...over,
  })

  const post = (url: string, token: string, body: unknown) => call(p.app, 'POST', url, { token, body })
  const detail = async (id: number, token = t.staff!) => call(p.app, 'GET', `/api/v1/projects/${id}`, { token })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-03-01T02:00:00Z')
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    district = await areaId(p, 'JZ-QH')
    zf = (
      await p.database.db.selectFrom('department').select('id').where('code', '=', 'QH-01-ZF').executeTakeFirstOrThrow()
    ).id
    for (const [k, u] of Object.entries({
      staff: 'guihua.staff',
      handler: 'guihua.handler',
      resident: 'guihua.resident',
      grid: 'guihua.grid',
      other: 'qh.handler',
      cuizhu: 'cuizhu.staff',
    }))
      t[k] = await tokenFor(p.app, u)
    org.a = await registryOrg(guihua, 'social_organisation', '江州市桂花社工服务中心')
    org.b = await registryOrg(guihua, 'social_organisation', '江州市桂花志愿者协会')
    org.shop = await registryOrg(guihua, 'enterprise', '桂花小卖部')
    org.cz = await registryOrg(cuizhu, 'social_organisation', '翠竹社工站')
  })
  afterAll(async () => p?.close())

  it('has the demo’s organisations and projects waiting for guihua.staff', async () => {
    const orgs = await call(p.app, 'GET', '/api/v1/social-organisations', { token: t.resident })
    expect(orgs.body.total).toBe(3)
    const projects = await call(p.app, 'GET', '/api/v1/projects', { token: t.staff })
    expect(projects.body.items.map((x: { status: string }) => x.status).sort()).toEqual([
      'active',
      'completed',
      'draft',
    ])
    const active = projects.body.items.find((x: { status: string }) => x.status === 'active')
    const d = await detail(active.id)
    expect(d.body.milestones.map((m: { status: string }) => m.status)).toEqual(['reported', 'pending', 'pending'])
    expect(d.body.canReport).toBe(true)
    const done = projects.body.items.find((x: { status: string }) => x.status === 'completed')
    expect(done.finalScore).toBeGreaterThan(80)
    const rated = orgs.body.items.find((o: { ratedProjects: number }) => o.ratedProjects === 1)
    expect(rated.rating).toBe(done.finalScore)
  })

  it('registers organisations only from the registry’s social organisations of the staff’s area', async () => {
    const created = await post('/api/v1/social-organisations', t.staff!, profile(org.a!))
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body).toMatchObject({
      id: org.a,
      name: '江州市桂花社工服务中心',
      legalRepresentative: '张三',
      status: 'active',
      rating: null,
      ratedProjects: 0,
      contact: { name: '李社工', phone: '0571-88886666' },
    })
    expect((await post('/api/v1/social-organisations', t.staff!, profile(org.b!))).status).toBe(201)
    const shop = await post('/api/v1/social-organisations', t.staff!, profile(org.shop!))
    expect([shop.status, shop.body.error.field]).toEqual([400, 'organisationId'])
    const foreign = await post('/api/v1/social-organisations', t.staff!, profile(org.cz!))
    expect([foreign.status, foreign.body.error.field]).toEqual([404, 'organisationId'])
    const twice = await post('/api/v1/social-organisations', t.staff!, profile(org.a!))
    expect(twice.status).toBe(409)
    expect((await post('/api/v1/social-organisations', t.resident!, profile(org.b!))).status).toBe(403)

    // Residents read profiles of their branch without the contact; staff with it.
    const asResident = await call(p.app, 'GET', '/api/v1/social-organisations?field=elderly', { token: t.resident })
    expect(asResident.status).toBe(200)
    const mine = asResident.body.items.find((o: { id: number }) => o.id === org.a)
    expect(mine).toMatchObject({ name: '江州市桂花社工服务中心', contact: null })
    const q = await call(p.app, 'GET', `/api/v1/social-organisations?q=${encodeURIComponent('志愿者')}`, {
      token: t.staff,
    })
    expect(q.body.items.map((o: { id: number }) => o.id)).toEqual([org.b])
    expect(q.body.items[0].contact).not.toBeNull()
    // Cuizhu's staff see nothing of Guihua's.
    const cz = await call(p.app, 'GET', `/api/v1/social-organisations/${org.a}`, { token: t.cuizhu })
    expect(cz.status).toBe(404)
  })

  it('keeps the profile and suspends an organisation (no new projects)', async () => {
    const { id: _ignored, ...rest } = { id: 0, ...profile(org.b!) }
    const { organisationId: _o, ...body } = rest
    const put = await call(p.app, 'PUT', `/api/v1/social-organisations/${org.b}`, {
      token: t.staff,
      body: { ...body, capacity: 40, status: 'suspended' },
    })
    expect(put.status, JSON.stringify(put.body)).toBe(200)
    expect(put.body).toMatchObject({ capacity: 40, status: 'suspended' })
    const refused = await post('/api/v1/projects', t.staff!, terms({ organisationId: org.b }))
    expect([refused.status, refused.body.error.field]).toEqual([400, 'organisationId'])
    const byResident = await call(p.app, 'PUT', `/api/v1/social-organisations/${org.b}`, {
      token: t.resident,
      body: { ...body, status: 'active' },
    })
    expect(byResident.status).toBe(403)
  })

  it('refuses terms whose weights, milestones or payments are wrong', async () => {
    const weights = await post(
      '/api/v1/projects',
      t.staff!,
      terms({
        indicators: [
          { name: '覆盖率', weight: 50 },
          { name: '满意度', weight: 40 },
        ],
      }),
    )
    expect([weights.status, weights.body.error.code, weights.body.error.field]).toEqual([
      400,
      'VALIDATION_FAILED',
      'indicators',
    ])
    const outside = await post(
      '/api/v1/projects',
      t.staff!,
      terms({
        milestones: [
          { title: '一', deliverables: '记录', dueOn: '2027-03-20' },
          { title: '二', deliverables: '报告', dueOn: '2027-07-01' },
        ],
      }),
    )
    expect([outside.status, outside.body.error.field]).toEqual([400, 'milestones.1.dueOn'])
    const overpaid = await post(
      '/api/v1/projects',
      t.staff!,
      terms({
        milestones: [
          { title: '一', deliverables: '记录', dueOn: '2027-03-20', payment: 6000 },
          { title: '二', deliverables: '报告', dueOn: '2027-05-01', payment: 4000.01 },
        ],
      }),
    )
    expect([overpaid.status, overpaid.body.error.field]).toEqual([400, 'milestones'])
    expect((await post('/api/v1/projects', t.handler!, terms())).status).toBe(403)
    const count = await p.database.db
      .selectFrom('service_project')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('title', '=', terms().title)
      .executeTakeFirstOrThrow()
    expect(count.n).toBe(0)
  })

  it('drafts, edits only a draft, and activates with milestone reminders', async () => {
    const created = await call(p.app, 'POST', '/api/v1/projects', {
      token: t.staff,
      body: terms(),
      headers: { 'idempotency-key': 'project-a' },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    projectA = created.body.id
    const again = await call(p.app, 'POST', '/api/v1/projects', {
      token: t.staff,
      body: terms(),
      headers: { 'idempotency-key': 'project-a' },
    })
    expect(again.body.id).toBe(projectA)
    expect(created.body).toMatchObject({ status: 'draft', budget: 10000, spent: 0, remaining: 10000 })
    expect(created.body.reference).toMatch(/^GM-2027-\d{5}$/)
    const { areaId: _a, ...put } = terms({ budget: 12000, title: '桂花社区居家养老服务（修订）' })
    const edited = await call(p.app, 'PUT', `/api/v1/projects/${projectA}`, { token: t.staff, body: put })
    expect(edited.status, JSON.stringify(edited.body)).toBe(200)
    expect(edited.body).toMatchObject({ budget: 12000, version: 2 })
    expect(edited.body.milestones.map((m: { status: string }) => m.status)).toEqual(['pending', 'pending'])

    const noReason = await post(`/api/v1/projects/${projectA}/actions`, t.staff!, { action: 'terminate' })
    expect([noReason.status, noReason.body.error.field]).toEqual([400, 'reason'])
    const byHandler = await post(`/api/v1/projects/${projectA}/actions`, t.handler!, { action: 'activate' })
    expect(byHandler.status).toBe(403)
    const active = await post(`/api/v1/projects/${projectA}/actions`, t.staff!, { action: 'activate' })
    expect(active.status, JSON.stringify(active.body)).toBe(200)
    expect(active.body.status).toBe('active')
    expect(active.body.allowedActions).toEqual(['complete', 'terminate'])
    const timers = await p.database.db
      .selectFrom('workflow_timer')
      .select(['stage', 'due_at'])
      .where('subject_type', '=', 'project_milestone')
      .where(
        'subject_id',
        'in',
        active.body.milestones.map((m: { id: number }) => m.id),
      )
      .orderBy('due_at')
      .execute()
    expect(timers.map((x) => [x.stage, x.due_at.toISOString()])).toEqual([
      ['warning', '2027-03-17T01:00:00.000Z'],
      ['due', '2027-03-20T01:00:00.000Z'],
      ['warning', '2027-05-28T01:00:00.000Z'],
      ['due', '2027-05-31T01:00:00.000Z'],
    ])
    const late = await call(p.app, 'PUT', `/api/v1/projects/${projectA}`, { token: t.staff, body: put })
    expect([late.status, late.body.error.code]).toEqual([409, 'PROJECT_ILLEGAL_TRANSITION'])
  })

  it('shows projects to the area’s staff and the contracting department only', async () => {
    const asHandler = await call(p.app, 'GET', '/api/v1/projects', { token: t.handler })
    expect(asHandler.body.items.map((x: { id: number }) => x.id)).toContain(projectA)
    expect(asHandler.body.items.every((x: { department: { id: number } }) => x.department.id === zf)).toBe(true)
    expect((await detail(projectA, t.handler)).status).toBe(200)
    const other = await call(p.app, 'GET', '/api/v1/projects', { token: t.other })
    expect(other.status).toBe(200)
    expect(other.body.total).toBe(0)
    expect((await detail(projectA, t.other)).status).toBe(404)
    expect((await detail(projectA, t.cuizhu)).status).toBe(404)
    expect((await call(p.app, 'GET', '/api/v1/projects', { token: t.resident })).status).toBe(403)
    const filtered = await call(p.app, 'GET', `/api/v1/projects?status=draft&organisationId=${org.a}`, {
      token: t.staff,
    })
    expect(filtered.body.total).toBe(0)
  })

  it('takes reports within the budget, one overrun refused even when two race', async () => {
    const m1 = (await detail(projectA)).body.milestones[0].id
    const first = await post(`/api/v1/projects/${projectA}/reports`, t.handler!, {
      milestoneId: m1,
      reportedOn: '2027-03-01',
      summary: '完成首期探访 102 户',
      spent: 3000,
    })
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    expect(first.body).toMatchObject({ spent: 3000, remaining: 9000 })
    expect(first.body.milestones[0].status).toBe('reported')
    const over = await post(`/api/v1/projects/${projectA}/reports`, t.staff!, {
      reportedOn: '2027-03-01',
      summary: '采购物资',
      spent: 9000.01,
    })
    expect([over.status, over.body.error.code, over.body.error.field]).toEqual([
      422,
      'PROJECT_BUDGET_EXCEEDED',
      'spent',
    ])
    const future = await post(`/api/v1/projects/${projectA}/reports`, t.staff!, {
      reportedOn: '2027-03-05',
      summary: '提前',
      spent: 1,
    })
    expect([future.status, future.body.error.field]).toEqual([400, 'reportedOn'])
    // Two reports of 5,000 each against 9,000 remaining: exactly one passes.
    const race = await Promise.all(
      [1, 2].map((i) =>
        post(`/api/v1/projects/${projectA}/reports`, t.staff!, {
          reportedOn: '2027-03-01',
          summary: `第${i}笔支出`,
          spent: 5000,
        }),
      ),
    )
    expect(race.map((r) => r.status).sort()).toEqual([201, 422])
    const now = await detail(projectA)
    expect(now.body).toMatchObject({ spent: 8000, remaining: 4000 })
    expect(now.body.reports).toHaveLength(2)
    expect(
      (
        await post(`/api/v1/projects/${projectA}/reports`, t.other!, {
          reportedOn: '2027-03-01',
          summary: '他人',
          spent: 1,
        })
      ).status,
    ).toBe(404)
  })

  it('keeps attachments checked by their bytes', async () => {
    const report = (await detail(projectA)).body.reports.at(-1).id
    const url = `/api/v1/projects/${projectA}/reports/${report}/attachments?fileName=${encodeURIComponent('探访照片.png')}`
    const up = await p.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${t.handler}`, 'content-type': 'application/pdf' },
      payload: PNG,
    })
    expect(up.statusCode, up.body).toBe(201)
    const att = up.json()
    expect(att).toMatchObject({ fileName: '探访照片.png', contentType: 'image/png', size: PNG.length })
    const fake = await p.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${t.staff}`, 'content-type': 'application/pdf' },
      payload: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    })
    expect([fake.statusCode, fake.json().error.code]).toEqual([422, 'ATTACHMENT_INVALID'])
    const file = await p.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${projectA}/reports/${report}/attachments/${att.id}`,
      headers: { authorization: `Bearer ${t.staff}` },
    })
    expect(file.statusCode).toBe(200)
    expect(file.headers['content-type']).toBe('image/png')
    expect(Buffer.compare(file.rawPayload, PNG)).toBe(0)
    const foreign = await p.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${projectA}/reports/${report}/attachments/${att.id}`,
      headers: { authorization: `Bearer ${t.other}` },
    })
    expect(foreign.statusCode).toBe(404)
    expect((await detail(projectA)).body.reports.at(-1).attachments).toHaveLength(1)
  })

  it('evaluates each indicator once with a reason, each milestone once after its report', async () => {
    const d = (await detail(projectA)).body
    const [i1, i2] = d.indicators.map((i: { id: number }) => i.id)
    const [m1, m2] = d.milestones.map((m: { id: number }) => m.id)
    const url = `/api/v1/projects/${projectA}/evaluations`
    const missing = await post(url, t.staff!, {
      milestoneId: m1,
      scores: [{ indicatorId: i1, score: 90, reason: '覆盖全面' }],
      conclusion: '良好',
    })
    expect([missing.status, missing.body.error.code, missing.body.error.field]).toEqual([
      422,
      'PROJECT_SCORES_INVALID',
      'scores.1',
    ])
    const noReason = await post(url, t.staff!, {
      milestoneId: m1,
      scores: [
        { indicatorId: i1, score: 90, reason: '覆盖全面' },
        { indicatorId: i2, score: 80, reason: '   ' },
      ],
      conclusion: '良好',
    })
    expect([noReason.status, noReason.body.error.field]).toEqual([422, 'scores.1.reason'])
    const twice = await post(url, t.staff!, {
      milestoneId: m1,
      scores: [
        { indicatorId: i1, score: 90, reason: '覆盖全面' },
        { indicatorId: i1, score: 80, reason: '重复' },
      ],
      conclusion: '良好',
    })
    expect([twice.status, twice.body.error.field]).toEqual([422, 'scores.1.indicatorId'])
    const scores = [
      { indicatorId: i1, score: 90, reason: '覆盖全面' },
      { indicatorId: i2, score: 80, reason: '回访满意' },
    ]
    const pending = await post(url, t.staff!, { milestoneId: m2, scores, conclusion: '未报告' })
    expect([pending.status, pending.body.error.code]).toEqual([409, 'PROJECT_ILLEGAL_TRANSITION'])
    const ok = await post(url, t.handler!, { milestoneId: m1, scores, conclusion: '首期完成良好' })
    expect(ok.status, JSON.stringify(ok.body)).toBe(201)
    expect(ok.body.evaluations[0]).toMatchObject({ milestoneId: m1, total: 86 })
    expect(ok.body.milestones[0].status).toBe('evaluated')
    const again = await post(url, t.staff!, { milestoneId: m1, scores, conclusion: '再评' })
    expect([again.status, again.body.error.code]).toEqual([409, 'PROJECT_ALREADY_EVALUATED'])
    const early = await post(url, t.staff!, { milestoneId: null, scores, conclusion: '终期' })
    expect([early.status, early.body.error.code]).toEqual([409, 'PROJECT_ILLEGAL_TRANSITION'])
  })

  it('fires milestone reminders once, only for unreported milestones', async () => {
    const created = await post(
      '/api/v1/projects',
      t.staff!,
      terms({
        title: '桂花社区儿童四点半课堂',
        budget: 5000,
        endsOn: '2027-03-31',
        milestones: [
          { title: '开班', deliverables: '签到表', dueOn: '2027-03-10', payment: 1000 },
          { title: '结课', deliverables: '总结', dueOn: '2027-03-12', payment: 1000 },
        ],
      }),
    )
    projectB = created.body.id
    await post(`/api/v1/projects/${projectB}/actions`, t.staff!, { action: 'activate' })
    const [mb1] = created.body.milestones.map((m: { id: number }) => m.id)
    expect(
      (
        await post(`/api/v1/projects/${projectB}/reports`, t.staff!, {
          milestoneId: mb1,
          reportedOn: '2027-03-01',
          summary: '已开班',
          spent: 800,
        })
      ).status,
    ).toBe(201)
    const staffId = (
      await p.database.db
        .selectFrom('app_user')
        .select('id')
        .where('username', '=', 'guihua.staff')
        .executeTakeFirstOrThrow()
    ).id
    const handlerId = (
      await p.database.db
        .selectFrom('app_user')
        .select('id')
        .where('username', '=', 'guihua.handler')
        .executeTakeFirstOrThrow()
    ).id
    const dues = async (userId: number) =>
      (
        await p.database.db
          .selectFrom('notification')
          .select(sql<string>`params->>'title'`.as('title'))
          .where('kind', '=', 'project_milestone_due')
          .where(sql<boolean>`params->>'title' like '桂花社区儿童四点半课堂%'`)
          .where('user_id', '=', userId)
          .execute()
      ).map((r) => r.title)
    p.clock.set(new Date('2027-03-13T02:00:00Z'))
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    expect(await dues(staffId)).toEqual(['桂花社区儿童四点半课堂 · 结课', '桂花社区儿童四点半课堂 · 结课'])
    expect(await dues(handlerId)).toHaveLength(2)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    expect(await dues(staffId)).toHaveLength(2)
    const fired = await p.database.db
      .selectFrom('workflow_timer')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('subject_type', '=', 'project_milestone')
      .where(
        'subject_id',
        'in',
        created.body.milestones.map((m: { id: number }) => m.id),
      )
      .where('fired_at', 'is not', null)
      .executeTakeFirstOrThrow()
    expect(fired.n).toBe(4)
  })

  it('takes no report after the end of the term', async () => {
    p.clock.set(new Date('2027-04-02T02:00:00Z'))
    const late = await post(`/api/v1/projects/${projectB}/reports`, t.staff!, {
      reportedOn: '2027-03-30',
      summary: '补报',
      spent: 10,
    })
    expect([late.status, late.body.error.code]).toEqual([409, 'PROJECT_ENDED'])
  })

  it('moves the organisation’s rating with each final evaluation', async () => {
    const d = (await detail(projectA)).body
    const [i1, i2] = d.indicators.map((i: { id: number }) => i.id)
    expect((await post(`/api/v1/projects/${projectA}/actions`, t.staff!, { action: 'complete' })).status).toBe(200)
    const late = await post(`/api/v1/projects/${projectA}/reports`, t.staff!, {
      reportedOn: '2027-04-01',
      summary: '完成后',
      spent: 1,
    })
    expect([late.status, late.body.error.code]).toEqual([409, 'PROJECT_ENDED'])
    const final = await post(`/api/v1/projects/${projectA}/evaluations`, t.staff!, {
      milestoneId: null,
      scores: [
        { indicatorId: i1, score: 80, reason: '覆盖 96%' },
        { indicatorId: i2, score: 70, reason: '满意度 85%' },
      ],
      conclusion: '合格',
    })
    expect(final.status, JSON.stringify(final.body)).toBe(201)
    expect(final.body.finalScore).toBe(76)
    let o = await call(p.app, 'GET', `/api/v1/social-organisations/${org.a}`, { token: t.resident })
    expect(o.body).toMatchObject({ rating: 76, ratedProjects: 1 })

    // A second project of the same organisation, rated 90: the mean is 83.
    const { areaId: _x, ...rest } = terms({ title: '桂花社区助餐点运营', startsOn: '2027-04-01', endsOn: '2027-12-31' })
    const second = await post('/api/v1/projects', t.staff!, {
      areaId: guihua,
      ...rest,
      milestones: [{ title: '开业', deliverables: '运营记录', dueOn: '2027-05-01' }],
    })
    const id = second.body.id
    await post(`/api/v1/projects/${id}/actions`, t.staff!, { action: 'activate' })
    await post(`/api/v1/projects/${id}/actions`, t.staff!, { action: 'complete' })
    const sd = (await detail(id)).body
    const rated = await post(`/api/v1/projects/${id}/evaluations`, t.staff!, {
      milestoneId: null,
      scores: sd.indicators.map((i: { id: number }) => ({ indicatorId: i.id, score: 90, reason: '优秀' })),
      conclusion: '优秀',
    })
    expect(rated.status).toBe(201)
    o = await call(p.app, 'GET', `/api/v1/social-organisations/${org.a}`, { token: t.staff })
    expect(o.body).toMatchObject({ rating: 83, ratedProjects: 2 })
    expect(o.body.projects.map((x: { finalScore: number | null }) => x.finalScore).sort()).toEqual([76, 90, null])
    const twice = await post(`/api/v1/projects/${id}/evaluations`, t.staff!, {
      milestoneId: null,
      scores: sd.indicators.map((i: { id: number }) => ({ indicatorId: i.id, score: 10, reason: '再评' })),
      conclusion: '再评',
    })
    expect([twice.status, twice.body.error.code]).toEqual([409, 'PROJECT_ALREADY_EVALUATED'])
  })
})
