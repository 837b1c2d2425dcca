// Co-building and the statistics in a real browser: guihua.staff finds the demo board, adds a
// need, matches it with an open resource into a project, marks the project done with its
// outcome (the need is done with it) and sees the statistics count one more project done; the
// agreement page shows the project; the grid worker reads the board on a phone in English without
// the keepers' buttons. axe on every page. Needs the built web app (`npm run build:web`) and a
// system Chromium.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const session = browserSession({ what: 'the party co-building browser test' })
const NEED = `楼顶防水补漏${Date.now().toString(36).slice(-4)}`

describe.skipIf(session.skip)('party co-building screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let doneBefore = 0
  let projectId = 0

  const db = () => p.database.db
  const projectsDone = async (page: Page) => {
    await page.waitForSelector(byTestId('stats-total-projectsDone'))
    return Number((await page.textContent(byTestId('stats-total-projectsDone')))?.trim())
  }

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
    })
  })

  afterAll(() => session.close())

  it('shows the statistics of the community', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/party/stats')
    await staff.waitForSelector(byTestId('party-stats'))
    doneBefore = await projectsDone(staff)
    expect(await staff.textContent(byTestId('stats-period'))).toContain('桂花')
    await staff.waitForSelector(`${byTestId('stats-chart')} svg`, { state: 'attached' })
    await axe(staff, 'party statistics')
    await shoot(staff, 'party-stats.png')
  })

  it('shows the board and adds a need', async () => {
    await goto(staff, '#/party/cobuild')
    await staff.waitForSelector(`${byTestId('cobuild-needs')} [data-testid^="cobuild-item-"]`)
    await staff.waitForSelector(`${byTestId('cobuild-projects')} [data-testid^="cobuild-item-"]`)
    await axe(staff, 'co-building board')
    await shoot(staff, 'party-cobuild-board.png')
    await staff.click(byTestId('cobuild-new-need'))
    await staff.waitForSelector(byTestId('cobuild-need-form'))
    await staff.fill(byTestId('cobuild-form-title'), NEED)
    await staff.fill(byTestId('cobuild-form-description'), '7 号楼顶层三户漏雨，需要专业队伍补漏。')
    await axe(staff, 'new need form')
    await staff.click(byTestId('cobuild-form-save'))
    await staff.waitForSelector(`${byTestId('cobuild-needs')} h3:text("${NEED}")`)
    const need = await db()
      .selectFrom('cobuild_item')
      .select(['id', 'status', 'list'])
      .where('title', '=', NEED)
      .executeTakeFirstOrThrow()
    expect(need).toMatchObject({ status: 'open', list: 'need' })
  })

  it('matches the need with a resource into a project and marks it done', async () => {
    const need = await db().selectFrom('cobuild_item').select('id').where('title', '=', NEED).executeTakeFirstOrThrow()
    const guihua = await db()
      .selectFrom('area')
      .select('id')
      .where('code', '=', 'JZ-QH-01-01')
      .executeTakeFirstOrThrow()
    const resource = await db()
      .selectFrom('cobuild_item')
      .select(['id', 'title'])
      .where('area_id', '=', guihua.id)
      .where('list', '=', 'resource')
      .where('status', '=', 'open')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await staff.click(byTestId('cobuild-match'))
    await staff.waitForSelector(byTestId('cobuild-match-form'))
    await staff.selectOption(byTestId('cobuild-match-need'), String(need.id))
    await staff.selectOption(byTestId('cobuild-match-resource'), String(resource.id))
    await axe(staff, 'match form')
    await staff.click(byTestId('cobuild-match-save'))
    await staff.waitForSelector(`${byTestId('cobuild-projects')} h3:text("${NEED}")`)
    const project = await db()
      .selectFrom('cobuild_item')
      .select(['id', 'status', 'resource_id'])
      .where('need_id', '=', need.id)
      .executeTakeFirstOrThrow()
    expect(project).toMatchObject({ status: 'in_progress', resource_id: resource.id })
    projectId = project.id
    const card = byTestId(`cobuild-item-${projectId}`)
    await staff.click(`${card} ${byTestId('cobuild-mark-done')}`)
    await staff.waitForSelector(`${card} ${byTestId('cobuild-done-form')}`)
    await staff.fill(`${card} ${byTestId('cobuild-outcome-input')}`, '三户顶层完成补漏，经雨天检验不再渗水。')
    await staff.fill(`${card} ${byTestId('cobuild-beneficiaries')}`, '9')
    await axe(staff, 'mark a project done')
    await shoot(staff, 'party-cobuild-done-form.png')
    await staff.click(`${card} ${byTestId('cobuild-done-save')}`)
    await staff.waitForSelector(`${card}[data-status="done"]`)
    expect(await staff.textContent(`${card} ${byTestId('cobuild-outcome')}`)).toContain('不再渗水')
    expect(
      (await db().selectFrom('cobuild_item').select('status').where('id', '=', need.id).executeTakeFirstOrThrow())
        .status,
    ).toBe('done')
    await shoot(staff, 'party-cobuild-board-after.png')
  })

  it('the statistics count the project done; the agreement page shows it', async () => {
    await goto(staff, '#/party/stats')
    await staff.waitForFunction(
      ([sel, before]) => Number(document.querySelector(sel)?.textContent?.trim()) === before + 1,
      [byTestId('stats-total-projectsDone'), doneBefore] as const,
    )
    expect(await projectsDone(staff)).toBe(doneBefore + 1)
    const agreement = await db()
      .selectFrom('cobuild_item')
      .select('agreement_id')
      .where('id', '=', projectId)
      .executeTakeFirstOrThrow()
    await goto(staff, `#/party/cobuild/agreements/${agreement.agreement_id}`)
    await staff.waitForSelector(byTestId('cobuild-agreement-page'))
    await staff.waitForSelector(byTestId(`cobuild-item-${projectId}`))
    await axe(staff, 'agreement page')
    await shoot(staff, 'party-cobuild-agreement.png')
  })

  it('the grid worker reads the board on a phone, in English, without the keepers’ buttons', async () => {
    const grid = await signIn('guihua.grid', PHONE)
    await grid.selectOption(byTestId('lang-switch'), 'en')
    await goto(grid, '#/party/cobuild')
    await grid.waitForSelector(`${byTestId('cobuild-projects')} [data-testid^="cobuild-item-"]`)
    expect(await grid.$(byTestId('cobuild-new-need'))).toBeNull()
    expect(await grid.$(byTestId('cobuild-mark-done'))).toBeNull()
    expect(await grid.textContent(byTestId('cobuild-board'))).toContain('Resources')
    await axe(grid, 'co-building board (phone, English)')
    await shoot(grid, 'party-cobuild-phone-en.png')
    await goto(grid, '#/party/stats')
    await grid.waitForSelector(byTestId('stats-total-projectsDone'))
    await axe(grid, 'statistics (phone, English)')
    await shoot(grid, 'party-stats-phone-en.png')
    await grid.selectOption(byTestId('lang-switch'), 'zh-CN')
  })

  it('met no accessibility or page problems', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
