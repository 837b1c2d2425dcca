// Components (部件) in a real browser: guihua.staff finds the demo inventory on the map and in the
// list — a damaged street light of G01 ringed for its open case — filters to damaged ones, opens the
// component, follows its case to the case page and back through the case's component link, marks
// it repaired; imports a CSV with a bad row (checked first, then imported, then imported again
// without a change); the page in English. axe on every page, screenshots of each.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserSession, byTestId } from './browser-support.js'
import { call, tokenFor, type TestPlatform } from './support.js'

const session = browserSession({ what: 'the components browser test' })
const CODE = `BR-${Date.now().toString(36).toUpperCase()}`

describe.skipIf(session.skip)('component screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let damaged = { id: 0, code: '' }
  let caseId = 0
  let at = { lng: 0, lat: 0 }

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
      // A street light of 桂花's first grid, damaged, and an open case about it.
      const { rows } = await sql<{ id: number; code: string; lng: number; lat: number }>`
        update component set state = 'damaged', state_note = '灯杆被撞歪', state_changed_at = now()
        where id = (
          select k.id from component k join area a on a.id = k.area_id
          where a.code = 'JZ-QH-01-01-G01' and k.class_code = '0120' order by k.id limit 1)
        returning id, code, ST_X(location) as lng, ST_Y(location) as lat`.execute(p.database.db)
      damaged = rows[0]!
      at = { lng: rows[0]!.lng, lat: rows[0]!.lat }
      const token = await tokenFor(p.app, 'guihua.staff')
      const filed = await call(p.app, 'POST', '/api/v1/cases', {
        token,
        body: { categoryCode: 'DL-03', location: at, description: '路灯灯杆被撞歪，夜里不亮（浏览器测试）' },
      })
      if (filed.status !== 201) throw new Error(`case: ${filed.status} ${JSON.stringify(filed.body)}`)
      caseId = filed.body.id
      // As intake links a case filed about a component (cases.component_id).
      await p.database.db.updateTable('cases').set({ component_id: damaged.id }).where('id', '=', caseId).execute()
    })
  })

  afterAll(() => session.close())

  it('shows the inventory on the map and in the list, the open case ringed, and filters it', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/components')
    await staff.waitForSelector(byTestId('component-row'))
    await staff.waitForSelector(byTestId('component-pin'))
    expect((await staff.$$(byTestId('component-pin'))).length).toBeGreaterThan(20)
    await staff.waitForSelector(`${byTestId('component-pin')}[data-open="true"]`)
    await axe(staff, 'component map and list')
    await shoot(staff, 'components-map.png')
    await staff.selectOption(byTestId('component-filter-state'), 'damaged')
    await staff.waitForFunction((sel) => {
      const rows = [...document.querySelectorAll(sel)]
      return (
        rows.length > 0 && rows.every((r) => r.querySelector('[data-state]')?.getAttribute('data-state') === 'damaged')
      )
    }, byTestId('component-row'))
    await staff.click(byTestId('component-filter-open'))
    await staff.waitForFunction(
      ([sel, code]) => {
        const rows = [...document.querySelectorAll(sel!)]
        return rows.length >= 1 && rows.some((r) => r.getAttribute('data-code') === code)
      },
      [byTestId('component-row'), damaged.code] as const,
    )
    await shoot(staff, 'components-filtered.png')
  })

  it('opens a component, follows its case there and back, and marks it repaired', async () => {
    await staff.click(`${byTestId('component-row')}[data-code="${damaged.code}"] a`)
    await staff.waitForSelector(byTestId('component-detail'))
    await staff.waitForSelector(byTestId('component-case'))
    expect(await staff.textContent(byTestId('component-cases'))).toContain('浏览器测试')
    await axe(staff, 'component detail')
    await shoot(staff, 'components-detail.png')
    await staff.click(`${byTestId('component-case')} a`)
    await staff.waitForSelector(byTestId('page-case-detail'))
    await staff.waitForSelector(byTestId('case-component'))
    expect(await staff.textContent(byTestId('case-component'))).toContain(damaged.code)
    await shoot(staff, 'components-on-case.png')
    await staff.click(byTestId('case-component-link'))
    await staff.waitForSelector(byTestId('component-state-form'))
    await staff.selectOption(byTestId('component-state-select'), 'normal')
    await staff.fill(byTestId('component-state-note'), '已扶正并修复')
    await staff.click(byTestId('component-state-save'))
    await staff.waitForSelector(`${byTestId('component-title')} [data-state="normal"]`)
    const row = await p.database.db
      .selectFrom('component')
      .select(['state', 'state_note'])
      .where('id', '=', damaged.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ state: 'normal', state_note: '已扶正并修复' })
  })

  it('imports a CSV: checked first, bad rows listed by row and field, then imported once', async () => {
    await goto(staff, '#/components')
    await staff.click(byTestId('component-import-link'))
    await staff.waitForSelector(byTestId('component-import-form'))
    const csv = [
      'code,classCode,name,lng,lat,ownerDepartment,material',
      `${CODE}-1,0103,雨水井盖,${at.lng},${at.lat},QH-SW,铸铁`,
      `${CODE}-2,0999,未知小类,${at.lng},${at.lat},,`,
    ].join('\n')
    const file = { name: 'survey.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) }
    await staff.setInputFiles(byTestId('component-import-file'), file)
    await staff.click(byTestId('component-import-submit'))
    await staff.waitForSelector(byTestId('component-import-result'))
    expect(await staff.textContent(byTestId('component-import-counts'))).toMatch(/新建 1.*有问题 1/)
    expect(await staff.textContent(byTestId('component-import-error-row'))).toContain('classCode')
    expect(await p.database.db.selectFrom('component').select('id').where('code', '=', `${CODE}-1`).execute()).toEqual(
      [],
    )
    await axe(staff, 'component import with its report')
    await shoot(staff, 'components-import-checked.png')
    await staff.click(byTestId('component-import-dry'))
    await staff.click(byTestId('component-import-submit'))
    await staff.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('导入完成'),
      byTestId('component-import-result'),
    )
    expect(await staff.textContent(byTestId('component-import-counts'))).toMatch(/新建 1/)
    await staff.click(byTestId('component-import-submit'))
    await staff.waitForFunction(
      (sel) => /新建 0.*未变 1/.test(document.querySelector(sel)?.textContent ?? ''),
      byTestId('component-import-counts'),
    )
    await shoot(staff, 'components-import-done.png')
    const n = await p.database.db.selectFrom('component').select('id').where('code', '=', `${CODE}-1`).execute()
    expect(n).toHaveLength(1)
  })

  it('reads in English', async () => {
    await goto(staff, '#/components')
    await staff.selectOption(byTestId('lang-switch'), 'en')
    await staff.waitForFunction(() => document.querySelector('h1')?.textContent === 'Components')
    await staff.waitForSelector(byTestId('component-row'))
    expect(await staff.textContent(byTestId('component-list'))).toContain('Owner')
    await axe(staff, 'component map in English')
    await shoot(staff, 'components-map-en.png')
    await staff.selectOption(byTestId('lang-switch'), 'zh-CN')
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
