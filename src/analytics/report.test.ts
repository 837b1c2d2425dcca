import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import { extractText } from 'unpdf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from '../operations/generate.js'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { figureRows, formatChange, formatFigure } from './report-labels.js'
import { TABLE_ROW } from './report-xlsx.js'
import { tagTopics } from './topics.js'
import { renderQueuedReports, scheduleMonthlyReports, startReportWorker } from './report.js'

// The monthly report on generated history: a year of cases up to the clock (20 November 2026,
// 10:00 in Shanghai) in the demo city. The PDF's extracted text and the XLSX's cells are compared
// with what GET /api/v1/stats/cases and /stats/evaluation answer for the same area, months and
// instant, so the report says exactly what the statistics say.

const NOW = '2026-11-20T02:00:00Z'

async function until(p: TestPlatform, token: string, id: number) {
  const seen: number[] = []
  for (let i = 0; i < 600; i++) {
    const r = await call(p.app, 'GET', `/api/v1/reports/${id}`, { token })
    expect(r.status).toBe(200)
    seen.push(r.body.progress)
    if (r.body.state === 'done' || r.body.state === 'failed') return { job: r.body, seen }
    await new Promise((res) => setTimeout(res, 50))
  }
  throw new Error(`report ${id} did not finish`)
}

async function pdfPages(p: TestPlatform, token: string, id: number) {
  const res = await p.app.inject({
    method: 'GET',
    url: `/api/v1/reports/${id}/pdf`,
    headers: { authorization: `Bearer ${token}` },
  })
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toBe('application/pdf')
  const { text } = await extractText(new Uint8Array(res.rawPayload), { mergePages: false })
  return (text as string[]).map((t) => t.replace(/\s+/g, ''))
}

async function workbook(p: TestPlatform, token: string, id: number) {
  const res = await p.app.inject({
    method: 'GET',
    url: `/api/v1/reports/${id}/xlsx`,
    headers: { authorization: `Bearer ${token}` },
  })
  expect(res.statusCode).toBe(200)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
  return wb
}

describe.each(backends())('monthly reports (%s)', (backend) => {
  let p: TestPlatform
  let leader: string
  let donghu: number
  beforeAll(async () => {
    p = await openTestPlatform(backend, NOW)
    await generate(p.database, {
      counts: { cases: 500 },
      seed: 16,
      until: new Date(NOW),
      years: 1.1,
      databaseUrl: p.databaseUrl ?? undefined,
      log: () => {},
    })
    // The topic tagger a server runs in the background, run to the end.
    await tagTopics(p.database.db)
    leader = await tokenFor(p.app, 'leader')
    donghu = await areaId(p, 'JZ-QH-01')
  }, 240_000)
  afterAll(() => p?.close())

  const stats = async (token: string, area: number, from: string, to: string, extra = '') =>
    (await call(p.app, 'GET', `/api/v1/stats/cases?areaId=${area}&from=${from}&to=${to}${extra}`, { token })).body

  it('renders a finished month in the background: progress to 100, the PDF and XLSX say what the statistics say', async () => {
    const r = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: leader,
      body: { areaId: donghu, month: '2026-10' },
    })
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({
      areaId: donghu,
      month: '2026-10',
      locale: 'zh-CN',
      provisional: false,
      scheduled: false,
    })
    const { job, seen } = await until(p, leader, r.body.id)
    expect(job.state).toBe('done')
    expect(job.progress).toBe(100)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(job.pdfBytes).toBeGreaterThan(1000)

    const cur = await stats(leader, donghu, '2026-10-01', '2026-11-01')
    const prev = await stats(leader, donghu, '2026-09-01', '2026-10-01')
    const ly = await stats(leader, donghu, '2025-10-01', '2025-11-01')
    expect(cur.totals.total).toBeGreaterThan(5)

    const pages = await pdfPages(p, leader, r.body.id)
    const all = pages.join('')
    expect(all).toContain('东湖街道2026年10月接诉即办月度报告')
    expect(all).toContain('统计区间：2026-10-01至2026-10-31')
    expect(all).not.toContain('临时报告')
    // Every row of the key figures, cell by cell in order: this month, previous, change, last year, change.
    for (const row of figureRows) {
      const [c, q, y] = [cur.totals[row.key], prev.totals[row.key], ly.totals[row.key]]
      const expected = `${row.zh}${formatFigure(c, row.kind)}${formatFigure(q, row.kind)}${formatChange(c, q, row.kind, 'zh-CN')}${formatFigure(y, row.kind)}${formatChange(c, y, row.kind, 'zh-CN')}`
      expect(all, row.key).toContain(expected.replace(/\s+/g, ''))
    }
    // The top category and grid, and the department ranking's leader, as the statistics rank them.
    const byCategory = await stats(leader, donghu, '2026-10-01', '2026-11-01', '&groupBy=category')
    const top = [...byCategory.groups].sort((a, b) => b.total - a.total || a.code.localeCompare(b.code))[0]
    expect(all).toContain(`${top.nameZh}${top.total}`)
    const evaluation = (
      await call(
        p.app,
        'GET',
        `/api/v1/stats/evaluation?areaId=${donghu}&from=2026-10-01&to=2026-11-01&groupBy=department`,
        {
          token: leader,
        },
      )
    ).body
    const first = evaluation.groups[0]
    expect(all).toContain(`1${first.nameZh}${first.dueCases}${formatFigure(first.closureRate, 'rate')}`)

    const wb = await workbook(p, leader, r.body.id)
    const sheet = wb.getWorksheet('主要指标')!
    expect(String(sheet.getCell('A1').value)).toBe('东湖街道 · 2026年10月 · 主要指标')
    figureRows.forEach((row, i) => {
      const cells = sheet.getRow(TABLE_ROW + 1 + i)
      expect(cells.getCell(1).value).toBe(row.zh)
      expect(cells.getCell(2).value ?? null, row.key).toBe(cur.totals[row.key])
      expect(cells.getCell(3).value ?? null, row.key).toBe(prev.totals[row.key])
      expect(cells.getCell(4).value ?? null, row.key).toBe(ly.totals[row.key])
    })
    const daily = wb.getWorksheet('每日受理')!
    let sum = 0
    for (let i = 0; i < 31; i++) sum += Number(daily.getRow(TABLE_ROW + 1 + i).getCell(2).value)
    expect(daily.getRow(TABLE_ROW + 1).getCell(1).value).toBe('2026-10-01')
    expect(sum).toBe(cur.totals.total)
    const deps = wb.getWorksheet('部门排名')!
    expect(deps.getRow(TABLE_ROW + 1).getCell(2).value).toBe(first.nameZh)
    expect(deps.getRow(TABLE_ROW + 1).getCell(8).value).toBe(first.score)
  })

  it('marks a month not yet ended as provisional on every page and sheet; English too', async () => {
    const r = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: leader,
      body: { areaId: donghu, month: '2026-11', locale: 'en' },
    })
    expect(r.status).toBe(201)
    expect(r.body.provisional).toBe(true)
    const { job } = await until(p, leader, r.body.id)
    expect(job.state).toBe('done')
    const pages = await pdfPages(p, leader, r.body.id)
    expect(pages.length).toBeGreaterThan(2)
    for (const page of pages) expect(page).toContain('PROVISIONAL:themonthhasnotended;figuresasof2026-11-2010:00')
    expect(pages[0]).toContain('DonghuSubdistrict:monthlyreport,November2026')
    const cur = await stats(leader, donghu, '2026-11-01', '2026-12-01')
    expect(pages.join('')).toContain(`Casesreceived${cur.totals.total}`)
    const wb = await workbook(p, leader, r.body.id)
    expect(wb.worksheets.length).toBeGreaterThan(5)
    for (const ws of wb.worksheets) expect(String(ws.getCell('A2').value)).toContain('PROVISIONAL')

    const zh = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: leader,
      body: { areaId: donghu, month: '2026-11' },
    })
    await until(p, leader, zh.body.id)
    for (const page of await pdfPages(p, leader, zh.body.id)) expect(page).toContain('临时报告：本月尚未结束')
  })

  it('is idempotent per area, month, locale and data version; refuses months not begun', async () => {
    const body = { areaId: donghu, month: '2026-09' }
    const a = await call(p.app, 'POST', '/api/v1/reports/monthly', { token: leader, body })
    const b = await call(p.app, 'POST', '/api/v1/reports/monthly', { token: leader, body })
    expect(b.body.id).toBe(a.body.id)
    const staff = await tokenFor(p.app, 'donghu.staff')
    const c = await call(p.app, 'POST', '/api/v1/reports/monthly', { token: staff, body })
    expect(c.body.id).toBe(a.body.id)
    const keyed = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: leader,
      body: { ...body, locale: 'en' },
      headers: { 'idempotency-key': 'report-sep-en' },
    })
    const replay = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: leader,
      body: { ...body, locale: 'en' },
      headers: { 'idempotency-key': 'report-sep-en' },
    })
    expect(replay.body).toEqual(keyed.body)
    expect(keyed.body.id).not.toBe(a.body.id)
    // The figures of September move (a case moved into it): a new version, a new job.
    await sql`update cases set submitted_at = '2026-09-15T02:00:00Z'
              where id = (select c.id from cases c join area g on g.id = c.area_id
                          where g.path like (select path from area where id = ${donghu}) || '%'
                            and c.submitted_at >= '2026-08-01T00:00:00Z' and c.submitted_at < '2026-08-20T00:00:00Z'
                            and c.state <> 'merged' order by c.id limit 1)`.execute(p.database.db)
    const d = await call(p.app, 'POST', '/api/v1/reports/monthly', { token: leader, body })
    expect(d.status).toBe(201)
    expect(d.body.id).not.toBe(a.body.id)
    expect(d.body.dataVersion).not.toBe(a.body.dataVersion)

    const future = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: leader,
      body: { areaId: donghu, month: '2026-12' },
    })
    expect(future.status).toBe(422)
    expect(future.body.error).toMatchObject({ code: 'REPORT_MONTH_NOT_BEGUN', field: 'month' })
    const bad = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: leader,
      body: { areaId: donghu, month: '2026-13' },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toContain('month')
    for (const job of [a, d, keyed])
      expect((await until(p, leader, job.body.id)).job).toMatchObject({ state: 'done', error: null })
  })

  it('keeps reports to the areas of their readers; a file is 409 until it is done', async () => {
    const guihuaLeader = await tokenFor(p.app, 'guihua.leader')
    const cuizhuStaff = await tokenFor(p.app, 'cuizhu.staff')
    const refused = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: guihuaLeader,
      body: { areaId: donghu, month: '2026-10' },
    })
    expect(refused.status).toBe(403)
    expect(refused.body.error.field).toBe('areaId')
    const grid = await tokenFor(p.app, 'guihua.grid')
    expect((await call(p.app, 'GET', '/api/v1/reports', { token: grid })).status).toBe(403)

    const list = await call(p.app, 'GET', `/api/v1/reports?areaId=${donghu}`, { token: leader })
    expect(list.body.total).toBeGreaterThan(0)
    const someId = list.body.items[0].id
    expect((await call(p.app, 'GET', `/api/v1/reports/${someId}`, { token: cuizhuStaff })).status).toBe(404)
    expect((await call(p.app, 'GET', `/api/v1/reports/${someId}/pdf`, { token: cuizhuStaff })).status).toBe(404)
    expect((await call(p.app, 'GET', '/api/v1/reports', { token: cuizhuStaff })).body.total).toBe(0)
    // A guihua leader sees neither the street's reports nor may request them, but the community's.
    expect((await call(p.app, 'GET', '/api/v1/reports', { token: guihuaLeader })).body.total).toBe(0)
    const guihua = await areaId(p, 'JZ-QH-01-01')
    const own = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: guihuaLeader,
      body: { areaId: guihua, month: '2026-10' },
    })
    expect(own.status).toBe(201)

    const queued = await sql<{
      id: number
    }>`insert into monthly_report (area_id, month, locale, data_version, provisional, as_of, created_at)
      values (${donghu}, '2020-01', 'zh-CN', 'x', false, now(), now()) returning id`.execute(p.database.db)
    const early = await call(p.app, 'GET', `/api/v1/reports/${queued.rows[0]!.id}/xlsx`, { token: leader })
    expect(early.status).toBe(409)
    expect(early.body.error.code).toBe('REPORT_NOT_READY')
    await until(p, guihuaLeader, own.body.id)
    await renderQueuedReports(
      p.database.db,
      () => p.clock.now(),
      () => {},
    )
  })

  it('carries the month’s early warnings and KPI rankings, read through their own use cases', async () => {
    const db = p.database.db
    const district = await areaId(p, 'JZ-QH')
    const grid = await areaId(p, 'JZ-QH-01-01-G01')
    const gridName = (await db.selectFrom('area').select('name_zh').where('id', '=', grid).executeTakeFirstOrThrow())
      .name_zh
    const category = await db
      .selectFrom('case_category')
      .select(['id', 'name_zh'])
      .where('code', '=', 'DL-03')
      .executeTakeFirstOrThrow()
    for (const [key, severity, at] of [
      ['report-test-1', 'high', '2026-10-12T03:00:00Z'],
      ['report-test-2', 'low', '2026-10-20T03:00:00Z'],
      ['report-test-3', 'critical', '2026-09-20T03:00:00Z'],
    ] as const)
      await sql`insert into warning (kind, area_id, category_id, severity, time_window, period, observed, expected,
          dedupe_key, subject_key, raised_at, updated_at)
        values ('spike', ${grid}, ${category.id}, ${severity}, 'week', ${at.slice(0, 10)}::date, 9, 2.5,
          ${key}, ${key}, ${new Date(at)}, ${new Date(at)})`.execute(db)
    const schemes = await call(p.app, 'GET', `/api/v1/assessments/schemes?areaId=${district}`, { token: leader })
    const scheme = schemes.body.items.find((x: { unitType: string }) => x.unitType === 'community')
    const run = await call(p.app, 'POST', '/api/v1/assessments/runs', {
      token: leader,
      body: { schemeId: scheme.id, period: '2026-10' },
    })
    expect(run.status).toBe(201)
    const scores = await call(p.app, 'GET', `/api/v1/assessments/runs/${run.body.id}/scores?pageSize=500`, {
      token: leader,
    })
    const best = scores.body.items.find((x: { currentRank: number | null }) => x.currentRank === 1)

    const r = await call(p.app, 'POST', '/api/v1/reports/monthly', {
      token: leader,
      body: { areaId: district, month: '2026-10' },
    })
    const { job } = await until(p, leader, r.body.id)
    expect(job.state).toBe('done')
    const all = (await pdfPages(p, leader, r.body.id)).join('')
    // Two warnings raised in October (the September one is not this month's), the high one first.
    expect(all).toContain('五、预警（本月2条）')
    expect(all).toContain(`${gridName}异常激增高${category.name_zh}92.5待处理`.replace(/\s+/g, ''))
    expect(all).toContain('按类型：异常激增2。')
    // The topic of the month of each street, as GET /topics/of-the-month suggests it.
    const topics = (
      await call(p.app, 'GET', `/api/v1/topics/of-the-month?areaId=${district}&month=2026-10`, { token: leader })
    ).body
    expect(topics.streets.length).toBe(3)
    expect(all).toContain('六、每月一题')
    for (const st of topics.streets)
      expect(all).toContain(
        st.suggestion
          ? `${st.area.nameZh}${st.suggestion.topic.nameZh}${st.suggestion.volume}`
          : `${st.area.nameZh}（无达到门槛的主题）`,
      )
    expect(all).toContain('七、绩效考核排名')
    expect(all).toContain(`${scheme.nameZh}（未发布）1${best.nameZh}${best.currentScore}`)
    const wb = await workbook(p, leader, r.body.id)
    const sheet = wb.getWorksheet('预警（本月 2 条）')!
    expect(sheet.getRow(TABLE_ROW + 1).getCell(3).value).toBe('高')
    expect(sheet.getRow(TABLE_ROW + 2).getCell(3).value).toBe('低')
  })

  it('the schedule renders last month for every street and district once, into the leaders’ inboxes', async () => {
    const db = p.database.db
    // 1 December 00:30 in Shanghai.
    p.clock.set(new Date('2026-11-30T16:30:00Z'))
    const [x, y] = await Promise.all([
      scheduleMonthlyReports(db, p.clock.now()),
      scheduleMonthlyReports(db, p.clock.now()),
    ])
    expect(x + y).toBe(4)
    expect(await scheduleMonthlyReports(db, p.clock.now())).toBe(0)
    // Two renderers at once (a renderer the routes started may still be looking, too): each job once.
    const errors: unknown[] = []
    const rendered = await Promise.all([
      renderQueuedReports(
        db,
        () => p.clock.now(),
        (e) => errors.push(e),
      ),
      renderQueuedReports(
        db,
        () => p.clock.now(),
        (e) => errors.push(e),
      ),
    ])
    expect(errors).toEqual([])
    expect(rendered[0] + rendered[1]).toBeLessThanOrEqual(4)
    const { rows } = await sql<{ month: string; state: string; level: string; provisional: boolean }>`
      select r.month, r.state, a.level, r.provisional from monthly_report r join area a on a.id = r.area_id
      where r.scheduled order by a.path`.execute(db)
    expect(rows).toEqual([
      { month: '2026-11', state: 'done', level: 'district', provisional: false },
      ...[1, 2, 3].map(() => ({ month: '2026-11', state: 'done', level: 'street', provisional: false })),
    ])
    const notices = await sql<{ username: string; n: number }>`
      select u.username, count(*)::int as n from notification n join app_user u on u.id = n.user_id
      where n.kind = 'monthly_report' group by u.username order by u.username`.execute(db)
    // The district leader leads every street too; nobody else holds the leader role above a street.
    expect(notices.rows).toEqual([{ username: 'leader', n: 4 }])
    expect(
      await renderQueuedReports(
        db,
        () => p.clock.now(),
        () => {},
      ),
    ).toBe(0)
    const inbox = await call(p.app, 'GET', '/api/v1/notifications?pageSize=10', { token: leader })
    const notice = inbox.body.items.find((n: { kind: string }) => n.kind === 'monthly_report')
    expect(notice.params).toMatchObject({ month: '2026-11' })
    const job = await call(p.app, 'GET', `/api/v1/reports/${notice.params.reportId}`, { token: leader })
    expect(job.body).toMatchObject({ state: 'done', scheduled: true, month: '2026-11' })

    // The worker a server process runs: a month later it makes December's four on its own.
    p.clock.set(new Date('2026-12-31T16:10:00Z'))
    const worker = startReportWorker(
      db,
      () => p.clock.now(),
      200,
      (err) => errors.push(err),
    )
    try {
      for (let i = 0; i < 600; i++) {
        const { rows: dec } = await sql<{ n: number }>`select count(*)::int as n from monthly_report
          where scheduled and month = '2026-12' and state = 'done'`.execute(db)
        if (dec[0]!.n === 4) break
        await new Promise((res) => setTimeout(res, 100))
      }
    } finally {
      await worker.stop()
    }
    const { rows: dec } = await sql<{ n: number }>`select count(*)::int as n from monthly_report
      where scheduled and month = '2026-12' and state = 'done'`.execute(db)
    expect(dec[0]!.n).toBe(4)
    expect(errors).toEqual([])
  })
})
