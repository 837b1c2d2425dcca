// Key topics and smart dispatch in a real browser, on a year of generated history tagged by the
// tagger and a model trained on its closed cases: the district leader reads the topic trends (the
// page's totals against GET /api/v1/topics/trends) and the topic of the month per street; the city's
// admin adds a keyword to a topic's rule and sees the tagger's sweep announced; the hotline operator
// types a report and accepts the first suggested category (recorded with its model version).
// Screenshots (desktop and phone); axe on every new screen. Needs `npm run build:web` and Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trainDispatchModel } from '../src/analytics/dispatch.js'
import { tagTopics } from '../src/analytics/topics.js'
import { generate } from '../src/operations/generate.js'
import { browserSession, byTestId, PHONE } from './browser-support.js'
import { call, tokenFor } from './support.js'

const session = browserSession({ what: 'the key topics browser test' })

describe.skipIf(session.skip)('key topics and smart dispatch in a browser (pglite)', () => {
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  beforeAll(async () => {
    await session.open(async (p) => {
      await generate(p.database, { counts: { cases: 400 }, seed: 11, until: p.clock.now(), years: 1, log: () => {} })
      await tagTopics(p.database.db)
      await p.database.db.transaction().execute((tx) => trainDispatchModel(tx, null, p.clock.now()))
    })
  }, 600_000)
  afterAll(() => session.close())

  it('shows the topic trends and the topic of the month of each street', async () => {
    const p = session.p
    const leader = await signIn('leader')
    await goto(leader, '#/topics')
    await leader.waitForSelector(byTestId('page-topics'))
    await leader.waitForSelector(`${byTestId('topics-chart')} svg`)
    await leader.selectOption(byTestId('topics-interval'), 'month')
    const from = await leader.inputValue(byTestId('topics-from'))
    const to = await leader.inputValue(byTestId('topics-to'))
    const api = (
      await call(p.app, 'GET', `/api/v1/topics/trends?from=${from}&to=${to}&interval=month`, {
        token: await tokenFor(p.app, 'leader'),
      })
    ).body
    const busiest = [...api.series].sort((a: { total: number }, b: { total: number }) => b.total - a.total)[0]
    expect(busiest.total).toBeGreaterThan(0)
    await leader.waitForSelector(byTestId(`topics-total-${busiest.topic.code}`))
    expect(await leader.textContent(`${byTestId(`topics-total-${busiest.topic.code}`)} td`)).toBe(String(busiest.total))
    // The topic of the month: a card per street of the district, the formula beside them.
    await leader.waitForSelector(byTestId('topics-month-JZ-QH-01'))
    expect(await leader.textContent(byTestId('topics-formula'))).toContain('score')
    await leader.waitForSelector(byTestId('topics-model'))
    expect(await leader.textContent(byTestId('topics-model'))).toContain('v1')
    await shoot(leader, 'topics-leader.png')
    await axe(leader, 'key topics, the leader')
  })

  it('lets the city’s admin change a topic’s rule, which tags every case again', async () => {
    const admin = await signIn('admin')
    await goto(admin, '#/topics')
    await admin.click(byTestId('topics-edit-MEDICAL'))
    await admin.waitForSelector(byTestId('topics-rule-form'))
    const keywords = await admin.inputValue(byTestId('topics-rule-keywords'))
    await admin.fill(byTestId('topics-rule-keywords'), `${keywords}, 看病难`)
    await axe(admin, 'key topics, the rule form')
    await admin.click(byTestId('topics-rule-save'))
    await admin.waitForSelector(byTestId('topics-rule-form'), { state: 'detached' })
    expect(await admin.textContent(byTestId('topics-rule-MEDICAL'))).toContain('看病难')
    const rows = await session.p.database.db.selectFrom('topic_tagger').select('sweep_after').executeTakeFirstOrThrow()
    expect(rows.sweep_after).not.toBeNull() // the sweep runs again (the test's server has no periodic tagger)
    await shoot(admin, 'topics-rule-edited.png')
  })

  it('suggests categories as a hotline call is typed, and records the suggestion', async () => {
    const staff = await signIn('guihua.staff')
    await goto(staff, '#/report')
    await staff.waitForSelector(byTestId('report-description'))
    await staff.fill(byTestId('report-description'), '3号楼的电梯坏了，有人被困在里面')
    await staff.waitForSelector(byTestId('dispatch-suggestions-categories'))
    await staff.click(byTestId('dispatch-accept-1'))
    await staff.waitForSelector(`${byTestId('dispatch-accept-1')}:disabled`)
    const s = await session.p.database.db
      .selectFrom('dispatch_suggestion')
      .select(['model_id', 'source', 'categories'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    expect(s).toMatchObject({ model_id: 1, source: 'intake' })
    await shoot(staff, 'topics-intake-suggestions.png')
    await axe(staff, 'the report form with suggestions')
  })

  it('fits a phone and has no page errors or serious accessibility problems', async () => {
    const phone = await signIn('donghu.staff', PHONE)
    await goto(phone, '#/topics')
    await phone.waitForSelector(`${byTestId('topics-chart')} svg`)
    await shoot(phone, 'topics-phone.png')
    await axe(phone, 'key topics on a phone')
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
