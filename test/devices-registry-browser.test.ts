// The device registry in a real browser: guihua.staff finds the demo devices on the map and in
// the list, filters to the water-level sensors, opens the one whose water is rising and reads its
// chart over two periods; registers a smoke detector in a building and sees its secret once (the
// stored hash verifies it); imports two devices from a CSV with one bad row and takes the
// generated secrets once; the grid worker reads G01's devices on a phone. axe on every page.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyDeviceSecret } from '../src/devices/common.js'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const session = browserSession({ what: 'the device registry browser test' })
const CODE = `BR-SMK-${Date.now().toString(36).toUpperCase()}`

describe.skipIf(session.skip)('device registry screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let wl1 = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
      wl1 = (
        await p.database.db.selectFrom('device').select('id').where('code', '=', 'GH-WL-0001').executeTakeFirstOrThrow()
      ).id
    })
  })

  afterAll(() => session.close())

  it('shows the devices on the map and in the list, and filters them', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/devices/registry')
    await staff.waitForSelector(byTestId('device-row'))
    await staff.waitForSelector(byTestId('device-pin'))
    const pins = await staff.$$(byTestId('device-pin'))
    expect(pins.length).toBeGreaterThanOrEqual(40)
    // The states show as badges; the demo has offline, faulty and retired devices in 桂花.
    const states = await staff.$$eval(`${byTestId('device-row')} ${byTestId('device-state')}`, (els) =>
      els.map((e) => e.getAttribute('data-state')),
    )
    expect(new Set(states)).toEqual(new Set(['active', 'offline', 'faulty', 'retired']))
    await axe(staff, 'device map and list')
    await shoot(staff, 'devices-registry-list.png')
    await staff.selectOption(byTestId('device-filter-type'), 'water_level')
    await staff.waitForFunction((sel) => {
      const rows = [...document.querySelectorAll(sel)]
      return rows.length > 0 && rows.every((r) => (r.getAttribute('data-code') ?? '').includes('-WL-'))
    }, byTestId('device-row'))
    const codes = await staff.$$eval(byTestId('device-row'), (els) => els.map((e) => e.getAttribute('data-code')))
    expect(codes).toContain('GH-WL-0001')
  })

  it('opens a device with its readings chart and switches the period', async () => {
    await staff.click(`${byTestId('device-row')}[data-code="GH-WL-0001"] ${byTestId('device-link')}`)
    await staff.waitForSelector(byTestId('device-detail'))
    expect(await staff.textContent(byTestId('device-code'))).toBe('GH-WL-0001')
    // The chart draws lines (SVG paths) once the readings arrive.
    await staff.waitForSelector(`${byTestId('device-chart-canvas')} svg path`, { state: 'attached' })
    await staff.waitForFunction(
      (sel) => Number(document.querySelector(sel)?.getAttribute('aria-label')?.match(/\d+/g)?.at(-1) ?? 0) > 0,
      byTestId('device-chart-canvas'),
    )
    const label24 = await staff.getAttribute(byTestId('device-chart-canvas'), 'aria-label')
    await staff.click(byTestId('device-period-72'))
    await staff.waitForFunction(([sel, before]) => document.querySelector(sel)?.getAttribute('aria-label') !== before, [
      byTestId('device-chart-canvas'),
      label24,
    ] as const)
    const label72 = await staff.getAttribute(byTestId('device-chart-canvas'), 'aria-label')
    const n = (s: string | null) => Number(s?.match(/\d+/g)?.at(-1) ?? 0)
    expect(n(label24)).toBeGreaterThan(10)
    expect(n(label72)).toBeGreaterThan(n(label24))
    expect(await staff.$(byTestId('device-actions'))).not.toBeNull()
    await axe(staff, 'device detail with chart')
    await shoot(staff, 'devices-registry-detail.png')
    expect(wl1).toBeGreaterThan(0)
  })

  it('lists a device’s alarms with the alarm screens’ kind, severity and status', async () => {
    // The demo device with the most alarms, and its last 20 as the detail shows them.
    const busiest = await p.database.db
      .selectFrom('device_alarm')
      .select(['device_id', p.database.db.fn.countAll<number>().as('n')])
      .groupBy('device_id')
      .orderBy('n', 'desc')
      .orderBy('device_id')
      .executeTakeFirstOrThrow()
    const alarms = await p.database.db
      .selectFrom('device_alarm')
      .select(['id', 'kind', 'severity', 'status'])
      .where('device_id', '=', busiest.device_id)
      .orderBy('id', 'desc')
      .limit(20)
      .execute()
    const zh = JSON.parse(readFileSync('web/src/locales/devices/alarms.zh-CN.json', 'utf8'))
    await goto(staff, `#/devices/registry/${busiest.device_id}`)
    await staff.waitForSelector(byTestId('device-alarm-row'))
    const rows = await staff.$$eval(byTestId('device-alarm-row'), (trs) =>
      trs.map((tr) => ({
        kind: tr.querySelector('td a')?.textContent?.trim(),
        severity: tr.querySelector('[data-testid="alarm-severity"]')?.textContent?.trim(),
        status: tr.querySelector('[data-testid="alarm-status"]')?.getAttribute('data-status'),
        statusText: tr.querySelector('[data-testid="alarm-status"]')?.textContent?.trim(),
      })),
    )
    expect(rows).toEqual(
      alarms.map((a) => ({
        kind: zh.kinds[a.kind] ?? a.kind,
        severity: zh.severity[a.severity],
        status: a.status,
        statusText: zh.status[a.status],
      })),
    )
    await axe(staff, 'device detail with alarms')
  })

  it('registers a device in a building and shows its secret once', async () => {
    await goto(staff, '#/devices/registry/new')
    await staff.waitForSelector(byTestId('device-register-form'))
    await staff.waitForSelector(`${byTestId('device-form-building')} option:nth-child(2)`, { state: 'attached' })
    await staff.waitForSelector(`${byTestId('device-form-owner')} option:nth-child(2)`, { state: 'attached' })
    await axe(staff, 'register form')
    await staff.fill(byTestId('device-form-code'), CODE)
    await staff.selectOption(byTestId('device-form-type'), 'smoke_detector')
    await staff.fill(byTestId('device-form-name'), '浏览器测试烟感')
    const building = await staff.$eval(
      `${byTestId('device-form-building')} option:nth-child(2)`,
      (o) => (o as HTMLOptionElement).value,
    )
    await staff.selectOption(byTestId('device-form-building'), building)
    await staff.fill(byTestId('device-form-place'), '1单元 2层 楼道')
    const owner = await staff.$eval(
      `${byTestId('device-form-owner')} option:nth-child(2)`,
      (o) => (o as HTMLOptionElement).value,
    )
    await staff.selectOption(byTestId('device-form-owner'), owner)
    await staff.click(byTestId('device-form-submit'))
    await staff.waitForSelector(byTestId('device-secret-dialog'))
    const secret = (await staff.textContent(byTestId('device-secret')))?.trim() ?? ''
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await axe(staff, 'one-time secret dialog', 'body')
    await shoot(staff, 'devices-registry-secret.png', false)
    const row = await p.database.db
      .selectFrom('device')
      .select(['id', 'secret_hash', 'building_id'])
      .where('code', '=', CODE)
      .executeTakeFirstOrThrow()
    expect(row.building_id).toBe(Number(building))
    expect(verifyDeviceSecret(secret, row.secret_hash)).toBe(true)
    await staff.click(byTestId('device-secret-close'))
    await staff.waitForSelector(byTestId('device-detail'))
    expect(await staff.textContent(byTestId('device-code'))).toBe(CODE)
    // Never shown again.
    expect(await staff.content()).not.toContain(secret)
  })

  it('edits the device: moved on the map out of its building, another owner, then into a building', async () => {
    const db = p.database.db
    const g02 = await sql<{ id: number; lng: number; lat: number }>`
      select id, ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
      from area where code = 'JZ-QH-01-01-G02'`.execute(db)
    const to = g02.rows[0]!
    const lat = Math.round(to.lat * 1e6) / 1e6
    const lng = Math.round(to.lng * 1e6) / 1e6
    // On the new device's page (after its secret): edit.
    expect(await staff.textContent(byTestId('device-code'))).toBe(CODE)
    await staff.click(byTestId('device-edit'))
    await staff.waitForSelector(byTestId('device-edit-form'))
    await staff.waitForSelector(`${byTestId('device-edit-building')} option:nth-child(2)`, { state: 'attached' })
    await staff.selectOption(byTestId('device-edit-building'), '')
    await staff.click(byTestId('device-edit-move'))
    await staff.waitForSelector(byTestId('report-map'))
    await staff.fill(byTestId('report-lat'), String(lat))
    await staff.fill(byTestId('report-lng'), String(lng))
    await staff.waitForSelector(`${byTestId('report-grid')}[data-state="ok"]`)
    await staff.click(byTestId('device-edit-owner-kind-organisation'))
    await staff.waitForSelector(`${byTestId('device-edit-owner')} option:nth-child(2)`, { state: 'attached' })
    const org = await staff.$eval(
      `${byTestId('device-edit-owner')} option:nth-child(2)`,
      (o) => (o as HTMLOptionElement).value,
    )
    await staff.selectOption(byTestId('device-edit-owner'), org)
    await axe(staff, 'device edit form')
    await shoot(staff, 'devices-registry-edit.png')
    await staff.click(byTestId('device-edit-save'))
    await staff.waitForSelector(byTestId('device-edit-form'), { state: 'detached' })
    const moved = await sql<{
      area: string
      building_id: number | null
      owner_department_id: number | null
      owner_organisation_id: number | null
      lng: number
      lat: number
      version: number
    }>`select a.code as area, d.building_id, d.owner_department_id, d.owner_organisation_id,
         ST_X(d.location) as lng, ST_Y(d.location) as lat, d.version
       from device d join area a on a.id = d.area_id where d.code = ${CODE}`.execute(db)
    expect(moved.rows[0]).toMatchObject({
      area: 'JZ-QH-01-01-G02',
      building_id: null,
      owner_department_id: null,
      owner_organisation_id: Number(org),
      version: 2,
    })
    expect(moved.rows[0]!.lng).toBeCloseTo(lng, 6)
    expect(moved.rows[0]!.lat).toBeCloseTo(lat, 6)
    // Into a G02 building without moving the pin: the device takes the building's location.
    const b = await sql<{ id: number; lng: number; lat: number }>`
      select id, ST_X(location) as lng, ST_Y(location) as lat from building where code = 'JZ-QH-01-01-G02-B1'`.execute(
      db,
    )
    await staff.click(byTestId('device-edit'))
    await staff.waitForSelector(`${byTestId('device-edit-building')} option[value="${b.rows[0]!.id}"]`, {
      state: 'attached',
    })
    await staff.selectOption(byTestId('device-edit-building'), String(b.rows[0]!.id))
    await staff.click(byTestId('device-edit-save'))
    await staff.waitForSelector(byTestId('device-edit-form'), { state: 'detached' })
    const housed = await db
      .selectFrom('device')
      .select(['building_id', 'owner_organisation_id', sql<number>`ST_X(location)`.as('lng'), 'version'])
      .where('code', '=', CODE)
      .executeTakeFirstOrThrow()
    expect(housed).toMatchObject({ building_id: b.rows[0]!.id, owner_organisation_id: Number(org), version: 3 })
    expect(housed.lng).toBeCloseTo(b.rows[0]!.lng, 9)
  })

  it('imports devices from a CSV with its rejected row and the secrets once', async () => {
    const b = await p.database.db
      .selectFrom('building')
      .select('code')
      .where('code', '=', 'JZ-QH-01-01-G02-B1')
      .executeTakeFirstOrThrow()
    const px = `BR-IMP-${Date.now().toString(36).toUpperCase()}`
    const csv = [
      'code,type,name,building_code,place,owner_department_code',
      `${px}-1,gas_detector,导入燃气1,${b.code},1单元101厨房,QH-ZJ`,
      `${px}-2,elevator_monitor,导入电梯2,${b.code},1号梯,QH-ZJ`,
      `${px}-3,toaster,坏类型,${b.code},,QH-ZJ`,
    ].join('\n')
    await goto(staff, '#/devices/registry/import')
    await staff.waitForSelector(byTestId('device-import-form'))
    await staff.waitForSelector(`${byTestId('device-import-area')} option:nth-child(2)`, { state: 'attached' })
    await axe(staff, 'import form')
    await staff.setInputFiles(byTestId('device-import-file'), {
      name: 'devices.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    })
    const guihua = await p.database.db
      .selectFrom('area')
      .select('id')
      .where('code', '=', 'JZ-QH-01-01')
      .executeTakeFirstOrThrow()
    await staff.selectOption(byTestId('device-import-area'), String(guihua.id))
    await staff.click(byTestId('device-import-upload'))
    await staff.waitForSelector(`${byTestId('device-import-progress')}[data-status="done"]`)
    await staff.waitForSelector(byTestId('device-import-error-row'))
    expect(await staff.textContent(byTestId('device-import-counts'))).toContain('2')
    expect(await staff.$$eval(byTestId('device-import-error-row'), (r) => r.map((x) => x.textContent))).toEqual([
      expect.stringContaining(`${px}-3`),
    ])
    await axe(staff, 'import progress and errors')
    await shoot(staff, 'devices-registry-import.png')
    const [download] = await Promise.all([
      staff.waitForEvent('download'),
      staff.click(byTestId('device-import-credentials-download')),
    ])
    const file = await download.path()
    const text = file ? (await import('node:fs')).readFileSync(file, 'utf8') : ''
    expect(text.split('\n')[0]).toBe('code,secret')
    expect(text).toContain(`${px}-1,`)
    await staff.waitForSelector(byTestId('device-import-credentials-taken'))
    const made = await p.database.db.selectFrom('device').select('code').where('code', 'like', `${px}-%`).execute()
    expect(made.map((d) => d.code).sort()).toEqual([`${px}-1`, `${px}-2`])
  })

  it('the grid worker reads the devices of G01 on a phone', async () => {
    const grid = await signIn('guihua.grid', PHONE)
    await goto(grid, '#/devices/registry')
    await grid.waitForSelector(byTestId('device-row'))
    expect(await grid.$(byTestId('device-new'))).toBeNull()
    await axe(grid, 'device list (phone)')
    await shoot(grid, 'devices-registry-phone.png')
    await grid.click(`${byTestId('device-row')} ${byTestId('device-link')}`)
    await grid.waitForSelector(byTestId('device-detail'))
    expect(await grid.$(byTestId('device-actions'))).toBeNull()
    await axe(grid, 'device detail (phone)')
    // In English: the facts and the chart's controls follow the language.
    await grid.selectOption(byTestId('lang-switch'), 'en')
    await grid.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('Readings'),
      byTestId('device-chart'),
    )
    expect(await grid.textContent(byTestId('device-facts'))).toContain('Last heard from')
    await axe(grid, 'device detail in English (phone)')
    await shoot(grid, 'devices-registry-detail-en-phone.png')
    await grid.selectOption(byTestId('lang-switch'), 'zh-CN')
  })

  it('met no accessibility or page problems', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
