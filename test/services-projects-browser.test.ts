// Purchase of services in a real browser: guihua.staff drafts a project in the editor (an indicator
// row, a milestone row) for one of the demo's social organisations, activates it, reports the
// milestone with a photo attached (on the organisation's behalf), evaluates it per indicator with
// a reason, and is refused a report that would pass the budget. The organisations list and a
// profile, the project list, the editor and the project page are checked by axe for serious or
// critical violations. Needs the built web app (`npm run build:web`) and a system Chromium.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { areaId, type TestPlatform } from './support.js'

const TITLE = '桂花社区旧物回收日（浏览器测试）'
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)
const day = (days: number) => new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10)

const session = browserSession({ what: 'the projects browser test' })

describe.skipIf(session.skip)('purchase-of-service project screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let guihua = 0
  let department = 0
  let organisation = 0
  let projectId = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
      guihua = await areaId(p, 'JZ-QH-01-01')
      department = (
        await p.database.db
          .selectFrom('department')
          .select('id')
          .where('code', '=', 'QH-01-ZF')
          .executeTakeFirstOrThrow()
      ).id
      const org = await p.database.db
        .selectFrom('social_organisation as s')
        .innerJoin('organisation as o', 'o.id', 's.organisation_id')
        .select('s.organisation_id')
        .where('o.name', 'like', '%绿色家园%')
        .executeTakeFirst()
      if (!org) throw new Error('the demo city has no 绿色家园 organisation (src/services/projects-demo.ts)')
      organisation = org.organisation_id
    })
  })

  afterAll(() => session.close())

  it('staff browse the organisations and a profile', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/services/projects/organisations')
    await staff.waitForSelector(byTestId('organisation-card'))
    expect(await staff.$$eval(byTestId('organisation-card'), (els) => els.length)).toBe(3)
    await axe(staff, 'organisation list')
    await staff.click(`${byTestId('organisation-card')}[data-id="${organisation}"] a`)
    await staff.waitForSelector(byTestId('organisation-page'))
    expect(await staff.textContent(byTestId('organisation-contact'))).toContain('13905710002')
    await axe(staff, 'organisation profile')
    await shoot(staff, 'projects-organisation.png')
  }, 60_000)

  it('staff draft a project with an indicator and a milestone, and activate it', async () => {
    await goto(staff, '#/services/projects')
    await staff.waitForSelector(byTestId('project-card'))
    await axe(staff, 'project list')
    await shoot(staff, 'projects-list.png')
    await staff.click(byTestId('project-new'))
    await staff.waitForSelector(byTestId('project-editor'))
    await staff.waitForSelector(`${byTestId('project-organisation')} option[value="${organisation}"]`, {
      state: 'attached',
    })
    await staff.waitForSelector(`${byTestId('project-area')} option[value="${guihua}"]`, { state: 'attached' })
    await staff.selectOption(byTestId('project-area'), String(guihua))
    await staff.selectOption(byTestId('project-department'), String(department))
    await staff.selectOption(byTestId('project-organisation'), String(organisation))
    await staff.fill(byTestId('project-title'), TITLE)
    await staff.fill(byTestId('project-scope'), '每月第一个周六在社区广场组织旧物回收和交换。')
    await staff.fill(byTestId('project-budget-input'), '20000')
    await staff.fill(byTestId('project-starts'), day(0))
    await staff.fill(byTestId('project-ends'), day(180))
    const indicator = staff.locator(byTestId('indicator-row')).first().locator('input')
    await indicator.nth(0).fill('回收量')
    await indicator.nth(1).fill('每次 ≥ 200 公斤')
    await indicator.nth(2).fill('100')
    const milestone = staff.locator(byTestId('milestone-row')).first().locator('input')
    await milestone.nth(0).fill('首次回收日')
    await milestone.nth(1).fill('活动照片、回收台账')
    await milestone.nth(2).fill(day(10))
    await milestone.nth(3).fill('5000')
    await axe(staff, 'project editor')
    await shoot(staff, 'projects-editor.png')
    await staff.click(byTestId('project-save'))
    await staff.waitForSelector(`${byTestId('project-page')}[data-status="draft"]`)
    projectId = Number(await staff.getAttribute(byTestId('project-page'), 'data-id'))
    expect(projectId).toBeGreaterThan(0)
    await staff.click(byTestId('project-action-activate'))
    await staff.waitForSelector(`${byTestId('project-page')}[data-status="active"]`)
    await staff.waitForSelector(`${byTestId('milestone-column-pending')} ${byTestId('milestone-card')}`)
    await axe(staff, 'project page (active)')
  }, 90_000)

  it('staff report the milestone with a photo, then evaluate it per indicator', async () => {
    const milestoneId = await staff.getAttribute(
      `${byTestId('milestone-column-pending')} ${byTestId('milestone-card')}`,
      'data-id',
    )
    await staff.selectOption(byTestId('report-milestone'), String(milestoneId))
    await staff.fill(byTestId('report-summary'), '首次回收日完成，回收旧衣物 236 公斤。')
    await staff.fill(byTestId('report-spent'), '4200')
    await staff.setInputFiles(byTestId('report-file'), { name: '回收现场.png', mimeType: 'image/png', buffer: PNG })
    await staff.click(byTestId('report-submit'))
    await staff.waitForSelector(byTestId('report-attachment'))
    expect(await staff.textContent(byTestId('report-attachment'))).toBe('回收现场.png')
    await staff.waitForSelector(`${byTestId('milestone-column-reported')} ${byTestId('milestone-card')}`)
    expect(await staff.textContent(byTestId('project-budget'))).toContain('4,200')
    await axe(staff, 'project page (reported)')
    await staff.click(byTestId('milestone-evaluate'))
    await staff.waitForSelector(byTestId('evaluation-form'))
    await staff.fill(byTestId('evaluation-score'), '88')
    await staff.fill(byTestId('evaluation-reason'), '回收量超过目标，台账完整')
    await staff.fill(byTestId('evaluation-conclusion'), '首期完成良好，同意拨付。')
    await axe(staff, 'evaluation form')
    await staff.click(byTestId('evaluation-submit'))
    await staff.waitForSelector(`${byTestId('milestone-column-evaluated')} ${byTestId('milestone-score')}`)
    expect(await staff.textContent(byTestId('milestone-score'))).toContain('88')
    await shoot(staff, 'projects-board.png')
  }, 90_000)

  it('refuses a report that would pass the budget', async () => {
    await staff.fill(byTestId('report-summary'), '采购设备')
    await staff.fill(byTestId('report-spent'), '16000')
    await staff.click(byTestId('report-submit'))
    await staff.waitForSelector(byTestId('report-error'))
    expect(await staff.textContent(byTestId('report-error'))).toMatch(/预算|PROJECT_BUDGET_EXCEEDED/)
    expect(await staff.$$eval(byTestId('report-item'), (els) => els.length)).toBe(1)
    await axe(staff, 'project page (overrun refused)')
    const row = await p.database.db
      .selectFrom('service_project')
      .select('spent')
      .where('id', '=', projectId)
      .executeTakeFirstOrThrow()
    expect(Number(row.spent)).toBe(4200)
  }, 60_000)

  it('the department handler sees the project on a phone', async () => {
    const handler = await signIn('guihua.handler', PHONE)
    await goto(handler, `#/services/projects/${projectId}`)
    await handler.waitForSelector(`${byTestId('project-page')}[data-status="active"]`)
    expect(await handler.$(byTestId('project-actions'))).toBeNull()
    await axe(handler, 'project page (handler, phone)')
    await shoot(handler, 'projects-page-phone.png')
  }, 60_000)

  it('found no serious or critical accessibility violations on the new pages', () => {
    expect(a11yProblems).toEqual([])
  })

  it('raised no uncaught errors in the pages', () => {
    expect(pageProblems).toEqual([])
  })
})
