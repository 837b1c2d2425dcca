// The party network in a real browser: guihua.staff opens the tree of 桂花, collapses and expands
// the community's committee, finds grid G17 without an organisation in the coverage panel,
// creates its party group from there (the form suggests the committee above and the code), lands on
// the new organisation's page and sees the group in the tree and the gap gone; the grid worker reads
// the network on a phone, in English too. axe on every page.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const session = browserSession({ what: 'the party organisations browser test' })

describe.skipIf(session.skip)('party organisation screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let committee = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      committee = (
        await platform.database.db
          .selectFrom('party_organisation')
          .select('id')
          .where('code', '=', 'PO-JZ-QH-01-01')
          .executeTakeFirstOrThrow()
      ).id
    })
  })

  afterAll(() => session.close())

  const node = (code: string) => `${byTestId('po-tree-node')}[data-code="${code}"]`

  it('shows the tree, the map and the coverage gaps of 桂花', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/party/organisations')
    await staff.waitForSelector(node('PO-JZ-QH-01-01'))
    await staff.waitForSelector(node('PO-JZ-QH-01-01-G01'))
    await staff.waitForSelector(`${byTestId('po-grid-gaps')} li[data-code="JZ-QH-01-01-G17"]`)
    const gaps = await staff.$$eval(`${byTestId('po-grid-gaps')} li`, (els) =>
      els.map((e) => e.getAttribute('data-code')),
    )
    expect(gaps).toEqual(['JZ-QH-01-01-G17', 'JZ-QH-01-01-G18'])
    // The map draws the organisations and the two uncovered grids.
    await staff.waitForSelector(`${byTestId('po-map')} path.leaflet-interactive`)
    // Collapse the committee: its groups hide; expand again.
    await staff.click(`${node('PO-JZ-QH-01-01')} button`)
    await staff.waitForSelector(node('PO-JZ-QH-01-01-G01'), { state: 'detached' })
    expect(await staff.getAttribute(`${node('PO-JZ-QH-01-01')} button`, 'aria-expanded')).toBe('false')
    await staff.click(`${node('PO-JZ-QH-01-01')} button`)
    await staff.waitForSelector(node('PO-JZ-QH-01-01-G01'))
    await axe(staff, 'party network')
    await shoot(staff, 'party-organisations-network.png')
  })

  it('creates the missing group from the coverage panel and the gap closes', async () => {
    await staff.click(`${byTestId('po-grid-gaps')} li[data-code="JZ-QH-01-01-G17"] ${byTestId('po-gap-create')}`)
    await staff.waitForSelector(byTestId('po-create-form'))
    // The form suggests the committee above, the group's code and name.
    await staff.waitForFunction(
      ([sel, id]) => (document.querySelector(sel) as HTMLSelectElement | null)?.value === id,
      [byTestId('po-form-parent'), String(committee)] as const,
    )
    expect(await staff.inputValue(byTestId('po-form-code'))).toBe('PO-JZ-QH-01-01-G17')
    expect(await staff.inputValue(byTestId('po-form-name'))).toBe('桂花社区第17网格党小组')
    expect(await staff.inputValue(byTestId('po-form-kind'))).toBe('group')
    await axe(staff, 'party organisation form')
    await shoot(staff, 'party-organisations-form.png')
    await staff.click(byTestId('po-form-submit'))
    await staff.waitForSelector(byTestId('po-detail'))
    await staff.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === '桂花社区第17网格党小组',
      byTestId('po-detail-name'),
    )
    const row = await p.database.db
      .selectFrom('party_organisation')
      .select(['parent_id', 'kind', 'status'])
      .where('code', '=', 'PO-JZ-QH-01-01-G17')
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ parent_id: committee, kind: 'group', status: 'active' })
    expect(await staff.getAttribute(byTestId('po-members-link'), 'href')).toContain('#/party/members')
    await axe(staff, 'party organisation page')
    await shoot(staff, 'party-organisations-detail.png')
    await goto(staff, '#/party/organisations')
    await staff.waitForSelector(node('PO-JZ-QH-01-01-G17'))
    await staff.waitForFunction(
      (sel) => {
        const codes = [...document.querySelectorAll(sel)].map((e) => e.getAttribute('data-code'))
        return codes.length === 1 && codes[0] === 'JZ-QH-01-01-G18'
      },
      `${byTestId('po-grid-gaps')} li`,
    )
  })

  it('the committee’s page lists the new group among those below it', async () => {
    await goto(staff, `#/party/organisations/${committee}`)
    await staff.waitForSelector(byTestId('po-children'))
    expect(await staff.textContent(byTestId('po-children'))).toContain('桂花社区第17网格党小组')
    expect(await staff.$(byTestId('po-edit'))).not.toBeNull()
    await axe(staff, 'party committee page')
  })

  it('dissolves the new group (no members, nothing below) and the gap is back', async () => {
    const id = (
      await p.database.db
        .selectFrom('party_organisation')
        .select('id')
        .where('code', '=', 'PO-JZ-QH-01-01-G17')
        .executeTakeFirstOrThrow()
    ).id
    await goto(staff, `#/party/organisations/${id}`)
    // Renamed first: the edit form offers the name, founding day, area and the organisation above.
    await staff.click(byTestId('po-edit'))
    await staff.waitForSelector(byTestId('po-edit-form'))
    expect(await staff.inputValue(byTestId('po-edit-parent'))).toBe(String(committee))
    await axe(staff, 'party organisation edit form')
    await staff.fill(byTestId('po-edit-name'), '桂花社区第十七网格党小组')
    await staff.click(byTestId('po-edit-save'))
    await staff.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === '桂花社区第十七网格党小组',
      byTestId('po-detail-name'),
    )
    await staff.waitForSelector(byTestId('po-dissolve'))
    staff.once('dialog', (d) => void d.accept())
    await staff.click(byTestId('po-dissolve'))
    await staff.waitForSelector('.po-dissolved')
    expect(await staff.$(byTestId('po-dissolve'))).toBeNull()
    const row = await p.database.db
      .selectFrom('party_organisation')
      .select(['status', 'dissolved_on'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('dissolved')
    expect(row.dissolved_on).not.toBeNull()
    await axe(staff, 'dissolved organisation page')
    await goto(staff, '#/party/organisations')
    await staff.waitForSelector(`${byTestId('po-grid-gaps')} li[data-code="JZ-QH-01-01-G17"]`)
  })

  it('the grid worker reads the network on a phone, in English too', async () => {
    const grid = await signIn('guihua.grid', PHONE)
    await goto(grid, '#/party/organisations')
    await grid.waitForSelector(node('PO-JZ-QH-01-01-G01'))
    expect(await grid.$(byTestId('po-new'))).toBeNull()
    expect(await grid.$(byTestId('po-gap-create'))).toBeNull()
    await axe(grid, 'party network (phone)')
    await shoot(grid, 'party-organisations-phone.png')
    await grid.selectOption(byTestId('lang-switch'), 'en')
    await grid.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('Coverage'),
      byTestId('po-coverage'),
    )
    await axe(grid, 'party network in English (phone)')
    await shoot(grid, 'party-organisations-phone-en.png')
    await grid.selectOption(byTestId('lang-switch'), 'zh-CN')
  })

  it('met no accessibility or page problems', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
