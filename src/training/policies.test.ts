import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

describe.each(backends())('policy explainers on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let guihua = 0
  let cuizhu = 0
  const category: Record<string, number> = {}

  const audits = async (action: string) =>
    (
      await p.database.db
        .selectFrom('audit_log')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('action', '=', action)
        .executeTakeFirstOrThrow()
    ).n
  const policies = async () =>
    (
      await p.database.db
        .selectFrom('training_policy')
        .select((e) => e.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n
  const get = (user: string, url: string) => call(p.app, 'GET', url, { token: t[user] })
  const titles = (res: { body: { items: { title: string }[] } }) => res.body.items.map((x) => x.title)
  const write = (user: string, body: Record<string, unknown>) =>
    call(p.app, 'POST', '/api/v1/training/policies', {
      token: t[user],
      body: { areaId: guihua, title: '测试政策', text: '测试政策全文。', ...body },
    })
  const patch = (user: string, id: number, body: Record<string, unknown>) =>
    call(p.app, 'PATCH', `/api/v1/training/policies/${id}`, { token: t[user], body })
  /** A case of the category in 桂花 made directly (the intake has its own tests). */
  const caseOf = async (code: string) => {
    const grid = await areaId(p, 'JZ-QH-01-01-G01')
    const district = await areaId(p, 'JZ-QH')
    const dept = await p.database.db
      .selectFrom('department')
      .select('id')
      .where('code', '=', 'QH-01-ZF')
      .executeTakeFirstOrThrow()
    const { rows } = await sql<{ id: number }>`insert into cases (tracking_code, category_id, area_id, district_id,
        channel, state, description, department_id, submitted_at, response_due_at, updated_at)
      values (${`T-POL-${code}-${Math.random().toString(36).slice(2, 8)}`}, ${category[code]}, ${grid}, ${district},
        'patrol', 'dispatched', '政策测试案件', ${dept.id}, now(), now() + interval '1 day', now())
      returning id`.execute(p.database.db)
    return Number(rows[0]!.id)
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-05-10T02:00:00Z')
    for (const u of [
      'guihua.staff',
      'guihua.grid',
      'guihua.handler',
      'guihua.mediator',
      'guihua.resident',
      'cuizhu.staff',
      'cuizhu.grid',
      'admin',
    ])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    for (const c of await p.database.db.selectFrom('case_category').select(['id', 'code']).execute())
      category[c.code] = c.id
  }, 180_000)
  afterAll(async () => p?.close())

  it('the demo: published explainers reach the grid worker, the draft only the keepers', async () => {
    const grid = await get('guihua.grid', '/api/v1/training/policies')
    expect(grid.status).toBe(200)
    expect(grid.body.items.every((x: { status: string }) => x.status === 'published')).toBe(true)
    expect(titles(grid)).toEqual(
      expect.arrayContaining(['江州市生活垃圾分类管理条例', '东湖街道高龄津贴和养老服务补贴发放办法']),
    )
    expect(grid.body.total).toBe(6)
    const staff = await get('guihua.staff', '/api/v1/training/policies?status=draft')
    expect(titles(staff)).toEqual(['桂花社区电动自行车停放充电管理规定（征求意见稿）'])
    expect(staff.body.items[0].canEdit).toBe(true)
    expect((await get('guihua.grid', '/api/v1/training/policies?status=draft')).body.items).toEqual([])
    // 翠竹 is on another street: 东湖's allowance is not theirs.
    expect(titles(await get('cuizhu.grid', '/api/v1/training/policies'))).not.toContain(
      '东湖街道高龄津贴和养老服务补贴发放办法',
    )
    const sorting = grid.body.items.find((x: { title: string }) => x.title === '江州市生活垃圾分类管理条例')
    const detail = await get('guihua.grid', `/api/v1/training/policies/${sorting.id}`)
    expect(detail.status).toBe(200)
    expect(detail.body.qa.length).toBeGreaterThanOrEqual(3)
    expect(detail.body.notices.map((n: { title: string }) => n.title)).toEqual(['桂花社区生活垃圾分类实施细则'])
    expect(detail.body.categories.map((c: { code: string }) => c.code)).toEqual(['HW-01', 'HW-02', 'HW-06'])
    expect(detail.body.canEdit).toBe(false)
    // 翠竹's staff reads the city's regulation but not 桂花's notice linked to it.
    const fromCuizhu = await get('cuizhu.staff', `/api/v1/training/policies/${sorting.id}`)
    expect(fromCuizhu.status).toBe(200)
    expect(fromCuizhu.body.notices).toEqual([])
    const byNotice = await get('guihua.grid', `/api/v1/training/policies?noticeId=${detail.body.notices[0].id}`)
    expect(titles(byNotice)).toEqual(['江州市生活垃圾分类管理条例'])
    expect((await get('guihua.resident', '/api/v1/training/policies')).status).toBe(403)
    expect((await call(p.app, 'GET', '/api/v1/training/policies')).status).toBe(401)
  })

  it('searches in Chinese by a word inside a sentence, ranked', async () => {
    const fund = await get('guihua.grid', `/api/v1/training/policies?q=${encodeURIComponent('维修资金')}`)
    expect(titles(fund)[0]).toBe('江州市物业管理条例')
    // A question as a handler types it: its words are found inside the explainer and the Q&A.
    const question = await get(
      'guihua.handler',
      `/api/v1/training/policies?q=${encodeURIComponent('过期药品应该扔到哪里')}`,
    )
    expect(titles(question)[0]).toBe('江州市生活垃圾分类管理条例')
    const none = await get('guihua.grid', `/api/v1/training/policies?q=${encodeURIComponent('火星探测')}`)
    expect(none.body).toMatchObject({ items: [], total: 0 })
    // Words of a draft are not found by those who may not read it.
    const draft = await get('guihua.grid', `/api/v1/training/policies?q=${encodeURIComponent('飞线充电')}`)
    expect(titles(draft)).not.toContain('桂花社区电动自行车停放充电管理规定（征求意见稿）')
  })

  it('filters by a case category with its parent’s policies', async () => {
    // 楼道堆物 (WY-04) is under 物业管理 (WY), to which the property regulation is linked.
    const res = await get('guihua.grid', `/api/v1/training/policies?categoryId=${category['WY-04']}`)
    expect(titles(res)).toEqual(['江州市物业管理条例'])
    const lift = await get('guihua.grid', `/api/v1/training/policies?categoryId=${category['WY-01']}`)
    expect(titles(lift).sort()).toEqual(['江州市物业管理条例', '清河区老旧小区综合整治实施方案'].sort())
  })

  it('writes a draft with its links; bad links are refused naming the field, nothing written', async () => {
    const before = await policies()
    const foreignNotice = await p.database.db
      .selectFrom('notice')
      .select('id')
      .where('area_id', '=', cuizhu)
      .executeTakeFirstOrThrow()
    const badNotice = await write('guihua.staff', { noticeIds: [Number(foreignNotice.id)] })
    expect(badNotice.status).toBe(422)
    expect(badNotice.body.error).toMatchObject({ code: 'TRAINING_POLICY_INVALID', field: 'noticeIds' })
    const badCategory = await write('guihua.staff', { categoryIds: [category['HW-06'], 999999] })
    expect(badCategory.status).toBe(422)
    expect(badCategory.body.error).toMatchObject({ code: 'TRAINING_POLICY_INVALID', field: 'categoryIds' })
    const tooMany = await write('guihua.staff', {
      qa: Array.from({ length: 51 }, (_, i) => ({ question: `问${i}`, answer: '答' })),
    })
    expect(tooMany.status).toBe(400)
    expect(await policies()).toBe(before)

    const notice = await p.database.db
      .selectFrom('notice')
      .select('id')
      .where('title', '=', '关于桂花苑二次供水水箱清洗停水的通知')
      .executeTakeFirstOrThrow()
    const audited = await audits('training.policy.create')
    const made = await write('guihua.staff', {
      title: '二次供水设施管理办法',
      documentNo: '江水〔2027〕1号',
      issuedBy: '江州市水务局',
      issuedOn: '2027-03-01',
      effectiveOn: '2027-04-01',
      text: '第一条　二次供水设施的管理单位应当每半年对水箱清洗消毒一次，并公示水质检测结果。',
      explainer: '水箱每半年洗一次，洗完要贴出水质检测报告。',
      qa: [{ question: '洗水箱要停水多久？', answer: '一般一天以内，物业须提前三天通知。' }],
      noticeIds: [Number(notice.id)],
      categoryIds: [category['GS-05']],
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body).toMatchObject({
      status: 'draft',
      publishedAt: null,
      version: 1,
      canEdit: true,
      documentNo: '江水〔2027〕1号',
      issuedOn: '2027-03-01',
      notices: [{ id: Number(notice.id), title: '关于桂花苑二次供水水箱清洗停水的通知' }],
      categories: [{ id: category['GS-05'], code: 'GS-05' }],
      qa: [{ question: '洗水箱要停水多久？', answer: '一般一天以内，物业须提前三天通知。' }],
    })
    expect(await audits('training.policy.create')).toBe(audited + 1)
    const id = made.body.id

    // The draft is hidden from the grid worker and the handler, by id and by search.
    expect((await get('guihua.grid', `/api/v1/training/policies/${id}`)).status).toBe(404)
    expect((await get('guihua.handler', `/api/v1/training/policies/${id}`)).status).toBe(404)
    expect(titles(await get('guihua.grid', `/api/v1/training/policies?q=${encodeURIComponent('水箱')}`))).toEqual([])

    // Publish: everyone on the branch reads it and finds it by a word of its Q&A.
    const published = await patch('guihua.staff', id, { version: 1, status: 'published' })
    expect(published.status, JSON.stringify(published.body)).toBe(200)
    expect(published.body).toMatchObject({ status: 'published', version: 2, publishedAt: '2027-05-10T02:00:00.000Z' })
    expect(await audits('training.policy.publish')).toBeGreaterThanOrEqual(1)
    expect((await get('guihua.grid', `/api/v1/training/policies/${id}`)).status).toBe(200)
    expect(titles(await get('guihua.grid', `/api/v1/training/policies?q=${encodeURIComponent('停水')}`))).toContain(
      '二次供水设施管理办法',
    )

    // Stale version; illegal transition; links replaced; retire and publish again.
    const stale = await patch('guihua.staff', id, { version: 1, title: '过期版本' })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'TRAINING_VERSION_CONFLICT', field: 'version' })
    const back = await patch('guihua.staff', id, { version: 2, status: 'draft' })
    expect(back.status).toBe(422)
    expect(back.body.error).toMatchObject({ code: 'TRAINING_POLICY_INVALID', field: 'status' })
    const relinked = await patch('guihua.staff', id, {
      version: 2,
      noticeIds: [],
      categoryIds: [category['GS-03'], category['GS-05']],
      explainer: '水箱每半年清洗消毒一次。',
    })
    expect(relinked.status, JSON.stringify(relinked.body)).toBe(200)
    expect(relinked.body.notices).toEqual([])
    expect(relinked.body.categories.map((c: { code: string }) => c.code)).toEqual(['GS-03', 'GS-05'])
    expect(await audits('training.policy.update')).toBeGreaterThanOrEqual(1)
    const retired = await patch('guihua.staff', id, { version: 3, status: 'retired' })
    expect(retired.body.status).toBe('retired')
    expect((await get('guihua.grid', `/api/v1/training/policies/${id}`)).status).toBe(404)
    const again = await patch('guihua.staff', id, { version: 4, status: 'published' })
    expect(again.body).toMatchObject({ status: 'published', publishedAt: '2027-05-10T02:00:00.000Z' })
    // The grid worker, a reader, may not write.
    expect((await write('guihua.grid', {})).status).toBe(403)
    expect((await patch('guihua.grid', id, { version: 5, title: '网格员改' })).status).toBe(403)
  })

  it('the case page: published policies of the case’s category or its parent, newest first, at most 5', async () => {
    const sorting = await caseOf('HW-06')
    const res = await get('guihua.handler', `/api/v1/training/policies/for-case/${sorting}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(titles(res)).toEqual(['江州市生活垃圾分类管理条例'])
    // 楼道堆物 through its parent 物业管理.
    const stairs = await caseOf('WY-04')
    expect(titles(await get('guihua.mediator', `/api/v1/training/policies/for-case/${stairs}`))).toEqual([
      '江州市物业管理条例',
    ])
    // Six new published policies on one category: the newest five.
    const noise = await caseOf('ZS-02')
    for (let i = 1; i <= 6; i++) {
      p.clock.advance(60_000)
      const made = await write('guihua.staff', { title: `噪声政策${i}`, categoryIds: [category['ZS-02']] })
      await patch('guihua.staff', made.body.id, { version: 1, status: 'published' })
    }
    await write('guihua.staff', { title: '噪声政策草稿', categoryIds: [category.ZS] })
    expect(titles(await get('guihua.grid', `/api/v1/training/policies/for-case/${noise}`))).toEqual([
      '噪声政策6',
      '噪声政策5',
      '噪声政策4',
      '噪声政策3',
      '噪声政策2',
    ])
    // A category without policies: none. 翠竹's staff does not see 桂花's case.
    const road = await caseOf('DL-03')
    expect((await get('guihua.grid', `/api/v1/training/policies/for-case/${road}`)).body.items).toEqual([])
    expect((await get('cuizhu.staff', `/api/v1/training/policies/for-case/${sorting}`)).status).toBe(404)
    expect((await get('guihua.resident', `/api/v1/training/policies/for-case/${sorting}`)).status).toBe(403)
  })

  it('a policy above the caller’s area is read, not kept; a create is made once per key', async () => {
    const city = (await get('guihua.staff', `/api/v1/training/policies?q=${encodeURIComponent('居住证')}`)).body
      .items[0]
    expect(city).toMatchObject({ title: '江州市居住证申领办法', canEdit: false })
    const refused = await patch('guihua.staff', city.id, { version: city.version, title: '社区改市里的条例' })
    expect(refused.status).toBe(403)
    const before = await policies()
    const once = () =>
      call(p.app, 'POST', '/api/v1/training/policies', {
        token: t['guihua.staff'],
        headers: { 'idempotency-key': 'policy-once-1' },
        body: { areaId: guihua, title: '一次性政策', text: '只写一次。' },
      })
    const first = await once()
    const again = await once()
    expect(first.status).toBe(201)
    expect(again.body.id).toBe(first.body.id)
    expect(await policies()).toBe(before + 1)
  })

  it('row-level security keeps one community’s policies from another', async () => {
    const made = await call(p.app, 'POST', '/api/v1/training/policies', {
      token: t['cuizhu.staff'],
      body: { areaId: cuizhu, title: '翠竹社区充电棚使用须知', text: '扫码充电，每小时0.5元。' },
    })
    expect(made.status).toBe(201)
    await call(p.app, 'PATCH', `/api/v1/training/policies/${made.body.id}`, {
      token: t['cuizhu.staff'],
      body: { version: 1, status: 'published' },
    })
    expect((await get('guihua.staff', `/api/v1/training/policies/${made.body.id}`)).status).toBe(404)
    expect(titles(await get('guihua.staff', '/api/v1/training/policies?pageSize=500'))).not.toContain(
      '翠竹社区充电棚使用须知',
    )
    expect((await get('guihua.staff', `/api/v1/training/policies?areaId=${cuizhu}`)).body.items).toEqual([])
    const foreign = await patch('guihua.staff', made.body.id, { version: 2, title: '越权改名' })
    expect(foreign.status).toBe(404)
    const into = await write('guihua.staff', { areaId: cuizhu })
    expect(into.status).toBe(403)
    // The city's admin, above both, reads it (the branch).
    expect((await get('admin', `/api/v1/training/policies/${made.body.id}`)).status).toBe(200)
  })
})
