import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { cipherFor } from '../core/crypto.js'
import { insertClosedCase } from './models-demo.js'

const base = '/api/v1/training/model-cases'

describe.each(backends())('model cases on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let closedCase = 0
  let modelCase = 0

  const audits = async (action: string) =>
    (
      await p.database.db
        .selectFrom('audit_log')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('action', '=', action)
        .executeTakeFirstOrThrow()
    ).n
  const get = (user: string, url: string) => call(p.app, 'GET', url, { token: t[user] })
  const post = (user: string, url: string, body?: unknown) =>
    call(p.app, 'POST', url, { token: t[user], body: body ?? {} })
  const titles = (res: { body: { items: { title: string }[] } }) => res.body.items.map((i) => i.title)

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-03-10T02:00:00Z')
    for (const u of [
      'guihua.staff',
      'guihua.leader',
      'guihua.grid',
      'guihua.handler',
      'guihua.mediator',
      'guihua.resident',
      'donghu.staff',
      'cuizhu.staff',
    ])
      t[u] = await tokenFor(p.app, u)
    // A closed case of 桂花 whose reporter gave a name and a landline without its area code.
    closedCase = await p.database.db.transaction().execute((tx) =>
      insertClosedCase(tx, p.clock.now(), {
        grid: 'JZ-QH-01-01-G02',
        category: 'WY-04',
        address: '桂花苑3幢',
        description: '3幢楼道堆满杂物，王建国家门口尤其严重，请尽快处理。',
        reporterName: '赵丽萍',
        reportedDaysAgo: 12,
        steps: [
          ['accept', 12, null, 'triage'],
          ['dispatch', 12, null, 'triage'],
          ['department_accept', 11, '物业上门劝导', 'handler'],
          ['reply', 8, '清理完毕', 'handler'],
          ['verify_pass', 7, '复查通过', 'verifier'],
          ['close', 7, null, 'triage'],
        ],
        result: '杂物已清理，赵丽萍表示满意，回访电话87654321。',
      }),
    )
    await p.database.db
      .updateTable('cases')
      .set({ reporter_phone_enc: cipherFor(p.config).encrypt('87654321') })
      .where('id', '=', closedCase)
      .execute()
  }, 180_000)
  afterAll(async () => p?.close())

  it('the demo library: published ones on the branch for every staff role, searched by Chinese words', async () => {
    const all = await get('guihua.grid', `${base}?pageSize=100`)
    expect(all.status, JSON.stringify(all.body)).toBe(200)
    expect(all.body.total).toBeGreaterThanOrEqual(6)
    expect(all.body.items.every((i: { status: string }) => i.status === 'published')).toBe(true)
    expect(titles(all)).toContain('楼道堆物清理：先劝后清、长效巡查')
    expect(titles(all)).not.toContain('加装电梯议事协商：低层住户的顾虑怎么解')
    // The draft with a phone left in: its keepers (the street's staff) see it with its findings.
    const drafts = await get('donghu.staff', `${base}?status=draft`)
    const draft = drafts.body.items.find((i: { title: string }) => i.title.startsWith('加装电梯'))
    expect(draft).toBeDefined()
    const full = await get('donghu.staff', `${base}/${draft.id}`)
    expect(full.body.findings.map((f: { kind: string }) => f.kind).sort()).toEqual(['name', 'phone'])
    expect(full.body.findings.find((f: { kind: string }) => f.kind === 'phone')).toMatchObject({
      field: 'method',
      excerpt: '139****8888',
    })
    expect((await get('guihua.grid', `${base}/${draft.id}`)).status).toBe(404)

    const found = await get('guihua.handler', `${base}?q=${encodeURIComponent('楼道里堆的杂物怎么清理')}`)
    expect(found.status).toBe(200)
    expect(found.body.items[0].title).toBe('楼道堆物清理：先劝后清、长效巡查')
    const noise = await get('guihua.mediator', `${base}?q=${encodeURIComponent('广场舞噪音')}`)
    expect(titles(noise)[0]).toContain('噪音扰民')
    expect((await get('guihua.grid', `${base}?q=${encodeURIComponent('的了')}`)).body.total).toBe(0)
    const disputes = await get('guihua.grid', `${base}?sourceKind=dispute`)
    expect(titles(disputes)).toEqual(['邻里漏水纠纷：先止漏、再定责'])
    // 翠竹 is on another street: 东湖's library is not its branch.
    const cuizhu = await get('cuizhu.staff', `${base}?pageSize=100`)
    expect(titles(cuizhu)).not.toContain('楼道堆物清理：先劝后清、长效巡查')
    expect((await get('guihua.resident', base)).status).toBe(403)
    expect((await call(p.app, 'GET', base)).status).toBe(401)
  })

  it('suggests the demo’s smoke-alarm write-up on the open smoke-alarm case', async () => {
    const open = await p.database.db
      .selectFrom('cases as c')
      .innerJoin('case_category as cc', 'cc.id', 'c.category_id')
      .select('c.id')
      .where('cc.code', '=', 'SB-01')
      .where('c.state', '=', 'dispatched')
      .executeTakeFirstOrThrow()
    const res = await get('guihua.grid', `${base}/suggestions?caseId=${open.id}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.items[0]).toMatchObject({ title: expect.stringContaining('烟感报警'), category: { code: 'SB-01' } })
    expect(res.body.items.length).toBeLessThanOrEqual(5)
    expect((await get('cuizhu.staff', `${base}/suggestions?caseId=${open.id}`)).status).toBe(404)
  })

  it('writes up a closed case as a draft prefilled from it, with the findings of the check', async () => {
    const before = await audits('model_case.create')
    const made = await call(p.app, 'POST', base, {
      token: t['guihua.staff'],
      body: { sourceKind: 'case', sourceId: closedCase },
      headers: { 'idempotency-key': 'write-up-1' },
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    modelCase = made.body.id
    const guihua = await areaId(p, 'JZ-QH-01-01')
    expect(made.body).toMatchObject({
      area: { id: guihua },
      sourceKind: 'case',
      source: { kind: 'case', id: closedCase, reference: expect.stringMatching(/^\d{6}-/) },
      category: { code: 'WY-04' },
      status: 'draft',
      version: 1,
      canEdit: true,
      problem: '3幢楼道堆满杂物，王建国家门口尤其严重，请尽快处理。',
      result: '杂物已清理，赵丽萍表示满意，回访电话87654321。',
    })
    expect(made.body.title).toMatch(/^楼道堆物：/)
    expect(made.body.method).toContain('部门接单：物业上门劝导')
    expect(made.body.method).toContain('核查通过：复查通过')
    // The reporter's name and the number known only from the sealed phone are caught.
    expect(
      made.body.findings.map((f: { field: string; kind: string; excerpt: string }) => [f.field, f.kind, f.excerpt]),
    ).toEqual([
      ['result', 'name', '赵**'],
      ['result', 'landline', '876****21'],
    ])
    expect(JSON.stringify(made.body)).not.toContain('王建国**')
    expect(await audits('model_case.create')).toBe(before + 1)
    // A retry with the same key gets the same answer; a second write-up is refused.
    const retry = await call(p.app, 'POST', base, {
      token: t['guihua.staff'],
      body: { sourceKind: 'case', sourceId: closedCase },
      headers: { 'idempotency-key': 'write-up-1' },
    })
    expect(retry.body.id).toBe(modelCase)
    const again = await post('guihua.leader', base, { sourceKind: 'case', sourceId: closedCase })
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({ code: 'MODEL_CASE_ALREADY', field: 'sourceId' })
  })

  it('refuses sources that are not finished or not seen, and callers who do not keep the area', async () => {
    const open = await p.database.db
      .selectFrom('cases')
      .select('id')
      .where('state', '=', 'dispatched')
      .executeTakeFirstOrThrow()
    const unfinished = await post('guihua.staff', base, { sourceKind: 'case', sourceId: open.id })
    expect(unfinished.status).toBe(422)
    expect(unfinished.body.error).toMatchObject({ code: 'MODEL_CASE_SOURCE_INVALID', field: 'sourceId' })
    const unseen = await post('cuizhu.staff', base, { sourceKind: 'case', sourceId: closedCase })
    expect(unseen.body.error).toMatchObject({ code: 'MODEL_CASE_SOURCE_INVALID', field: 'sourceId' })
    const missing = await post('guihua.staff', base, { sourceKind: 'dispute', sourceId: 2147483000 })
    expect(missing.body.error).toMatchObject({ code: 'MODEL_CASE_SOURCE_INVALID', field: 'sourceId' })
    const proposal = await p.database.db
      .selectFrom('proposal')
      .select('id')
      .where('status', '=', 'published')
      .executeTakeFirstOrThrow()
    const notDone = await post('guihua.staff', base, { sourceKind: 'proposal', sourceId: proposal.id })
    expect(notDone.body.error).toMatchObject({ code: 'MODEL_CASE_SOURCE_INVALID', field: 'sourceId' })
    const registered = await p.database.db
      .selectFrom('dispute')
      .select('id')
      .where('state', '=', 'registered')
      .executeTakeFirstOrThrow()
    const mediating = await post('guihua.staff', base, { sourceKind: 'dispute', sourceId: registered.id })
    expect(mediating.body.error).toMatchObject({ code: 'MODEL_CASE_SOURCE_INVALID', field: 'sourceId' })
    expect((await post('guihua.grid', base, { sourceKind: 'case', sourceId: closedCase })).status).toBe(403)
    expect((await post('guihua.resident', base, { sourceKind: 'case', sourceId: closedCase })).status).toBe(403)
    const bad = await post('guihua.staff', base, { sourceKind: 'petition', sourceId: 1 })
    expect(bad.status).toBe(400)
  })

  it('edits with the version, refuses to publish personal data, anonymises and publishes', async () => {
    const edited = await call(p.app, 'PATCH', `${base}/${modelCase}`, {
      token: t['guihua.staff'],
      body: {
        version: 1,
        title: '楼道堆物清理：物业上门劝导',
        lessons: '清理后每周巡查。有事找王建国，电话138 1234 5678。',
        tags: ['楼道堆物'],
      },
    })
    expect(edited.status, JSON.stringify(edited.body)).toBe(200)
    expect(edited.body).toMatchObject({ version: 2, title: '楼道堆物清理：物业上门劝导', tags: ['楼道堆物'] })
    // 王建国 is nobody of the case's: only the phone is caught in the lessons.
    expect(edited.body.findings.map((f: { field: string; kind: string }) => `${f.field}:${f.kind}`)).toEqual([
      'result:name',
      'result:landline',
      'lessons:phone',
    ])
    const stale = await call(p.app, 'PATCH', `${base}/${modelCase}`, {
      token: t['guihua.staff'],
      body: { version: 1, title: '旧版本' },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'TRAINING_VERSION_CONFLICT', field: 'version' })
    const grid = await call(p.app, 'PATCH', `${base}/${modelCase}`, {
      token: t['guihua.grid'],
      body: { version: 2, title: '网格员改' },
    })
    expect(grid.status).toBe(403)

    const refused = await post('guihua.staff', `${base}/${modelCase}/publish`, { version: 2 })
    expect(refused.status).toBe(422)
    expect(refused.body.error).toMatchObject({ code: 'MODEL_CASE_PERSONAL_DATA', field: 'result' })
    expect(refused.body.error.details.findings).toHaveLength(3)
    expect(refused.body.error.details.findings[2]).toMatchObject({
      field: 'lessons',
      kind: 'phone',
      excerpt: '138****5678',
    })
    const still = await get('guihua.staff', `${base}/${modelCase}`)
    expect(still.body).toMatchObject({ status: 'draft', version: 2, publishedAt: null })

    const check = await post('guihua.staff', `${base}/${modelCase}/check`)
    expect(check.status).toBe(200)
    expect(check.body.findings).toHaveLength(3)

    const clean = await post('guihua.staff', `${base}/${modelCase}/anonymise`, { version: 2 })
    expect(clean.status, JSON.stringify(clean.body)).toBe(200)
    expect(clean.body).toMatchObject({
      version: 3,
      findings: [],
      result: '杂物已清理，某某表示满意，回访电话********。',
      lessons: '清理后每周巡查。有事找王建国，电话1**********。',
    })
    const before = await audits('model_case.publish')
    const published = await post('guihua.staff', `${base}/${modelCase}/publish`, { version: 3 })
    expect(published.status, JSON.stringify(published.body)).toBe(200)
    expect(published.body).toMatchObject({ status: 'published', version: 4, findings: [] })
    expect(await audits('model_case.publish')).toBe(before + 1)
    const twice = await post('guihua.staff', `${base}/${modelCase}/publish`, { version: 4 })
    expect(twice.body.error).toMatchObject({ code: 'MODEL_CASE_ILLEGAL_TRANSITION' })

    // Published: the grid worker reads it (the source link too: the case is on the community).
    const read = await get('guihua.grid', `${base}/${modelCase}`)
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({ canEdit: false, status: 'published' })
    // A change that brings a name back into a published one is refused, and nothing changes.
    const dirty = await call(p.app, 'PATCH', `${base}/${modelCase}`, {
      token: t['guihua.staff'],
      body: { version: 4, lessons: '赵丽萍很满意' },
    })
    expect(dirty.status).toBe(422)
    expect(dirty.body.error).toMatchObject({ code: 'MODEL_CASE_PERSONAL_DATA', field: 'lessons' })
    expect((await get('guihua.staff', `${base}/${modelCase}`)).body.version).toBe(4)
    const search = await get('guihua.grid', `${base}?q=${encodeURIComponent('物业上门劝导')}`)
    expect(search.body.items[0].id).toBe(modelCase)
  })

  it('suggests the write-up on a new case of the same category, never on its own case', async () => {
    const grid = await areaId(p, 'JZ-QH-01-01-G01')
    // WY-04 needs a photo: a 1×1 PNG.
    const photo = await p.app.inject({
      method: 'POST',
      url: '/api/v1/photos',
      headers: { 'content-type': 'image/png', authorization: `Bearer ${t['guihua.staff']}` },
      payload: Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
        'base64',
      ),
    })
    const filed = await call(p.app, 'POST', '/api/v1/cases', {
      token: t['guihua.staff'],
      body: {
        categoryCode: 'WY-04',
        areaId: grid,
        address: '桂花苑9幢',
        description: '9幢二楼楼道堆了旧沙发',
        photos: [photo.json().token],
      },
    })
    expect(filed.status, JSON.stringify(filed.body)).toBe(201)
    const res = await get('guihua.grid', `${base}/suggestions?caseId=${filed.body.id}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.items.map((i: { id: number }) => i.id)).toContain(modelCase)
    expect(res.body.items[0].category.code).toBe('WY-04')
    const own = await get('guihua.staff', `${base}/suggestions?caseId=${closedCase}`)
    expect(own.status, JSON.stringify(own.body)).toBe(200)
    expect(own.body.items.map((i: { id: number }) => i.id)).not.toContain(modelCase)
    const none = await get('guihua.staff', `${base}/suggestions?caseId=2147483000`)
    expect(none.status).toBe(404)
    expect(none.body.error).toMatchObject({ code: 'CASE_NOT_FOUND', field: 'caseId' })
  })

  it('writes up the settled dispute and the implemented proposal from their records', async () => {
    const dispute = await p.database.db
      .selectFrom('dispute')
      .select('id')
      .where('state', '=', 'closed')
      .executeTakeFirstOrThrow()
    // 桂花's settled dispute is written up by the demo already.
    const cuizhu = await post('cuizhu.staff', base, { sourceKind: 'dispute', sourceId: dispute.id })
    expect(cuizhu.status, JSON.stringify(cuizhu.body)).toBe(201)
    expect(cuizhu.body).toMatchObject({ sourceKind: 'dispute', status: 'draft', title: '交通事故纠纷调解' })
    expect(cuizhu.body.problem).toContain('电动车与行人发生碰擦')
    const proposal = await p.database.db
      .selectFrom('proposal')
      .select('id')
      .where('status', '=', 'implemented')
      .executeTakeFirstOrThrow()
    const taken = await post('guihua.staff', base, { sourceKind: 'proposal', sourceId: proposal.id })
    expect(taken.body.error).toMatchObject({ code: 'MODEL_CASE_ALREADY' })
    // The street may keep a write-up for its whole branch; a neighbour street's area is refused.
    const closed2 = await p.database.db.transaction().execute((tx) =>
      insertClosedCase(tx, p.clock.now(), {
        grid: 'JZ-QH-01-01-G04',
        category: 'ZS-04',
        address: '桂花苑1幢',
        description: '1幢装修噪声周末一早就开始',
        reporterName: null,
        reportedDaysAgo: 5,
        steps: [['close', 3, null, 'triage']],
        result: '约定装修时间',
      }),
    )
    const wrongArea = await post('donghu.staff', base, {
      sourceKind: 'case',
      sourceId: closed2,
      areaId: await areaId(p, 'JZ-QH-02'),
    })
    expect(wrongArea.status).toBe(422)
    expect(wrongArea.body.error).toMatchObject({ code: 'MODEL_CASE_SOURCE_INVALID', field: 'areaId' })
    const community = await post('guihua.staff', base, {
      sourceKind: 'case',
      sourceId: closed2,
      areaId: await areaId(p, 'JZ-QH-01'),
    })
    expect(community.status).toBe(403)
    const street = await post('donghu.staff', base, {
      sourceKind: 'case',
      sourceId: closed2,
      areaId: await areaId(p, 'JZ-QH-01'),
    })
    expect(street.status, JSON.stringify(street.body)).toBe(201)
    expect(street.body.area.code).toBe('JZ-QH-01')
  })

  it('withdraws a published model case with a reason; readers no longer find it', async () => {
    const before = await audits('model_case.withdraw')
    const draftTry = await post('guihua.grid', `${base}/${modelCase}/withdraw`, { version: 4, reason: '过时' })
    expect(draftTry.status).toBe(403)
    const res = await post('guihua.staff', `${base}/${modelCase}/withdraw`, { version: 4, reason: '做法已更新' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ status: 'withdrawn', version: 5 })
    expect(await audits('model_case.withdraw')).toBe(before + 1)
    expect((await get('guihua.grid', `${base}/${modelCase}`)).status).toBe(404)
    const again = await post('guihua.staff', `${base}/${modelCase}/withdraw`, { version: 5, reason: '再撤' })
    expect(again.body.error).toMatchObject({ code: 'MODEL_CASE_ILLEGAL_TRANSITION' })
    const missingReason = await post('guihua.staff', `${base}/${modelCase}/withdraw`, { version: 5 })
    expect(missingReason.status).toBe(400)
  })
})
