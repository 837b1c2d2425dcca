// The dashboard in a real browser: the district leader picks March 2020 (a month the demo city has
// no case in) where four cases of 桂花 were inserted with exact times, and reads the three 12345
// rates with their definitions, the figures around them (not rated, direct answers, proactive
// share, returns), the handling rates under their own names, and the GB/T 30428 evaluation table
// ranked per department and per street, in zh-CN and in English. Screenshots; axe on the page.
// Needs `npm run build:web` and Chromium.
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserSession, byTestId } from './browser-support.js'

const session = browserSession({ what: 'the dashboard browser test' })

// March 2020, 桂花 grid G01, times UTC (Shanghai UTC+8):
// B1 hotline QH-CG    rated: contacted on time; handle due 03-10, replied 03-09, closed 03-10; satisfied, solved.
// B2 hotline QH-01-ZF rated: returned once (denied), contacted late, one extension; handle due 03-20,
//                            replied 03-22 (late), closed 03-23; unsatisfied, not solved.
// B3 proactive QH-CG  closed: no contact, not rateable; handle due 03-15, replied 03-14, closed 03-15.
// B4 hotline —        closed: answered directly; the requester declined the call-back (not rated).
// Three rates: response 1/2 (B1 on time, B2 late), resolution 1/2, satisfaction 1/2 (default weights).
// Proactive 1 of 4 = 25%; not rated 1; direct answers 1; returns 1 (1 denied).
// Evaluation (due in March: B1 B2 B3; B4 is a direct answer):
//   QH-CG    B1 B3: closed 2, on time 2, satisfaction 100% → score 100, rank 1
//   QH-01-ZF B2: closed 1, on time 0, extension and return 100%, satisfaction 0%:
//            100·(0.3·0 + 0.2·1 + 0.15·1 + 0.1·0 + 0.25·0) = 35, rank 2
const T = (md: string, hh = '02') => new Date(`2020-${md}T${hh}:00:00Z`)

async function fixture(p: Parameters<NonNullable<Parameters<typeof session.open>[0]>>[0]) {
  const db = p.database.db
  const one = async (q: ReturnType<typeof sql<{ id: number }>>) => Number((await q.execute(db)).rows[0]!.id)
  const grid = await one(sql`select id from area where code = 'JZ-QH-01-01-G01'`)
  const district = await one(sql`select id from area where code = 'JZ-QH'`)
  const category = await one(sql`select id from case_category where code = 'DL-03'`)
  const cg = await one(sql`select id from department where code = 'QH-CG'`)
  const zf = await one(sql`select id from department where code = 'QH-01-ZF'`)
  const handler = await one(sql`select id from app_user where username = 'guihua.handler'`)
  const base = {
    category_id: category,
    area_id: grid,
    district_id: district,
    description: '看板浏览器测试案件',
  }
  const insert = async (values: Record<string, unknown>) =>
    Number(
      (
        await db
          .insertInto('cases')
          .values({ ...base, ...values } as never)
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    )
  await insert({
    tracking_code: 'DASH-B1',
    channel: 'hotline',
    state: 'rated',
    department_id: cg,
    submitted_at: T('03-02'),
    response_due_at: T('03-02', '06'),
    responded_at: T('03-02', '03'),
    contact_required: true,
    contact_due_at: T('03-03'),
    contacted_at: T('03-02', '05'),
    handle_due_at: T('03-10'),
    replied_at: T('03-09'),
    closed_at: T('03-10'),
    rating_status: 'rated',
    rating: 'satisfied',
    solved: true,
    updated_at: T('03-10'),
  })
  const b2 = await insert({
    tracking_code: 'DASH-B2',
    channel: 'hotline',
    state: 'rated',
    department_id: zf,
    submitted_at: T('03-04'),
    response_due_at: T('03-04', '06'),
    responded_at: T('03-04', '05'),
    contact_required: true,
    contact_due_at: T('03-05'),
    contacted_at: T('03-05', '09'),
    extension_count: 1,
    return_count: 1,
    return_denied_count: 1,
    handle_due_at: T('03-20'),
    replied_at: T('03-22'),
    closed_at: T('03-23'),
    rating_status: 'rated',
    rating: 'unsatisfied',
    solved: false,
    updated_at: T('03-23'),
  })
  for (const [action, at, dept] of [
    ['return', T('03-04', '03'), zf],
    ['deny_return', T('03-04', '04'), null],
  ] as const)
    await db
      .insertInto('case_event')
      .values({
        case_id: b2,
        at,
        action,
        from_state: 'dispatched',
        to_state: action === 'return' ? 'return_requested' : 'dispatched',
        actor_id: handler,
        actor_name: 'guihua.handler',
        actor_role: dept ? 'handler' : 'triage',
        department_id: dept,
      } as never)
      .execute()
  await insert({
    tracking_code: 'DASH-B3',
    channel: 'proactive',
    state: 'closed',
    department_id: cg,
    rateable: false,
    submitted_at: T('03-08'),
    response_due_at: T('03-08', '06'),
    responded_at: T('03-08', '03'),
    handle_due_at: T('03-15'),
    replied_at: T('03-14'),
    closed_at: T('03-15'),
    updated_at: T('03-15'),
  })
  await insert({
    tracking_code: 'DASH-B4',
    channel: 'hotline',
    state: 'closed',
    submitted_at: T('03-12'),
    response_due_at: T('03-12', '06'),
    contact_required: true,
    direct_answer: true,
    closed_at: T('03-12', '03'),
    rating_status: 'not_rated',
    callback_attempts: 1,
    updated_at: T('03-12', '03'),
  })
}

describe.skipIf(session.skip)('the dashboard’s rates and evaluation in a browser (pglite)', () => {
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let leader: Page

  beforeAll(async () => {
    await session.open(fixture)
  })
  afterAll(() => session.close())

  const text = (page: Page, id: string) => page.textContent(byTestId(id)).then((s) => (s ?? '').replace(/\s+/g, ' '))

  it('shows the three 12345 rates with their definitions and the figures around them', async () => {
    leader = await signIn('leader')
    await goto(leader, '#/dashboard')
    await leader.waitForSelector(byTestId('page-dashboard'))
    await leader.fill(byTestId('dash-from'), '2020-03-01')
    await leader.fill(byTestId('dash-to'), '2020-03-31')
    await leader.waitForFunction(
      () => document.querySelector('[data-testid="dash-kpi-total"]')?.textContent?.trim() === '4',
    )
    for (const [k, name] of [
      ['responseRate', '响应率'],
      ['resolutionRate', '解决率'],
      ['satisfactionRate', '满意率'],
    ] as const) {
      const caption = await text(leader, `dash-gauge-${k}`)
      expect(caption).toContain(name)
      expect(await leader.getAttribute(`${byTestId(`dash-gauge-${k}`)} [role="img"]`, 'aria-label')).toContain('50')
    }
    // The definitions: the legend in words, the server's definition on hover.
    expect(await text(leader, 'dash-gauge-responseRate')).toContain('应联系工单')
    expect(await text(leader, 'dash-gauge-satisfactionRate')).toContain('基本满意 × 1')
    expect(await leader.getAttribute(`${byTestId('dash-gauge-responseRate')} figcaption .muted`, 'title')).toContain(
      'contactedOnTime / contactDue',
    )
    // The handling figures under their own names.
    expect(await text(leader, 'dash-process')).toContain('签收率')
    expect(await text(leader, 'dash-process')).toContain('办结率')
    expect(await text(leader, 'dash-figure-notRated')).toBe('1')
    expect(await text(leader, 'dash-figure-directAnswers')).toBe('1')
    expect(await text(leader, 'dash-figure-proactiveShare')).toContain('25')
    expect(await text(leader, 'dash-figure-returns')).toContain('驳回 1')
  })

  it('ranks departments and streets by the GB/T 30428 composite score', async () => {
    await leader.waitForSelector(`${byTestId('dash-evaluation-row')}`)
    const rows = async () =>
      leader.$$eval('[data-testid="dash-evaluation-row"]', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td, th')].map((c) => (c.textContent ?? '').trim())),
      )
    await leader.waitForFunction(() => document.querySelectorAll('[data-testid="dash-evaluation-row"]').length === 2)
    const byDept = await rows()
    // rank, name, due, closed, on time, closure, on-time closure, rework, extension, return, satisfaction, shelved, score
    expect(byDept.map((r) => [r[0], r[2], r[3], r[4], r[12]])).toEqual([
      ['1', '2', '2', '2', '100'],
      ['2', '1', '1', '0', '35'],
    ])
    expect(byDept[1]![8]).toBe('100%') // extension
    expect(byDept[1]![9]).toBe('100%') // return
    expect(await text(leader, 'dash-evaluation-total')).toContain('3')
    expect(await text(leader, 'dash-evaluation-formula')).toContain('0.30 × 按期结案率')
    await axe(leader, 'dashboard')
    await shoot(leader, 'dashboard-rates-evaluation.png')

    await leader.selectOption(byTestId('dash-evaluation-group'), 'street')
    await leader.waitForFunction(() => {
      const rows = document.querySelectorAll('[data-testid="dash-evaluation-row"]')
      return rows.length === 1 && rows[0]!.textContent!.includes('东湖')
    })
    // 东湖 holds all three due cases: 0.3·2/3 + 0.2·1 + 0.15·1 + 0.1·2/3 + 0.25·1/2 = 0.7417
    expect((await rows())[0]![12]).toBe('74.17')
  })

  it('reads the same in English', async () => {
    await leader.selectOption(byTestId('lang-switch'), 'en')
    await leader.waitForFunction(() =>
      document.querySelector('[data-testid="dash-gauge-resolutionRate"]')?.textContent?.includes('Resolution rate'),
    )
    expect(await text(leader, 'dash-evaluation')).toContain('Evaluation (GB/T 30428, cases due)')
    expect(await text(leader, 'dash-figure-returns')).toContain('1 denied')
    await axe(leader, 'dashboard (en)')
    await shoot(leader, 'dashboard-rates-evaluation-en.png')
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
