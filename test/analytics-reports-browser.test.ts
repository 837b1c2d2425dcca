// Monthly reports in a real browser: the district leader asks for last month's report of 东湖街道
// on a year of generated history, watches the progress bar reach 100%, downloads the PDF (its text
// extracted and compared with GET /api/v1/stats/cases for the same area and month) and the XLSX
// (its key figures compared cell by cell), then asks for the month in progress and sees it marked
// provisional. Screenshots (desktop and phone); axe on the page. Needs `npm run build:web` and Chromium.
import { readFile } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import type { Page } from 'playwright-core'
import { extractText } from 'unpdf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { figureRows, formatFigure } from '../src/analytics/report-labels.js'
import { TABLE_ROW } from '../src/analytics/report-xlsx.js'
import { generate } from '../src/operations/generate.js'
import { browserSession, byTestId, PHONE } from './browser-support.js'
import { call, tokenFor } from './support.js'

const session = browserSession({ what: 'the monthly reports browser test' })

/** YYYY-MM of the month `back` months before the browser's (and the platform's) now, in Shanghai. */
function monthBack(back: number): string {
  const local = new Date(Date.now() + 8 * 3600_000)
  const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - back, 1))
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}
const nextMonth = (m: string) => {
  const [y, mo] = m.split('-').map(Number) as [number, number]
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`
}

describe.skipIf(session.skip)('monthly reports in a browser (pglite)', () => {
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let leader: Page
  const month = monthBack(1)
  beforeAll(async () => {
    await session.open(async (p) => {
      await generate(p.database, {
        counts: { cases: 400 },
        seed: 7,
        until: p.clock.now(),
        years: 1,
        log: () => {},
      })
    })
  }, 240_000)
  afterAll(() => session.close())

  it('requests last month’s report of a street, follows its progress and downloads both files', async () => {
    const p = session.p
    leader = await signIn('leader')
    await goto(leader, '#/monthly-reports')
    await leader.waitForSelector(byTestId('page-monthly-reports'))
    await leader.waitForSelector(`${byTestId('report-area')} option[data-code="JZ-QH-01"]`, { state: 'attached' })
    const donghu = await leader.getAttribute(`${byTestId('report-area')} option[data-code="JZ-QH-01"]`, 'value')
    await leader.selectOption(byTestId('report-area'), donghu!)
    expect(await leader.inputValue(byTestId('report-month'))).toBe(month)
    await axe(leader, 'monthly reports, the form')
    await leader.click(byTestId('report-request'))
    await leader.waitForSelector(`${byTestId('report-job')}[data-state="done"]`, { timeout: 120_000 })
    expect(await leader.getAttribute(byTestId('report-progress'), 'aria-valuenow')).toBe('100')
    expect(await leader.textContent(byTestId('report-job-state'))).toContain('已完成')
    await leader.waitForSelector(`${byTestId('report-row')}[data-state="done"]`)
    await shoot(leader, 'monthly-reports-done.png')
    await axe(leader, 'monthly reports, a job done')

    const token = await tokenFor(p.app, 'leader')
    const stats = (
      await call(p.app, 'GET', `/api/v1/stats/cases?areaId=${donghu}&from=${month}-01&to=${nextMonth(month)}-01`, {
        token,
      })
    ).body
    expect(stats.totals.total).toBeGreaterThan(0)

    const [pdf] = await Promise.all([
      leader.waitForEvent('download'),
      leader.click(`${byTestId('report-job')} ${byTestId('report-pdf')}`),
    ])
    expect(pdf.suggestedFilename()).toBe(`report-JZ-QH-01-${month}-zh-CN.pdf`)
    const { text } = await extractText(new Uint8Array(await readFile((await pdf.path())!)), { mergePages: true })
    const plain = (text as string).replace(/\s+/g, '')
    const [y, m] = month.split('-').map(Number)
    expect(plain).toContain(`东湖街道${y}年${m}月接诉即办月度报告`)
    expect(plain).not.toContain('临时报告')
    for (const row of figureRows.slice(0, 4))
      expect(plain, row.key).toContain(`${row.zh}${formatFigure(stats.totals[row.key], row.kind)}`)

    const [xlsx] = await Promise.all([
      leader.waitForEvent('download'),
      leader.click(`${byTestId('report-job')} ${byTestId('report-xlsx')}`),
    ])
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile((await xlsx.path())!)
    const sheet = wb.getWorksheet('主要指标')!
    for (const [i, row] of figureRows.entries())
      expect(sheet.getRow(TABLE_ROW + 1 + i).getCell(2).value ?? null, row.key).toBe(stats.totals[row.key])
  })

  it('marks the month in progress as provisional', async () => {
    await leader.fill(byTestId('report-month'), monthBack(0))
    await leader.click(byTestId('report-request'))
    await leader.waitForSelector(byTestId('report-job-provisional'))
    await leader.waitForSelector(`${byTestId('report-job')}[data-state="done"]`, { timeout: 120_000 })
    await leader.waitForSelector(byTestId('report-provisional'))
    const [pdf] = await Promise.all([
      leader.waitForEvent('download'),
      leader.click(`${byTestId('report-job')} ${byTestId('report-pdf')}`),
    ])
    const { text } = await extractText(new Uint8Array(await readFile((await pdf.path())!)), { mergePages: false })
    for (const page of text as string[]) expect(page.replace(/\s+/g, '')).toContain('临时报告：本月尚未结束')
    await shoot(leader, 'monthly-reports-provisional.png')
  })

  it('fits a phone and has no page errors or serious accessibility problems', async () => {
    const phone = await signIn('donghu.staff', PHONE)
    await goto(phone, '#/monthly-reports')
    await phone.waitForSelector(`${byTestId('report-row')}[data-state="done"]`, { timeout: 90_000 })
    await shoot(phone, 'monthly-reports-phone.png')
    await axe(phone, 'monthly reports on a phone')
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
