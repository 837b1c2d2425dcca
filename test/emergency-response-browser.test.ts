// Emergency response on the ground in a real browser: in an active heatwave of 桂花, the leader
// enrols the volunteer guihua.resident, gives them a task, allocates sandbags, opens the school
// gym as a shelter and checks a person in; the volunteer sees the task on a phone, starts it and
// completes it with a result; staff keep the inventory pages. axe checks every page of the part.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCheckList } from '../src/emergency/checks.js'
import { defaultCheckTags } from '../src/emergency/common.js'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const TASK = '给3号楼独居老人送饮用水（浏览器测试）'
const RESULT = '已送到，老人身体正常，室内开了空调'

const session = browserSession({ what: 'the emergency response browser test' })

describe.skipIf(session.skip)('emergency response screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let leader: Page
  let volunteer: Page
  let incident = 0
  let volunteerId = 0
  let sandbags = 0
  let gym = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
      const db = p.database.db
      const now = p.clock.now()
      const guihua = await db
        .selectFrom('area')
        .select(['id', 'path'])
        .where('code', '=', 'JZ-QH-01-01')
        .executeTakeFirstOrThrow()
      const lead = await db
        .selectFrom('app_user')
        .select('id')
        .where('username', '=', 'guihua.leader')
        .executeTakeFirstOrThrow()
      // An active heatwave over three grids (owner rights; declaring is the incidents part's screen).
      const made = await db
        .insertInto('incident')
        .values({
          reference: 'YJ-BROWSER-RESPONSE',
          area_id: guihua.id,
          district_id: Number(guihua.path.split('/').filter(Boolean)[1]),
          kind: 'heatwave',
          level: 3,
          title: '高温应急响应（浏览器测试）',
          description: '浏览器测试用的高温应急事件',
          commander_id: lead.id,
          status: 'active',
          check_tags: [...defaultCheckTags],
          declared_by: lead.id,
          declared_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      incident = made.id
      const grids = await db
        .selectFrom('area')
        .select('id')
        .where('code', 'in', ['JZ-QH-01-01-G01', 'JZ-QH-01-01-G02', 'JZ-QH-01-01-G03'])
        .execute()
      await db
        .insertInto('incident_grid')
        .values(grids.map((g) => ({ incident_id: incident, area_id: g.id })))
        .execute()
      await buildCheckList(
        db as never,
        incident,
        grids.map((g) => g.id),
        defaultCheckTags,
        now,
      )
      volunteerId = (
        await db
          .selectFrom('volunteer as v')
          .innerJoin('app_user as u', 'u.id', 'v.user_id')
          .select('v.id')
          .where('u.username', '=', 'guihua.resident')
          .executeTakeFirstOrThrow()
      ).id
      sandbags = (
        await db
          .selectFrom('emergency_resource')
          .select('id')
          .where('area_id', '=', guihua.id)
          .where('name', '=', '防汛沙袋')
          .executeTakeFirstOrThrow()
      ).id
      gym = (
        await db
          .selectFrom('emergency_shelter')
          .select('id')
          .where('name', '=', '桂花小学体育馆')
          .executeTakeFirstOrThrow()
      ).id
    })
  })

  afterAll(() => session.close())

  it('the leader enrols the volunteer and gives them a task', async () => {
    leader = await signIn('guihua.leader')
    await goto(leader, `#/emergency/response/incidents/${incident}`)
    await leader.waitForSelector(byTestId('tasks-panel'))
    await leader.waitForSelector(`${byTestId('enrol-volunteer')} option[value="${volunteerId}"]`, { state: 'attached' })
    await axe(leader, 'response board (empty)')
    await leader.selectOption(byTestId('enrol-volunteer'), String(volunteerId))
    await leader.click(byTestId('enrol-submit'))
    await leader.waitForSelector(byTestId('responder'))
    await leader.click(byTestId('task-new'))
    await leader.waitForSelector(byTestId('task-form'))
    await leader.fill(byTestId('task-title'), TASK)
    await leader.fill(byTestId('task-description'), '到党群服务中心领两箱水，送到3号楼2单元。')
    await leader.waitForSelector(`${byTestId('task-assignee')} option:not([value=""])`, { state: 'attached' })
    const residentUser = await leader.getAttribute(byTestId('responder'), 'data-user')
    await leader.selectOption(byTestId('task-assignee'), String(residentUser))
    await leader.selectOption(byTestId('task-priority'), 'urgent')
    await axe(leader, 'task form')
    await leader.click(byTestId('task-submit'))
    await leader.waitForSelector(`${byTestId('task-card')} >> text=${TASK}`)
    const task = await p.database.db
      .selectFrom('incident_task')
      .select(['status', 'assignee_id', 'priority'])
      .where('incident_id', '=', incident)
      .executeTakeFirstOrThrow()
    expect(task).toMatchObject({ status: 'open', assignee_id: Number(residentUser), priority: 'urgent' })
  }, 90_000)

  it('the leader allocates sandbags, opens the school gym and checks a person in', async () => {
    await leader.waitForSelector(`${byTestId('allocate-resource')} option[value="${sandbags}"]`, { state: 'attached' })
    await leader.selectOption(byTestId('allocate-resource'), String(sandbags))
    await leader.fill(byTestId('allocate-quantity'), '50')
    await leader.click(byTestId('allocate-submit'))
    await leader.waitForSelector(byTestId('allocation'))
    expect(
      (
        await p.database.db
          .selectFrom('emergency_resource')
          .select('available')
          .where('id', '=', sandbags)
          .executeTakeFirstOrThrow()
      ).available,
    ).toBe(450)
    // Beyond stock is refused, in words.
    await leader.fill(byTestId('allocate-quantity'), '5000')
    await leader.click(byTestId('allocate-submit'))
    await leader.waitForSelector(byTestId('allocate-error'))
    const gymCard = `${byTestId('shelter-card')}[data-id="${gym}"]`
    await leader.click(`${gymCard} ${byTestId('shelter-open')}`)
    await leader.waitForSelector(`${gymCard}[data-status="open"]`)
    await leader.waitForSelector(byTestId('checkin-form'))
    await leader.selectOption(byTestId('checkin-shelter'), String(gym))
    await leader.fill(byTestId('checkin-name'), '王秀兰一家')
    await leader.fill(byTestId('checkin-people'), '3')
    await leader.fill(byTestId('checkin-note'), '家中停电，老人怕热')
    await leader.click(byTestId('checkin-submit'))
    await leader.waitForSelector(`${gymCard} ${byTestId('occupant')}`)
    expect(await leader.getAttribute(`${gymCard} ${byTestId('occupancy')}`, 'data-occupancy')).toBe('3')
    await axe(leader, 'response board (tasks, allocations, shelter with people)')
    await shoot(leader, 'emergency-response-board.png')
  }, 90_000)

  it('the volunteer sees the task on a phone, starts it and completes it with a result', async () => {
    volunteer = await signIn('guihua.resident', PHONE)
    await goto(volunteer, '#/emergency/response')
    const card = `${byTestId('my-task')} >> text=${TASK}`
    await volunteer.waitForSelector(card)
    await axe(volunteer, 'my tasks (phone)')
    await shoot(volunteer, 'emergency-response-my-tasks-phone.png')
    const mine = byTestId('my-task')
    expect(await volunteer.$(`${mine} ${byTestId('task-action-cancel')}`)).toBeNull()
    await volunteer.click(`${mine} ${byTestId('task-action-start')}`)
    await volunteer.waitForSelector(`${mine}[data-status="in_progress"]`)
    await volunteer.click(`${mine} ${byTestId('task-action-complete')}`)
    await volunteer.fill(`${mine} ${byTestId('task-result')}`, RESULT)
    await axe(volunteer, 'completing a task (phone)')
    await volunteer.click(`${mine} ${byTestId('task-complete-submit')}`)
    await volunteer.waitForSelector(`${mine}[data-status="done"]`)
    await shoot(volunteer, 'emergency-response-task-done-phone.png')
    const task = await p.database.db
      .selectFrom('incident_task')
      .select(['status', 'result'])
      .where('incident_id', '=', incident)
      .executeTakeFirstOrThrow()
    expect(task).toEqual({ status: 'done', result: RESULT })
    const log = await p.database.db
      .selectFrom('incident_log')
      .select('kind')
      .where('incident_id', '=', incident)
      .orderBy('id')
      .execute()
    expect(log.map((l) => l.kind)).toEqual(
      expect.arrayContaining([
        'responder_enrolled',
        'task_created',
        'resource_allocated',
        'shelter_status',
        'shelter_checkin',
        'task_start',
        'task_complete',
      ]),
    )
  }, 90_000)

  it('staff keep the inventory: resources and shelters, also in English', async () => {
    await goto(leader, '#/emergency/response')
    await leader.waitForSelector(byTestId('link-resources'))
    await leader.click(byTestId('link-resources'))
    await leader.waitForSelector(byTestId('resource-row'))
    await axe(leader, 'resources inventory')
    await leader.click(byTestId('resource-new'))
    await leader.waitForSelector(byTestId('resource-form'))
    await axe(leader, 'resource form')
    await leader.click(byTestId('back-to-tasks'))
    await leader.waitForSelector(byTestId('link-shelters'))
    await leader.click(byTestId('link-shelters'))
    await leader.waitForSelector(byTestId('shelter-row'))
    await axe(leader, 'shelters inventory')
    await leader.selectOption(byTestId('lang-switch'), 'en')
    await leader.waitForSelector(`${byTestId('shelters-page')} >> text=Shelters`)
    await shoot(leader, 'emergency-response-shelters-en.png')
    await leader.selectOption(byTestId('lang-switch'), 'zh-CN')
  }, 90_000)

  it('found no serious or critical accessibility violations on the new pages', () => {
    expect(a11yProblems).toEqual([])
  })

  it('raised no uncaught errors in the pages', () => {
    expect(pageProblems).toEqual([])
  })
})
