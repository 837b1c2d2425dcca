import { sql } from 'kysely'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { compileNb, predictNb, trainNb } from './dispatch-model.js'
import { compileTopics, matchTopics, tagTopics, topicScore } from './topics.js'

// Key topics (tagging rules, trends, topic of the month) and smart dispatch (the classifier, its
// suggestions and the decisions recorded), on both backends. Fixture cases are inserted directly as
// the owner with exact times (the triggers queue them as they would any intake) and tagged by
// running the tagger; cases for the dispatch decisions go through the real intake and workflow.

let serial = 0

async function insertCase(
  p: TestPlatform,
  c: {
    grid: string
    category: string
    description: string
    at: string
    address?: string
    state?: string
    dept?: string
    reporter?: string
  },
): Promise<number> {
  const db = p.database.db
  const cat = await db.selectFrom('case_category').select('id').where('code', '=', c.category).executeTakeFirstOrThrow()
  const grid = await db.selectFrom('area').select(['id', 'path']).where('code', '=', c.grid).executeTakeFirstOrThrow()
  const district = Number(grid.path.split('/').filter(Boolean)[1])
  const dept = c.dept
    ? (await db.selectFrom('department').select('id').where('code', '=', c.dept).executeTakeFirstOrThrow()).id
    : null
  const reporter = c.reporter
    ? (await db.selectFrom('app_user').select('id').where('username', '=', c.reporter).executeTakeFirstOrThrow()).id
    : null
  const at = new Date(c.at)
  const closed = c.state === 'closed' ? at : null
  const { rows } = await sql<{ id: number }>`
    insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description, address,
      submitted_at, response_due_at, updated_at, department_id, closed_at, reporter_id)
    values (${`T-TOPIC-${++serial}`}, ${cat.id}, ${grid.id}, ${district}, 'hotline', ${c.state ?? 'submitted'},
      ${c.description}, ${c.address ?? null}, ${at}, ${new Date(at.getTime() + 3600_000)}, ${at}, ${dept}, ${closed}, ${reporter})
    returning id::integer as id`.execute(db)
  return rows[0]!.id
}

async function topicsOf(p: TestPlatform, caseId: number): Promise<string[]> {
  const rows = await p.database.db
    .selectFrom('case_topic as ct')
    .innerJoin('topic as t', 't.id', 'ct.topic_id')
    .select('t.code')
    .where('ct.case_id', '=', caseId)
    .orderBy('t.code')
    .execute()
  return rows.map((r) => r.code)
}

describe('naive Bayes', () => {
  it('learns a toy corpus and ranks by posterior', () => {
    const docs = [
      { tokens: ['电梯', '坏'], label: 1 },
      { tokens: ['电梯', '停运'], label: 1 },
      { tokens: ['电梯', '困人'], label: 1 },
      { tokens: ['垃圾', '满'], label: 2 },
      { tokens: ['垃圾', '臭'], label: 2 },
      { tokens: ['路灯', '不亮'], label: 3 },
    ]
    const m = compileNb(trainNb(docs))
    const p = predictNb(m, ['电梯', '臭'], 3)
    // P(1) ∝ 3/6 · (3+1)/(6+9) · (0+1)/(6+9); P(2) ∝ 2/6 · 1/(4+9) · 2/(4+9); P(3) ∝ 1/6 · 1/(2+9) · 1/(2+9).
    const s1 = (3 / 6) * (4 / 15) * (1 / 15)
    const s2 = (2 / 6) * (1 / 13) * (2 / 13)
    const s3 = (1 / 6) * (1 / 11) * (1 / 11)
    expect(p.map((x) => x.label)).toEqual([1, 2, 3])
    expect(p[0]!.p).toBeCloseTo(s1 / (s1 + s2 + s3), 10)
    expect(predictNb(m, ['路灯', '不亮'], 1)[0]!.label).toBe(3)
    // Unknown tokens leave the prior.
    expect(predictNb(m, ['未知'], 1)[0]).toEqual({ label: 1, p: expect.closeTo(0.5, 10) })
  })
})

describe('topic score', () => {
  it('follows the documented formula', () => {
    expect(topicScore(4, 2, 0.5)).toEqual({ growth: 1, score: 12 })
    expect(topicScore(6, 6, 0)).toEqual({ growth: 0, score: 6 })
    expect(topicScore(2, 0, 0)).toEqual({ growth: null, score: 4 })
    expect(topicScore(10, 1, 0)).toEqual({ growth: 9, score: 30 }) // growth capped at 2
  })
})

describe.each(backends())('key topics and smart dispatch on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  const get = (who: string, url: string) => call(p.app, 'GET', url, { token: t[who] })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2026-11-23T02:00:00Z')
    for (const u of [
      'admin',
      'leader',
      'guihua.leader',
      'guihua.staff',
      'guihua.handler',
      'cuizhu.staff',
      'donghu.admin',
    ])
      t[u] = await tokenFor(p.app, u)
    await tagTopics(p.database.db)
  })
  afterAll(() => p?.close())

  it('tags by category and keywords, re-tags when a rule changes, drops merged cases', async () => {
    const g = 'JZ-QH-01-01-G01'
    const at = '2024-06-05T02:00:00Z'
    const lift = await insertCase(p, { grid: g, category: 'WY-01', description: '电梯坏了三天', at })
    const school = await insertCase(p, { grid: g, category: 'HW-01', description: '学校门口垃圾没人清', at })
    // jieba keeps 宠物医院 whole: the keyword 医院 does not match inside it.
    const pet = await insertCase(p, { grid: g, category: 'SR-01', description: '宠物医院门口堆放杂物', at })
    const shop = await insertCase(p, { grid: g, category: 'ZS-03', description: '医院旁边的宠物店太吵', at })
    const none = await insertCase(p, { grid: g, category: 'DL-09', description: '坡道太陡', at })
    await tagTopics(p.database.db)
    expect(await topicsOf(p, lift)).toEqual(['PROPERTY'])
    expect(await topicsOf(p, school)).toEqual(['EDUCATION', 'SANITATION'])
    expect(await topicsOf(p, pet)).toEqual(['SANITATION'])
    expect(await topicsOf(p, shop)).toEqual(['ENVIRONMENT', 'MEDICAL'])
    expect(await topicsOf(p, none)).toEqual(['ROADS'])
    const how = await p.database.db
      .selectFrom('case_topic')
      .select(['matched_by', 'keyword'])
      .where('case_id', '=', school)
      .orderBy('matched_by')
      .execute()
    expect(how).toEqual([
      { matched_by: 'category', keyword: null },
      { matched_by: 'keyword', keyword: '学校' },
    ])

    // An exclusion vetoes the keyword match; the whole history is swept again.
    const list = await get('admin', '/api/v1/topics')
    const medical = list.body.items.find((x: { code: string }) => x.code === 'MEDICAL')
    const put = await call(p.app, 'PUT', '/api/v1/topics/MEDICAL', {
      token: t.admin,
      body: {
        nameZh: medical.nameZh,
        nameEn: medical.nameEn,
        categoryCodes: [],
        keywords: medical.keywords,
        excludeKeywords: ['宠物店'],
        version: medical.version,
      },
    })
    expect(put.status).toBe(200)
    expect(put.body.version).toBe(medical.version + 1)
    expect((await get('admin', '/api/v1/topics')).body.tagger.sweeping).toBe(true)
    await tagTopics(p.database.db)
    expect(await topicsOf(p, shop)).toEqual(['ENVIRONMENT'])
    expect((await get('admin', '/api/v1/topics')).body.tagger).toMatchObject({ sweeping: false, queued: 0 })
    // A stale version is refused, naming the field; an unknown category code names its place.
    const stale = await call(p.app, 'PUT', '/api/v1/topics/MEDICAL', {
      token: t.admin,
      body: { nameZh: '医疗', nameEn: 'Medical', categoryCodes: [], keywords: ['医院'], version: medical.version },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error.field).toBe('version')
    const unknown = await call(p.app, 'PUT', '/api/v1/topics/NEW_ONE', {
      token: t.admin,
      body: { nameZh: '新', nameEn: 'New', categoryCodes: ['WY', 'NOPE'], keywords: [] },
    })
    expect(unknown.status).toBe(422)
    expect(unknown.body.error).toMatchObject({ code: 'TOPIC_RULE_INVALID', field: 'categoryCodes[1]' })
    // Topics are city-wide: a street's admin cannot change them.
    const street = await call(p.app, 'PUT', '/api/v1/topics/MEDICAL', {
      token: t['donghu.admin'],
      body: { nameZh: '医疗', nameEn: 'Medical', categoryCodes: [], keywords: ['医院'] },
    })
    expect(street.status).toBe(403)

    // A merged case carries no topics.
    await sql`update cases set state = 'merged' where id = ${lift}`.execute(p.database.db)
    await tagTopics(p.database.db)
    expect(await topicsOf(p, lift)).toEqual([])
  })

  it('trends equal a recount of the rules over the cases', async () => {
    const descriptions = [
      '小区物业不作为',
      '学校附近违停严重',
      '老人独居没人管',
      '路灯不亮',
      '医院门口乱停车',
      '餐馆油烟扰民',
    ]
    const cats = ['WY-02', 'JT-02', 'JZ-03', 'DL-03', 'JT-02', 'HJ-01']
    const grids = ['JZ-QH-01-01-G01', 'JZ-QH-01-01-G02', 'JZ-QH-01-02-G01', 'JZ-QH-02-01-G01']
    for (let i = 0; i < 40; i++)
      await insertCase(p, {
        grid: grids[i % grids.length]!,
        category: cats[i % cats.length]!,
        description: descriptions[(i * 7) % descriptions.length]!,
        at: new Date(Date.UTC(2024, 7, 1, 2) + i * 37 * 3600_000).toISOString(),
      })
    await tagTopics(p.database.db)
    const district = await areaId(p, 'JZ-QH')
    const topics = await p.database.db.selectFrom('topic').selectAll().execute()
    const compiled = compileTopics(topics)
    const cases = await sql<{ description: string; code: string; parent: string | null; submitted_at: Date }>`
      select c.description, k.code, pk.code as parent, c.submitted_at from cases c
      join case_category k on k.id = c.category_id left join case_category pk on pk.id = k.parent_id
      join area a on a.id = c.area_id
      where c.state <> 'merged' and a.path like (select path from area where id = ${district}) || '%'
        and c.submitted_at >= '2024-07-31T16:00:00Z' and c.submitted_at < '2024-10-31T16:00:00Z'`.execute(p.database.db)
    for (const interval of ['day', 'week', 'month'] as const) {
      const res = await get(
        'leader',
        `/api/v1/topics/trends?areaId=${district}&from=2024-08-01&to=2024-11-01&interval=${interval}`,
      )
      expect(res.status).toBe(200)
      expect(res.body.pending).toBe(0)
      const expected = new Map<string, number>()
      for (const c of cases.rows) {
        const bucket = DateTime.fromJSDate(c.submitted_at, { zone: 'Asia/Shanghai' }).startOf(interval).toISODate()
        for (const m of matchTopics(compiled, {
          categoryCode: c.code,
          parentCode: c.parent,
          description: c.description,
        })) {
          const code = topics.find((x) => x.id === m.topicId)!.code
          expected.set(`${code} ${bucket}`, (expected.get(`${code} ${bucket}`) ?? 0) + 1)
        }
      }
      const got = new Map<string, number>()
      for (const s of res.body.series)
        s.counts.forEach((n: number, i: number) => {
          if (n > 0) got.set(`${s.topic.code} ${res.body.buckets[i]}`, n)
        })
      expect(got).toEqual(expected)
      expect([...expected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(40)
    }
    // Scoped like /stats/cases: a community's leader may not name the district.
    expect((await get('guihua.leader', `/api/v1/topics/trends?areaId=${district}`)).status).toBe(403)
    // A handler is not among the readers.
    expect((await get('guihua.handler', '/api/v1/topics/trends')).status).toBe(403)
  })

  it('suggests the topic of the month per street with its evidence', async () => {
    const g1 = 'JZ-QH-01-01-G01'
    const g2 = 'JZ-QH-01-01-G02'
    const inMonth = (day: number) => `2024-03-${String(day).padStart(2, '0')}T02:00:00Z`
    // PROPERTY: 4 in March (two at one address), 2 in each of Dec, Jan, Feb → B 2, g 1, R 0.5, score 12.
    for (const [i, address] of ['桂花苑3号楼', '桂花苑3号楼', '桂花苑5号楼', null].entries())
      await insertCase(p, {
        grid: i < 3 ? g1 : g2,
        category: 'WY-01',
        description: '电梯坏了',
        at: inMonth(3 + i),
        address: address ?? undefined,
      })
    for (const m of ['2023-12-10', '2023-12-11', '2024-01-10', '2024-01-11', '2024-02-10', '2024-02-11'])
      await insertCase(p, { grid: g1, category: 'WY-01', description: '电梯坏了', at: `${m}T02:00:00Z` })
    // TRAFFIC: 6 in March and 6 in each month before → g 0, R 0, score 6.
    for (const m of ['2023-12', '2024-01', '2024-02', '2024-03'])
      for (let d = 1; d <= 6; d++)
        await insertCase(p, {
          grid: g2,
          category: 'JT-02',
          description: '违停堵门',
          at: `${m}-${String(10 + d)}T02:00:00Z`,
        })
    await tagTopics(p.database.db)
    const street = await areaId(p, 'JZ-QH-01')
    const res = await get('leader', `/api/v1/topics/of-the-month?areaId=${street}&month=2024-03`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ month: '2024-03', provisional: false, pending: 0 })
    expect(res.body.streets).toHaveLength(1)
    const s = res.body.streets[0]
    expect(s.area.id).toBe(street)
    expect(s.suggestion).toMatchObject({
      topic: { code: 'PROPERTY' },
      volume: 4,
      previous: [2, 2, 2],
      baseline: 2,
      growth: 1,
      repeatPlaceCases: 2,
      repeatRate: 0.5,
      score: 12,
    })
    expect(s.suggestion.topAddresses[0]).toEqual({ label: '桂花苑3号楼', count: 2 })
    expect(s.suggestion.topGrids[0].count).toBe(3)
    expect(s.candidates.map((c: { topic: { code: string } }) => c.topic.code).slice(0, 2)).toEqual([
      'PROPERTY',
      'TRAFFIC',
    ])
    expect(s.candidates[1]).toMatchObject({ volume: 6, baseline: 6, growth: 0, repeatRate: 0, score: 6 })
    expect(res.body.formula).toContain('score = V × (1 + G) × (1 + R)')
    // The district's answer lists its streets; the other street has nothing in March.
    const all = await get('leader', '/api/v1/topics/of-the-month?month=2024-03')
    expect(all.body.streets.find((x: { area: { id: number } }) => x.area.id === street).suggestion.topic.code).toBe(
      'PROPERTY',
    )
    // The current month is provisional; a bad month names the field.
    expect((await get('leader', '/api/v1/topics/of-the-month?month=2026-11')).body.provisional).toBe(true)
    const bad = await get('leader', '/api/v1/topics/of-the-month?month=2024-13')
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toContain('month')
    // Another community's staff do not see 东湖's street.
    expect((await get('cuizhu.staff', `/api/v1/topics/of-the-month?areaId=${street}&month=2024-03`)).status).toBe(403)
  })

  it('trains a model on closed cases, suggests and records the decisions', async () => {
    // Without enough closed cases a model cannot be trained… (the template has none closed)
    const before = await p.database.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', 'in', ['closed', 'rated'])
      .executeTakeFirstOrThrow()
    if (Number(before.n) < 10) {
      const few = await call(p.app, 'POST', '/api/v1/dispatch/models', {
        token: t.admin,
        headers: { 'idempotency-key': 'few-1' },
      })
      expect(few.status).toBe(422)
      expect(few.body.error.code).toBe('DISPATCH_TOO_FEW_CASES')
    }
    // …and nothing is suggested before the first model.
    if ((await p.database.db.selectFrom('dispatch_model').select('id').executeTakeFirst()) === undefined) {
      const empty = await call(p.app, 'POST', '/api/v1/dispatch/suggest', {
        token: t['guihua.staff'],
        body: { description: '电梯坏了' },
      })
      expect(empty.body).toMatchObject({ suggestionId: null, modelVersion: null, categories: [] })
    }
    const corpus: [string, string, string[]][] = [
      ['WY-01', 'QH-01-ZF', ['电梯坏了', '电梯停运困人', '电梯异响很吓人', '电梯维修一直没人来']],
      ['HW-02', 'QH-CG', ['垃圾桶满了没人清运', '垃圾箱溢出很臭', '垃圾房清运不及时']],
      ['DL-03', 'QH-CG', ['路灯不亮晚上太黑', '路灯坏了一闪一闪', '小区门口路灯不亮']],
    ]
    for (let r = 0; r < 4; r++)
      for (const [cat, dept, texts] of corpus)
        for (const text of texts)
          await insertCase(p, {
            grid: 'JZ-QH-01-01-G01',
            category: cat,
            dept,
            description: `${text}${['', '，请尽快处理', '，已经好几天了', '，影响出行'][r]}`,
            at: '2026-10-01T02:00:00Z',
            state: 'closed',
          })
    const trained = await call(p.app, 'POST', '/api/v1/dispatch/models', {
      token: t.admin,
      headers: { 'idempotency-key': 'train-1' },
    })
    expect(trained.status).toBe(201)
    expect(trained.body.trainingSize + trained.body.testSize).toBeGreaterThanOrEqual(40)
    expect(trained.body.categoryTop3).toBeGreaterThan(0.8)
    // Only a root admin trains; leaders list the versions.
    expect(
      (
        await call(p.app, 'POST', '/api/v1/dispatch/models', {
          token: t['donghu.admin'],
          headers: { 'idempotency-key': 'x' },
        })
      ).status,
    ).toBe(403)
    const models = await get('leader', '/api/v1/dispatch/models')
    expect(models.body.items[0].version).toBe(trained.body.version)

    // Intake: suggestions as the description is typed, then the case it became.
    const grid = await areaId(p, 'JZ-QH-01-01-G01')
    const s = await call(p.app, 'POST', '/api/v1/dispatch/suggest', {
      token: t['guihua.staff'],
      body: { description: '3号楼电梯又坏了', areaId: grid },
    })
    expect(s.status).toBe(200)
    expect(s.body.modelVersion).toBe(trained.body.version)
    expect(s.body.categories[0].code).toBe('WY-01')
    expect(s.body.categories[0].confidence).toBeGreaterThan(0.5)
    expect(s.body.departments[0].code).toBe('QH-01-ZF')
    const filed = await call(p.app, 'POST', '/api/v1/cases', {
      token: t['guihua.staff'],
      body: {
        categoryCode: 'WY-01',
        description: '3号楼电梯又坏了',
        areaId: grid,
        address: '桂花苑3号楼',
        channel: 'hotline',
        attributes: { building_unit: '3号楼2单元', people_trapped: 'no' },
      },
    })
    expect(filed.body).toMatchObject({ id: expect.any(Number) })
    // Someone else cannot claim the suggestion; its author links it once.
    expect(
      (
        await call(p.app, 'POST', `/api/v1/dispatch/suggestions/${s.body.suggestionId}/case`, {
          token: t['cuizhu.staff'],
          body: { caseId: filed.body.id },
        })
      ).status,
    ).toBe(404)
    const linked = await call(p.app, 'POST', `/api/v1/dispatch/suggestions/${s.body.suggestionId}/case`, {
      token: t['guihua.staff'],
      body: { caseId: filed.body.id },
    })
    expect(linked.body).toMatchObject({ categoryTop1: true, categoryAny: true, chosenDepartmentId: null })
    const again = await call(p.app, 'POST', `/api/v1/dispatch/suggestions/${s.body.suggestionId}/case`, {
      token: t['guihua.staff'],
      body: { caseId: filed.body.id },
    })
    expect(again.status).toBe(409)
    // Triage: a suggestion for the case, then the dispatch decides both rows' department.
    const triage = await call(p.app, 'POST', '/api/v1/dispatch/suggest', {
      token: t['guihua.staff'],
      body: { description: '3号楼电梯又坏了', caseId: filed.body.id },
    })
    expect(triage.status).toBe(200)
    const accepted = await call(p.app, 'POST', `/api/v1/cases/${filed.body.id}/actions`, {
      token: t['guihua.staff'],
      body: { action: 'accept' },
    })
    expect(accepted.status).toBe(200)
    const rows = await p.database.db
      .selectFrom('dispatch_suggestion as s')
      .leftJoin('department as d', 'd.id', 's.chosen_department_id')
      .select(['s.source', 'd.code', 's.department_top1', 's.department_any'])
      .where('s.case_id', '=', filed.body.id)
      .orderBy('s.id')
      .execute()
    const routed = (
      await p.database.db
        .selectFrom('cases')
        .select('department_id')
        .where('id', '=', filed.body.id)
        .executeTakeFirstOrThrow()
    ).department_id
    const routedCode = (
      await p.database.db.selectFrom('department').select('code').where('id', '=', routed!).executeTakeFirstOrThrow()
    ).code
    expect(rows.map((r) => [r.source, r.code])).toEqual([
      ['intake', routedCode],
      ['triage', routedCode],
    ])
    expect(rows[0]!.department_top1).toBe(routedCode === 'QH-01-ZF')
    // Accuracy on these real decisions.
    const acc = await get('leader', '/api/v1/dispatch/accuracy?from=2026-11-01&to=2026-12-01')
    expect(acc.status).toBe(200)
    expect(acc.body.category).toMatchObject({ decided: 1, acceptedTop1: 1, acceptedAny: 1, overridden: 0, top1Rate: 1 })
    expect(acc.body.department.decided).toBe(2)
    expect(acc.body.byModel).toHaveLength(1)
    // Another community's leader does not count them.
    const other = await call(p.app, 'GET', '/api/v1/dispatch/accuracy?from=2026-11-01&to=2026-12-01', {
      token: await tokenFor(p.app, 'cuizhu.leader'),
    })
    expect(other.body.category.decided).toBe(0)
  })
})
