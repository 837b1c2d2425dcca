// Assessment in a real browser, on a year of generated history: the district leader writes a KPI
// scheme and sees the editor refuse an unknown figure and weights short of 100% as they type,
// scores last month with the demo's community scheme, publishes it and opens a unit's breakdown;
// 桂花's staff appeal their score from the ranking; the leader corrects it (the ranking shows the
// original and the correction); the city admin proposes a commendation from the ranking and the
// leader approves it in the register. Screenshots (desktop and phone); axe on every screen.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from '../src/operations/generate.js'
import { browserSession, byTestId, PHONE } from './browser-support.js'
import { call, tokenFor } from './support.js'

const session = browserSession({ what: 'the assessment browser test' })

/** YYYY-MM of last month in Shanghai. */
function lastMonth(): string {
  const local = new Date(Date.now() + 8 * 3600_000)
  const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - 1, 1))
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

describe.skipIf(session.skip)('assessment in a browser (pglite)', () => {
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let leader: Page
  let runId: number
  beforeAll(async () => {
    await session.open(async (p) => {
      await generate(p.database, { counts: { cases: 400 }, seed: 11, until: p.clock.now(), years: 1, log: () => {} })
    })
  }, 240_000)
  afterAll(() => session.close())

  it('checks a KPI scheme as it is typed and saves it', async () => {
    leader = await signIn('leader')
    await goto(leader, '#/assessment/schemes')
    await leader.waitForSelector(byTestId('schemes-table'))
    expect(await leader.locator(`${byTestId('schemes-table')} tbody tr`).count()).toBe(4)
    await leader.click(byTestId('scheme-new'))
    await leader.waitForSelector(`${byTestId('scheme-area')} option[data-code="JZ-QH-01"]`, { state: 'attached' })
    const donghu = await leader.getAttribute(`${byTestId('scheme-area')} option[data-code="JZ-QH-01"]`, 'value')
    await leader.selectOption(byTestId('scheme-area'), donghu!)
    await leader.fill('#scheme-name-zh', '东湖社区满意度考核')
    await leader.fill('#scheme-name-en', 'Donghu communities: satisfaction')
    const row = byTestId('kpi-row-0')
    await leader.fill(`${row} input >> nth=0`, 'sat')
    await leader.fill(`${row} input >> nth=1`, '满意率')
    await leader.fill(`${row} input >> nth=2`, 'Satisfaction')
    await leader.fill(byTestId('kpi-formula-0'), 'satisfactionRate * happiness')
    await leader.fill(byTestId('kpi-weight-0'), '90')
    // The server's check names the unknown figure under the formula, and the weights are short.
    await leader.waitForSelector(byTestId('kpi-formula-error-0'))
    expect(await leader.textContent(byTestId('kpi-formula-error-0'))).toContain('happiness')
    expect(await leader.textContent(byTestId('kpi-weight-sum'))).toContain('90')
    await shoot(leader, 'assessment-editor-invalid.png')
    await axe(leader, 'assessment, the KPI editor with problems')
    await leader.fill(byTestId('kpi-formula-0'), 'satisfactionRate')
    await leader.fill(byTestId('kpi-weight-0'), '100')
    await leader.waitForSelector(byTestId('kpi-valid'))
    await leader.click(byTestId('scheme-save'))
    await leader.waitForSelector(byTestId('scheme-new'))
    await leader.waitForFunction(
      (sel) => document.querySelectorAll(`${sel} tbody tr`).length === 5,
      byTestId('schemes-table'),
    )
  })

  it('scores last month with the community scheme, publishes it and shows a unit’s breakdown', async () => {
    await goto(leader, '#/assessment/runs')
    await leader.waitForSelector(`${byTestId('run-scheme')} option >> text=社区月度考核`, { state: 'attached' })
    const value = await leader.getAttribute(`${byTestId('run-scheme')} option >> text=社区月度考核`, 'value')
    await leader.selectOption(byTestId('run-scheme'), value!)
    expect(await leader.inputValue(byTestId('run-period'))).toBe(lastMonth())
    await leader.click(byTestId('run-submit'))
    const token = await tokenFor(session.p.app, 'leader')
    let runs: { id: number; schemeId: number }[] = []
    await expect
      .poll(async () => {
        runs = (await call(session.p.app, 'GET', '/api/v1/assessments/runs', { token })).body.items
        return runs.length
      })
      .toBe(1)
    runId = runs[0]!.id
    await leader.click(byTestId(`run-link-${runId}`))
    await leader.waitForSelector(byTestId('scores-table'))
    await leader.click(byTestId('run-publish'))
    await leader.waitForSelector(`${byTestId('run-head')} >> text=申诉截止`)
    await leader.click(byTestId('score-open-JZ-QH-01-01'))
    await leader.waitForSelector(byTestId('score-breakdown'))
    // The breakdown shows the same points the API stored.
    const scores = (await call(session.p.app, 'GET', `/api/v1/assessments/runs/${runId}/scores`, { token })).body
    const guihua = scores.items.find((s: { code: string }) => s.code === 'JZ-QH-01-01')
    expect(await leader.textContent(byTestId(`score-row-JZ-QH-01-01`))).toContain(
      guihua.score === null ? '—' : String(guihua.score),
    )
    await shoot(leader, 'assessment-ranking.png')
    await axe(leader, 'assessment, a ranking with a breakdown')
  })

  it('lets 桂花’s staff appeal and the leader correct the score beside the original', async () => {
    const staff = await signIn('guihua.staff')
    await goto(staff, `#/assessment/runs/${runId}`)
    await staff.click(byTestId('score-open-JZ-QH-01-01'))
    await staff.fill(`${byTestId('scores-table')} textarea`, '本月返工系施工单位延误所致。')
    await staff.click(byTestId('appeal-submit'))
    await staff.waitForSelector(byTestId('appeal-filed'))
    await axe(staff, 'assessment, an appeal filed')

    await goto(leader, '#/assessment/appeals')
    await leader.waitForSelector(byTestId('appeals-table'))
    const row = leader.locator('[data-testid^="appeal-row-"]', { hasText: '施工单位' })
    await row.locator('select').selectOption('correct')
    await row.locator('input[type="number"]').fill('88')
    await row.locator('input').last().fill('返工不计入社区')
    await shoot(leader, 'assessment-appeal-deciding.png')
    await axe(leader, 'assessment, an open appeal')
    await row.locator('button').click()
    await leader.waitForSelector('[data-testid^="appeal-row-"] >> text=已更正')
    await goto(leader, `#/assessment/runs/${runId}`)
    await leader.waitForSelector(`${byTestId('score-row-JZ-QH-01-01')} >> text=更正为 88`)
    await shoot(leader, 'assessment-corrected.png')
  })

  it('records a commendation proposed from the ranking and approved in the register', async () => {
    const admin = await signIn('admin')
    await goto(admin, `#/assessment/runs/${runId}`)
    await admin.click(byTestId('score-open-JZ-QH-01-01'))
    await admin.selectOption(`${byTestId('scores-table')} select`, 'commendation')
    await admin.fill(`${byTestId('scores-table')} input[id^="sreason-"]`, '申诉核实后表扬')
    await admin.click(byTestId('sanction-propose'))
    await admin.waitForSelector(`${byTestId('scores-table')} >> text=已提交审批`)

    await goto(leader, '#/assessment/sanctions')
    await leader.waitForSelector(byTestId('sanctions-table'))
    const row = leader.locator('[data-testid^="sanction-row-"]', { hasText: '申诉核实后表扬' })
    await row.locator('[data-testid^="sanction-approve-"]').click()
    await leader.waitForSelector('[data-testid^="sanction-row-"] >> text=已批准')
    await shoot(leader, 'assessment-sanctions.png')
    await axe(leader, 'assessment, the register of rewards and penalties')
  })

  it('fits a phone and has no page errors or serious accessibility problems', async () => {
    const phone = await signIn('guihua.grid', PHONE)
    await goto(phone, `#/assessment/runs/${runId}`)
    await phone.waitForSelector(byTestId('scores-table'))
    await shoot(phone, 'assessment-phone.png')
    await axe(phone, 'assessment on a phone')
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
