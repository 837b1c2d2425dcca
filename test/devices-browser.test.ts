// The flow end to end: a smoke detector in an occupied building of 桂花 G01 raises a smoke
// alarm over MQTT (the embedded broker, a real MQTT client as the device); the alarm's case is
// routed at once to the department the catalogue routes smoke alarms to, and staff see the
// building and its vulnerable residents on the alarm and on the case; the device's clearing
// message clears the alarm; the device then falls silent and the heartbeat sweep marks it
// offline. The parts' own browser tests cover each screen in depth; this one walks them together.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import { sql } from 'kysely'
import mqtt from 'mqtt'
import type { Page } from 'playwright-core'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cipherFor } from '../src/core/crypto.js'
import { sweepDevices } from '../src/devices/heartbeats.js'
import { type DeviceRuntime, startDevices } from '../src/devices/runtime.js'
import { browserSession, byTestId } from './browser-support.js'
import { call, tokenFor, type TestPlatform } from './support.js'

const CODE = 'E2E-SMK-0001'
const session = browserSession({ what: 'the devices end-to-end browser test' })

describe.skipIf(session.skip)('a smoke alarm from MQTT to a routed case and back in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let runtime: DeviceRuntime
  let device: mqtt.MqttClient
  let staff: Page
  let deviceId = 0
  let buildingId = 0
  let buildingName = ''
  let propertyCompany = 0
  let vulnerable: string[] = []
  let alarmId = 0
  let caseId = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      // The registry keeper has tagged two elderly residents of a G01 building as living alone.
      const db = platform.database.db
      const { rows } = await sql<{ id: number; name: string }>`
        select b.id, b.name from building b join area a on a.id = b.area_id
        where a.code = 'JZ-QH-01-01-G01' and b.kind = 'residential'
          and exists (select 1 from dwelling d join person pe on pe.dwelling_id = d.id where d.building_id = b.id)
        order by b.id limit 1`.execute(db)
      buildingId = Number(rows[0]!.id)
      buildingName = rows[0]!.name
      const tagged = await sql<{ name: string }>`
        update person set tags = array_append(tags, 'elderly_alone')
        where id in (select pe.id from person pe join dwelling d on d.id = pe.dwelling_id
                     where d.building_id = ${buildingId} and pe.status = 'active'
                       and pe.birth_date < date '1960-01-01' and not 'elderly_alone' = any(pe.tags)
                     order by pe.birth_date limit 2)
        returning name`.execute(db)
      vulnerable = tagged.rows.map((r) => r.name)
      const company = await sql<{ id: number }>`
        select id from organisation where name = '桂花苑物业服务有限公司'`.execute(db)
      propertyCompany = Number(company.rows[0]!.id)
    })
    runtime = await startDevices(
      p.database.db,
      { ...p.config, host: '127.0.0.1', mqttPort: 0, mqttWsPort: 0, mqttUrl: null },
      p.clock,
      cipherFor(p.config),
      pino({ level: 'silent' }),
    )
  })

  afterAll(async () => {
    await device?.endAsync()
    await runtime?.stop()
    await session.close()
  })

  it('staff register a smoke detector in the building and the device connects with its secret', async () => {
    const token = await tokenFor(p.app, 'guihua.staff')
    const res = await call(p.app, 'POST', '/api/v1/devices', {
      token,
      body: {
        code: CODE,
        type: 'smoke_detector',
        name: '3单元楼道烟感',
        buildingId,
        place: '3单元 5层 楼道',
        ownerOrganisationId: propertyCompany,
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    deviceId = res.body.id
    device = await mqtt.connectAsync(`mqtt://127.0.0.1:${runtime.ports!.mqtt}`, {
      clientId: CODE,
      username: CODE,
      password: res.body.secret,
      reconnectPeriod: 0,
    })
    await device.publishAsync(`grassroots/devices/${CODE}/heartbeat`, JSON.stringify({ id: 'hb-1', battery: 97 }), {
      qos: 1,
    })
  })

  it('a smoke alarm over MQTT raises an alarm whose case is routed to the department that must act', async () => {
    // QoS 1: the broker acknowledges only once the alarm and everything it caused are stored.
    await device.publishAsync(
      `grassroots/devices/${CODE}/alarm`,
      JSON.stringify({ id: 'alarm-1', alarm: 'smoke', state: 'raised', value: 18.5 }),
      { qos: 1 },
    )
    const { rows } = await sql<{ id: number; case_id: number; status: string }>`
      select id, case_id, status from device_alarm where device_id = ${deviceId}`.execute(p.database.db)
    expect(rows).toHaveLength(1)
    alarmId = Number(rows[0]!.id)
    caseId = Number(rows[0]!.case_id)
    expect(rows[0]!.status).toBe('open')
    // Routed as the catalogue routes the category in this area, without waiting for triage.
    const routed = await sql<{ state: string; department_id: number | null; expected: number | null }>`
      select c.state, c.department_id,
             (select r.department_id from category_routing r join area a on a.id = r.area_id
              where r.category_id = c.category_id and (select path from area where id = c.area_id) like a.path || '%'
              order by length(a.path) desc limit 1) as expected
      from cases c where c.id = ${caseId}`.execute(p.database.db)
    expect(routed.rows[0]!.state).toBe('dispatched')
    expect(routed.rows[0]!.department_id).not.toBeNull()
    expect(routed.rows[0]!.department_id).toBe(routed.rows[0]!.expected)
  })

  it('staff find the alarm in the inbox with the building and its vulnerable residents', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/devices/alarms')
    const card = staff.locator(`${byTestId('alarm-card')}:has-text("${CODE}")`)
    await card.first().waitFor()
    await shoot(staff, 'devices-e2e-inbox.png')
    await axe(staff, 'device alarm inbox')
    await goto(staff, `#/devices/alarms/${alarmId}`)
    await staff.waitForSelector(byTestId('alarm-detail'))
    expect(await staff.textContent(byTestId('alarm-building-name'))).toContain(buildingName)
    await staff.waitForSelector(byTestId('alarm-resident'))
    const residents = await staff.locator(byTestId('alarm-resident')).allTextContents()
    expect(residents.length).toBeGreaterThanOrEqual(vulnerable.length)
    // Masked by the registry's rules: no full name of a tagged resident on the page.
    const page = (await staff.textContent(byTestId('alarm-detail'))) ?? ''
    for (const name of vulnerable) if (name.length > 1) expect(page).not.toContain(name)
    await shoot(staff, 'devices-e2e-alarm.png')
    await axe(staff, 'device alarm detail')
  })

  it('the case page shows the alarm behind it: device, building and residents', async () => {
    await staff.click(byTestId('alarm-case-link'))
    await staff.waitForSelector(byTestId('page-case-detail'))
    expect(await staff.textContent(byTestId('case-state'))).toBeTruthy()
    await staff.waitForSelector(byTestId('alarms-for-case'))
    expect(await staff.textContent(byTestId('alarms-for-case'))).toContain(CODE)
    expect(await staff.textContent(byTestId('case-alarm-building'))).toContain(buildingName)
    expect(await staff.textContent(byTestId('case-description'))).toContain(CODE)
    await shoot(staff, 'devices-e2e-case.png')
    await axe(staff, 'a device case')
  })

  it('the clearing message clears the alarm and notes it on the case', async () => {
    await device.publishAsync(
      `grassroots/devices/${CODE}/alarm`,
      JSON.stringify({ id: 'alarm-2', alarm: 'smoke', state: 'cleared' }),
      { qos: 1 },
    )
    await goto(staff, `#/devices/alarms/${alarmId}`)
    await staff.waitForSelector(`${byTestId('alarm-detail')} ${byTestId('alarm-status')}[data-status="cleared"]`)
    const notes = await sql<{ n: number }>`
      select count(*)::int as n from case_event where case_id = ${caseId} and action = 'device_alarm'`.execute(
      p.database.db,
    )
    expect(notes.rows[0]!.n).toBeGreaterThanOrEqual(1)
    await shoot(staff, 'devices-e2e-cleared.png')
  })

  it('a device that misses its heartbeat turns offline on the next sweep', async () => {
    await device.endAsync()
    const state = async () =>
      (await sql<{ state: string }>`select state from device where id = ${deviceId}`.execute(p.database.db)).rows[0]!
        .state
    await sweepDevices(p.database.db, p.clock.now(), cipherFor(p.config))
    expect(await state()).toBe('active')
    // A smoke detector reports hourly; an hour and a quarter later it has missed its heartbeat.
    p.clock.advance(75 * 60_000)
    const after = await sweepDevices(p.database.db, p.clock.now(), cipherFor(p.config))
    expect(after.offline).toBeGreaterThanOrEqual(1)
    expect(await state()).toBe('offline')
    await goto(staff, `#/devices/registry/${deviceId}`)
    await staff.waitForSelector(`${byTestId('device-detail')} ${byTestId('device-state')}[data-state="offline"]`)
    await shoot(staff, 'devices-e2e-offline.png')
    await axe(staff, 'an offline device')
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
