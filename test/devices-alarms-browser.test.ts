// Device alarms in a real browser: a smoke alarm in an occupied building of 桂花 G01 and a door
// held open wait in the inbox; staff acknowledge the door inline (also on a phone), open the smoke
// alarm and find the building, its vulnerable residents (masked), the case and the timeline, and
// acknowledge it with a note; the admin adds a threshold rule whose form follows the trigger; the
// leader reads the community risk per grid and drills into the building. axe checks every page.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cipherFor } from '../src/core/crypto.js'
import { invalidateRules } from '../src/devices/alarm-rules.js'
import { onAlarmMessage } from '../src/devices/alarms.js'
import { hashDeviceSecret, loadDevice } from '../src/devices/common.js'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const session = browserSession({ what: 'the device alarms browser test' })

describe.skipIf(session.skip)('device alarm screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let smokeAlarm = 0
  let doorAlarm = 0
  let building = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
      const db = p.database.db
      const now = p.clock.now()
      const g01 = (
        await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01-G01').executeTakeFirstOrThrow()
      ).id
      const guihua = (
        await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01').executeTakeFirstOrThrow()
      ).id
      const dept = (
        await db.selectFrom('department').select('id').where('code', '=', 'QH-01-ZF').executeTakeFirstOrThrow()
      ).id
      const b = await sql<{ id: number; district_id: number }>`
        insert into building (area_id, district_id, code, name, kind, address, floors, location, created_at, updated_at)
        select ${g01}, (string_to_array(trim(both '/' from path), '/'))[2]::int, 'BROWSER-B1', '浏览器测试楼', 'residential',
               '桂花路88号', 6, ST_PointOnSurface(boundary), ${now}, ${now}
        from area where id = ${g01} returning id, district_id`.execute(db)
      building = Number(b.rows[0]!.id)
      const district = b.rows[0]!.district_id
      const dw = await sql<{ id: number }>`insert into dwelling (building_id, area_id, district_id, unit, floor, room)
        values (${building}, ${g01}, ${district}, '2单元', 5, '502') returning id`.execute(db)
      for (const [name, tags] of [
        ['钱玉珍', ['elderly_alone']],
        ['孙志强', ['disabled']],
      ] as const)
        await sql`insert into person (area_id, district_id, name, id_type, id_number_enc, id_number_bidx, id_number_masked, sex,
                                      birth_date, residence_status, dwelling_id, tags, created_at, updated_at)
                  values (${g01}, ${district}, ${name}, 'resident_id', ${randomBytes(16)}, ${`browser-${name}`}, '4201****',
                          'female', '1942-03-04', 'registered', ${dw.rows[0]!.id}, ${[...tags]}::text[], ${now}, ${now})`.execute(
          db,
        )
      const categoryId = (
        await db.selectFrom('case_category').select('id').where('code', '=', 'SB-01').executeTakeFirstOrThrow()
      ).id
      await sql`insert into device_alarm_rule (device_type, area_id, name, trigger, alarm_kind, severity, action, category_id,
                                               incident_kind, created_at, updated_at)
                values ('smoke_detector', ${guihua}, '浏览器测试：烟感', 'flag', 'smoke', 'critical', 'incident', ${categoryId}, 'fire', ${now}, ${now}),
                       ('access_control', ${guihua}, '浏览器测试：门未关', 'flag', 'held_open', 'warning', 'warning', null, null, ${now}, ${now})`.execute(
        db,
      )
      invalidateRules()
      const device = async (code: string, type: string) =>
        Number(
          (
            await sql<{ id: number }>`
              insert into device (code, type, name, area_id, district_id, location, building_id, place, owner_department_id,
                                  state, secret_hash, secret_rotated_at, last_seen_at, created_at, updated_at)
              select ${code}, ${type}, ${code === 'BROWSER-SMK' ? '2单元5楼烟感' : '2单元单元门'}, ${g01}, b.district_id, b.location, b.id,
                     '2单元5层', ${dept}, 'active', ${hashDeviceSecret('browser')}, ${now}, ${now}, ${now}, ${now}
              from building b where b.id = ${building} returning id`.execute(db)
          ).rows[0]!.id,
        )
      const raise = async (deviceId: number, alarm: string) => {
        const messageId = `browser-${alarm}`
        await db.transaction().execute(async (tx) => {
          await tx
            .insertInto('device_message')
            .values({
              device_id: deviceId,
              message_id: messageId,
              kind: 'alarm',
              at: now,
              received_at: now,
              payload: '{}',
              via: 'mqtt',
            })
            .execute()
          await onAlarmMessage(
            tx,
            {
              device: await loadDevice(tx, deviceId),
              messageId,
              at: now,
              alarm,
              state: 'raised',
              value: null,
              note: null,
            },
            now,
            { cipher: cipherFor(p.config) },
          )
        })
        return Number(
          (await db.selectFrom('device_alarm').select('id').where('device_id', '=', deviceId).executeTakeFirstOrThrow())
            .id,
        )
      }
      smokeAlarm = await raise(await device('BROWSER-SMK', 'smoke_detector'), 'smoke')
      doorAlarm = await raise(await device('BROWSER-DOOR', 'access_control'), 'held_open')
    })
  })

  afterAll(async () => {
    invalidateRules()
    await session.close()
  })

  it('staff find the alarms in the inbox and acknowledge the door inline', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/devices/alarms')
    const door = `${byTestId('alarm-card')}[data-id="${doorAlarm}"]`
    await staff.waitForSelector(door)
    await staff.waitForSelector(`${byTestId('alarm-card')}[data-id="${smokeAlarm}"]`)
    await axe(staff, 'alarm inbox')
    await shoot(staff, 'devices-alarms-inbox.png')
    await staff.click(`${door} ${byTestId('alarm-ack')}`)
    // The default filter (live) keeps it, now acknowledged.
    await staff.waitForSelector(`${door}[data-status="acknowledged"]`)
    const row = await p.database.db
      .selectFrom('device_alarm')
      .select(['status', 'acknowledged_by'])
      .where('id', '=', doorAlarm)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('acknowledged')
    expect(row.acknowledged_by).not.toBeNull()
  }, 90_000)

  it('the smoke alarm shows the building, its residents masked, the case and the timeline; staff acknowledge it', async () => {
    await goto(staff, `#/devices/alarms/${smokeAlarm}`)
    await staff.waitForSelector(`${byTestId('alarm-detail')}[data-status="open"]`)
    expect(await staff.textContent(byTestId('alarm-building-name'))).toBe('浏览器测试楼')
    const names = await staff.$$eval(`${byTestId('alarm-resident')} td:first-child`, (tds) =>
      tds.map((td) => td.textContent),
    )
    expect(names).toEqual(['钱**', '孙**'])
    expect(await staff.textContent(byTestId('alarm-building'))).not.toContain('钱玉珍')
    const caseLink = await staff.getAttribute(byTestId('alarm-case-link'), 'href')
    const alarm = await p.database.db
      .selectFrom('device_alarm')
      .select(['case_id', 'incident_id'])
      .where('id', '=', smokeAlarm)
      .executeTakeFirstOrThrow()
    expect(caseLink).toBe(`#/cases/${alarm.case_id}`)
    expect(alarm.incident_id).not.toBeNull()
    await staff.waitForSelector(byTestId('alarm-incident'))
    await axe(staff, 'alarm detail')
    await shoot(staff, 'devices-alarm-detail.png')
    await staff.click(byTestId('alarm-action-acknowledge'))
    await staff.fill(byTestId('alarm-note'), '已通知网格员上门查看')
    await axe(staff, 'acknowledging an alarm')
    await staff.click(byTestId('alarm-action-submit'))
    await staff.waitForSelector(`${byTestId('alarm-detail')}[data-status="acknowledged"]`)
    await staff.waitForSelector(`${byTestId('alarm-event')}[data-kind="acknowledged"]`)
    const row = await p.database.db
      .selectFrom('device_alarm')
      .select(['status', 'ack_note'])
      .where('id', '=', smokeAlarm)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'acknowledged', ack_note: '已通知网格员上门查看' })
  }, 90_000)

  it('the inbox works on a phone', async () => {
    const grid = await signIn('guihua.grid', PHONE)
    await goto(grid, '#/devices/alarms')
    await grid.waitForSelector(`${byTestId('alarm-card')}[data-id="${smokeAlarm}"]`)
    await axe(grid, 'alarm inbox (phone)')
    await shoot(grid, 'devices-alarms-inbox-phone.png')
    const width = await grid.evaluate(() => document.documentElement.scrollWidth)
    expect(width).toBeLessThanOrEqual(PHONE.width + 1)
  }, 90_000)

  it('the admin adds a threshold rule: the form follows the trigger', async () => {
    const admin = await signIn('guihua.admin')
    await goto(admin, '#/devices/rules')
    await admin.waitForSelector(`${byTestId('rules-type')}[data-type="water_level"]`)
    await axe(admin, 'rules list')
    await admin.click(byTestId('rule-new-water_level'))
    await admin.waitForSelector(byTestId('rule-form'))
    expect(await admin.$(byTestId('rule-threshold'))).toBeNull()
    await admin.fill(byTestId('rule-name'), '浏览器测试：水位连续2次超80')
    const guihua = (
      await p.database.db.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01').executeTakeFirstOrThrow()
    ).id
    await admin.waitForSelector(`${byTestId('rule-area')} option[value="${guihua}"]`, { state: 'attached' })
    await admin.selectOption(byTestId('rule-area'), String(guihua))
    await admin.selectOption(byTestId('rule-trigger'), 'threshold')
    await admin.waitForSelector(byTestId('rule-threshold'))
    expect(await admin.$(byTestId('rule-kind'))).toBeNull()
    await admin.fill(byTestId('rule-threshold'), '80')
    await admin.fill(byTestId('rule-consecutive'), '2')
    const sb03 = (
      await p.database.db.selectFrom('case_category').select('id').where('code', '=', 'SB-03').executeTakeFirstOrThrow()
    ).id
    await admin.waitForSelector(`${byTestId('rule-category')} option[value="${sb03}"]`, { state: 'attached' })
    await admin.selectOption(byTestId('rule-category'), String(sb03))
    await axe(admin, 'rule form')
    await shoot(admin, 'devices-rule-form.png')
    await admin.click(byTestId('rule-save'))
    await admin.waitForSelector(`${byTestId('rule-row')} >> text=浏览器测试：水位连续2次超80`)
    const rule = await p.database.db
      .selectFrom('device_alarm_rule')
      .select(['trigger', 'metric', 'threshold', 'consecutive', 'area_id', 'category_id'])
      .where('name', '=', '浏览器测试：水位连续2次超80')
      .executeTakeFirstOrThrow()
    expect(rule).toEqual({
      trigger: 'threshold',
      metric: 'level_cm',
      threshold: 80,
      consecutive: 2,
      area_id: guihua,
      category_id: sb03,
    })
    await goto(admin, '#/devices/rules/types')
    await admin.waitForSelector(byTestId('types-table'))
    await axe(admin, 'device type settings')
  }, 90_000)

  it('the leader reads the community risk per grid and drills into the building', async () => {
    const leader = await signIn('guihua.leader')
    await goto(leader, '#/devices/risk')
    await leader.waitForSelector(byTestId('risk-grids'))
    await leader.waitForSelector(`${byTestId('risk-building-link')}[data-id="${building}"]`)
    await axe(leader, 'community risk')
    await shoot(leader, 'devices-risk.png')
    await leader.click(`${byTestId('risk-building-link')}[data-id="${building}"]`)
    await leader.waitForSelector(byTestId('risk-people'))
    const rows = await leader.$$eval(`${byTestId('risk-people')} tbody tr td:first-child`, (tds) =>
      tds.map((td) => td.textContent),
    )
    expect(rows).toEqual(['钱**', '孙**'])
    await axe(leader, 'building risk')
    await shoot(leader, 'devices-risk-building.png')
  }, 90_000)

  it('no page errors and no serious accessibility problems', () => {
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
