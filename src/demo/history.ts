import { seedAssessmentRunsDemo } from '../analytics/assessment-demo.js'
import { seedWarningsDemo } from '../analytics/warnings-demo.js'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { actorForUser } from '../accounts/service.js'
import { performAction, type ActionInput } from '../cases/actions.js'
import { createCase, type NewCase } from '../cases/intake.js'
import { storePhoto } from '../cases/photos.js'
import type { Channel } from '../cases/workflow.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Database, Db } from '../core/db.js'
import { mulberry32 } from '../core/random.js'
import { asSystem, inScope, type RequestContext } from '../core/scope.js'
import { generate, generateSteps, type EntityReport } from '../operations/generate.js'
import { pngOf } from '../training/courses-demo.js'
import { linkCasesToComponents } from './components.js'

/*
 * A living demo city: the first start of a fresh demo fills it with a year of history and with work
 * waiting in every demo account's queue, so that a person trying the product sees the loop turn
 * (queues, dashboard, heat map, statistics) instead of empty pages.
 *
 * - The year is written by the bulk generator (src/operations/generate*.ts), the same one the
 *   benchmark uses: a few thousand cases over the whole city in every state, tier and channel, with
 *   their events, contacts, call-backs, returns and shelving; the patrol logs of the grid workers
 *   (the patrols step); and cases of component categories linked to the demo's components.
 * - The waiting work is filed and moved through the real workflow (createCase, performAction) as
 *   the demo accounts themselves, in the last hours before now: each case is exactly what the API
 *   would have made, timers, notifications and audit included.
 * - A marker (the audit entry `demo.history`) makes a second call do nothing.
 *
 * Only the start path calls this, right after it seeded the demo city into an empty database; the
 * test template and the benchmark seed the demo without it (they count cases).
 */

/** Cases in the generated year: enough for every state and tier to show, seconds on PGlite. */
export const DEMO_HISTORY_CASES = 3000
/**
 * Patrols in the year: the demo's own grid workers patrol most working days (≈400 a year between
 * them); the rest are by workers the patrols step adds to the grids with the fewest, so that the
 * coverage and the day's tracks show more than two grids.
 */
export const DEMO_HISTORY_PATROLS = 600
const MARKER = 'demo.history'
const HOUR = 3_600_000

export interface DemoHistoryReport {
  generated: EntityReport[]
  /** Waiting cases by the queue they wait in (`<account>: <state>`). */
  waiting: Record<string, number>
  seconds: number
}

/** Whether the demo history was written already. */
export async function hasDemoHistory(db: Db): Promise<boolean> {
  return !!(await db.selectFrom('audit_log').select('id').where('action', '=', MARKER).limit(1).executeTakeFirst())
}

/**
 * Writes the year of history and the waiting work into a seeded demo city, once. Answers null when
 * it was there already. Refused on a database without the demo accounts (a real jurisdiction).
 */
export async function seedDemoHistory(
  database: Database,
  opts: {
    cipher: FieldCipher
    now: Date
    cases?: number
    patrols?: number
    seed?: number
    log?: (line: string) => void
  },
): Promise<DemoHistoryReport | null> {
  const db = database.db
  if (await hasDemoHistory(db)) return null
  const demo = await db.selectFrom('app_user').select('id').where('is_demo', '=', true).limit(1).executeTakeFirst()
  if (!demo) throw new Error('the database holds no demo city: the demo history goes only into the demo')
  const started = performance.now()
  const log = opts.log ?? (() => {})
  const counts: Record<string, number> = { cases: opts.cases ?? DEMO_HISTORY_CASES }
  // Patrol logs, where their step exists (the grid module's).
  if (generateSteps.some((s) => s.entity === 'patrols')) counts.patrols = opts.patrols ?? DEMO_HISTORY_PATROLS
  const generated = await generate(database, {
    counts,
    seed: opts.seed ?? 1,
    years: 1,
    until: opts.now,
    log,
    cipher: opts.cipher,
    rebuildIndexes: false,
  })
  // Cases of component categories are about a component of their grid (its case history).
  const components = await asSystem(db, (tx) => linkCasesToComponents(tx))
  log(`components: ${components.linked} generated cases linked to the demo's components`)
  const waiting = await seedWaitingWork(db, opts.cipher, opts.now)
  // Last month's assessment, scored from that history (a run, a reward, a penalty, an open appeal).
  const assessment = await seedAssessmentRunsDemo(db, opts.now)
  log(`assessment: ${assessment.assessmentRuns} runs of last month`)
  // Early warnings for the demo leaders: a planted spike and repeats, then the detector over the history.
  const warnings = await seedWarningsDemo(db, opts.cipher, opts.now)
  log(`warnings: ${warnings.detected.raised} raised`)
  // The calls behind the planted warnings wait in triage's queue like the rest.
  waiting.earlyWarningCalls = warnings.planted
  const seconds = (performance.now() - started) / 1000
  await recordAudit(
    db,
    { actor: null, ip: 'local' },
    {
      action: MARKER,
      detail: {
        until: opts.now.toISOString(),
        rows: Object.fromEntries(generated.map((r) => [r.entity, r.rows])),
        waiting,
        seconds: Math.round(seconds * 10) / 10,
      },
    },
  )
  return { generated, waiting, seconds }
}

interface Category {
  id: number
  code: string
  name: string
  photoRequired: boolean
  verify: boolean
  kind: string
}

/**
 * A handful of cases waiting in each demo account's queue, in both demo communities: reports to
 * verify on site (grid worker), new reports and an enquiry (triage), dispatched cases to accept and
 * contact (handlers, the district's too), a return to review, an extension and a shelving to
 * decide (leader), replies to check on site (grid worker), a verified case to close, closed cases
 * to call back (hotline), and a shelved case. Answers how many wait in each queue.
 */
export async function seedWaitingWork(db: Db, cipher: FieldCipher, now: Date): Promise<Record<string, number>> {
  const rng = mulberry32(20261207)
  const users = new Map<string, RequestContext>()
  const ctxOf = async (username: string): Promise<RequestContext> => {
    let ctx = users.get(username)
    if (!ctx) {
      const u = await db.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow()
      const actor = await actorForUser(db, u.id)
      if (!actor) throw new Error(`demo account ${username} cannot act`)
      ctx = { actor, ip: 'local' }
      users.set(username, ctx)
    }
    return ctx
  }
  const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * HOUR)
  // A picture for the reports and checks that need one: a plain sky-and-street scene.
  const picture = pngOf(64, 48, (x, y) =>
    y < 20 ? [150 + x, 190 + (x >> 2), 235] : [90 + ((x * 7 + y * 3) % 40), 90 + ((x + y) % 30), 85],
  )
  const photo = async (username: string) => {
    const ctx = await ctxOf(username)
    return (await inScope(db, ctx, (tx) => storePhoto(tx, ctx, picture, 'image/png'))).token
  }
  const waiting: Record<string, number> = {}
  const count = (queue: string) => {
    waiting[queue] = (waiting[queue] ?? 0) + 1
  }

  // Leaf categories a report can be filed in without extra attributes, with their routing.
  const leaves = (
    await sql<{
      id: number
      code: string
      name_zh: string
      photo_required: boolean
      verify_before_filing: boolean
      kind: string
    }>`
      select c.id, c.code, c.name_zh, c.photo_required, c.verify_before_filing, c.kind
      from case_category c
      where c.is_leaf and c.active
        and not exists (select 1 from jsonb_array_elements(c.attributes) a where (a->>'required')::boolean)
      order by c.code`.execute(db)
  ).rows.map(
    (c): Category => ({
      id: c.id,
      code: c.code,
      name: c.name_zh,
      photoRequired: c.photo_required,
      verify: c.verify_before_filing,
      kind: c.kind,
    }),
  )
  /** Categories routed (by the nearest area on the grid's path that routes them) to the department with this code. */
  const routedTo = async (gridId: number, departmentCode: string) => {
    const { rows } = await sql<{ id: number; code: string }>`
      select distinct on (r.category_id) r.category_id as id, d.code
      from area g
      join category_routing r on r.area_id::text = any (string_to_array(trim(both '/' from g.path), '/'))
      join area a on a.id = r.area_id
      join department d on d.id = r.department_id
      where g.id = ${gridId}
      order by r.category_id, length(a.path) desc`.execute(db)
    const ids = new Set(rows.filter((r) => r.code === departmentCode).map((r) => r.id))
    return leaves.filter((c) => ids.has(c.id))
  }

  for (const slug of ['guihua', 'cuizhu'] as const) {
    const staff = `${slug}.staff`
    const handler = `${slug}.handler`
    const grid = `${slug}.grid`
    const leader = `${slug}.leader`
    const resident = `${slug}.resident`
    // The grid worker's grid: the waiting work lies there, so the grid worker's tasks have it too.
    const gridRow = await sql<{ id: number; code: string }>`
      select a.id, a.code from area a join role_grant g on g.area_id = a.id join app_user u on u.id = g.user_id
      where u.username = ${grid} and g.role = 'grid_worker' limit 1`.execute(db)
    const gridId = gridRow.rows[0]!.id
    const points = (
      await sql<{ lng: number; lat: number }>`
        select ST_X(p.geom) as lng, ST_Y(p.geom) as lat
        from area a, ST_Dump(ST_GeneratePoints(a.boundary, 40, 7)) p where a.id = ${gridId}`.execute(db)
    ).rows
    let pointIndex = 0
    const nextPoint = () => {
      const p = points[pointIndex++ % points.length]!
      return { lng: Math.round(p.lng * 1e7) / 1e7, lat: Math.round(p.lat * 1e7) / 1e7 }
    }
    const handlerDept = await db
      .selectFrom('app_user as u')
      .innerJoin('department as d', 'd.id', 'u.department_id')
      .select(['d.code'])
      .where('u.username', '=', handler)
      .executeTakeFirstOrThrow()
    const ours = await routedTo(gridId, handlerDept.code)
    const district = await routedTo(gridId, 'QH-CG')
    const enquiry = leaves.find((c) => c.kind === 'enquiry')
    const toVerify = leaves.filter((c) => c.verify)
    const choose = (list: Category[], i: number) => list[i % list.length]!
    let serial = 0

    /** Files a report and walks it through `steps`, each `[account, action input, hours ago]`. */
    const story = async (
      reporter: { as: string; channel: Channel; phone?: boolean },
      category: Category,
      hoursAgo: number,
      steps: [string, ActionInput, number][],
      queue: string,
    ) => {
      const phoneDigits = `139${String(10_000_000 + Math.floor(rng() * 89_999_999))}`
      const body: NewCase = {
        categoryCode: category.code,
        location: nextPoint(),
        description: `${category.name}：${DETAILS[serial++ % DETAILS.length]}`,
        channel: reporter.channel,
        ...(reporter.channel === 'hotline' ? { reporterName: CALLERS[serial % CALLERS.length] } : {}),
        ...(reporter.phone ? { reporterPhone: phoneDigits } : {}),
        // The reporter's photo (a hotline operator's is the one the caller sent by message).
        ...(category.photoRequired ? { photos: [await photo(reporter.as)] } : {}),
      }
      const ctx = await ctxOf(reporter.as)
      const filed = await inScope(db, ctx, (tx) => createCase(tx, ctx, body, at(hoursAgo), { cipher }))
      for (const [who, input, ago] of steps) {
        const actor = await ctxOf(who)
        await inScope(db, actor, (tx) => performAction(tx, actor, filed.id, input, at(ago)))
      }
      count(queue)
      return filed.id
    }

    const call = { as: staff, channel: 'hotline' as Channel, phone: true }
    const portal = { as: resident, channel: 'portal' as Channel }
    const contact = (reached = true): ActionInput => ({
      action: 'contact_requester',
      contactMethod: 'phone',
      reached,
      comment: reached ? '已电话联系诉求人，约定上门查看时间' : '电话无人接听，稍后再联系',
    })
    const reply: ActionInput = { action: 'reply', result: '已到现场处理完毕，并向诉求人说明处理情况' }
    /** From acceptance to the department's first contact, starting `h` hours ago. */
    const intake = (h: number): [string, ActionInput, number][] => [
      [staff, { action: 'accept' }, h - 0.5],
      [handler, { action: 'department_accept' }, h - 1],
      [handler, contact(), h - 1.5],
    ]

    // Grid worker: public reports to verify on site before filing (核实).
    if (toVerify.length) {
      await story(portal, choose(toVerify, 0), 1.5, [], `${grid}: verifying`)
      await story(call, choose(toVerify, 1), 0.7, [], `${grid}: verifying`)
    }
    // Triage: new reports to accept, and an enquiry to answer directly.
    const plain = ours.filter((c) => !c.verify)
    const noVerify = plain.length ? plain : ours
    await story(call, choose(noVerify, 2), 0.5, [], `${staff}: submitted`)
    if (enquiry) await story(call, enquiry, 0.3, [], `${staff}: submitted`)
    // Handlers: just dispatched (the return window still open), and one from the morning.
    await story(call, choose(noVerify, 3), 1, [[staff, { action: 'accept' }, 0.8]], `${handler}: dispatched`)
    await story(portal, choose(noVerify, 4), 6, [[staff, { action: 'accept' }, 5.5]], `${handler}: dispatched`)
    // Triage or the leader: a return to review (退单审核).
    await story(
      call,
      choose(noVerify, 5),
      3,
      [
        [staff, { action: 'accept' }, 2.8],
        [
          handler,
          {
            action: 'return',
            returnReason: 'not_our_duty',
            comment: '该点位属于物业管理区域，应由物业服务企业处理',
          },
          2,
        ],
      ],
      `${staff}: return_requested`,
    )
    // Handlers: in progress, one waiting for its first contact, one contacted.
    await story(
      call,
      choose(noVerify, 6),
      4,
      [
        [staff, { action: 'accept' }, 3.8],
        [handler, { action: 'department_accept' }, 3],
      ],
      `${handler}: in_progress`,
    )
    await story(call, choose(noVerify, 7), 26, intake(26), `${handler}: in_progress`)
    // Leader: an extension and a shelving to decide.
    await story(
      call,
      choose(noVerify, 8),
      50,
      [
        ...intake(50),
        [
          handler,
          { action: 'request_extension', workdays: 3, comment: '需协调产权单位共同整改，申请延期3个工作日' },
          20,
        ],
      ],
      `${leader}: extension`,
    )
    await story(
      portal,
      choose(noVerify, 9),
      70,
      [
        ...intake(70),
        [handler, { action: 'request_shelving', comment: '涉及历史遗留产权问题，暂不具备解决条件，申请挂账' }, 10],
      ],
      `${leader}: shelving`,
    )
    // Grid worker: replies to check on site.
    for (const [i, h] of [
      [10, 30],
      [11, 9],
    ] as const) {
      const c = choose(noVerify, i)
      await story(call, c, h, [...intake(h), [handler, reply, h - 4]], `${grid}: replied`)
    }
    // Triage: a verified case to close.
    {
      const c = choose(noVerify, 12)
      await story(
        portal,
        c,
        28,
        [...intake(28), [handler, reply, 20], [grid, { action: 'verify_pass' }, 3]],
        `${staff}: verified`,
      )
    }
    // Hotline: closed cases to call back (回访), one already tried once.
    for (const [i, h, tried] of [
      [13, 52, false],
      [14, 75, true],
    ] as const) {
      const c = choose(noVerify, i)
      await story(
        call,
        c,
        h,
        [
          ...intake(h),
          [handler, reply, h - 20],
          [grid, { action: 'verify_pass' }, h - 24],
          [staff, { action: 'close' }, h - 25],
          ...(tried
            ? [
                [staff, { action: 'callback', reached: false, comment: '回访电话未接通' }, 4] as [
                  string,
                  ActionInput,
                  number,
                ],
              ]
            : []),
        ],
        `${staff}: closed (call-back)`,
      )
    }
    // Leader: a shelved case, under review.
    {
      const c = choose(noVerify, 15)
      await story(
        call,
        c,
        240,
        [
          ...intake(240),
          [handler, { action: 'request_shelving', comment: '需纳入明年改造计划统筹解决，申请挂账' }, 200],
          [leader, { action: 'shelve', comment: '同意挂账，纳入老旧小区改造计划，每月复核' }, 190],
        ],
        `${leader}: shelved`,
      )
    }
    // The district's handler (city management) in this community: one to accept, one in progress.
    if (district.length && slug === 'guihua') {
      await story(call, choose(district, 0), 2, [[staff, { action: 'accept' }, 1.8]], 'qh.handler: dispatched')
      await story(
        portal,
        choose(district, 1),
        8,
        [
          [staff, { action: 'accept' }, 7.5],
          ['qh.handler', { action: 'department_accept' }, 7],
        ],
        'qh.handler: in_progress',
      )
    }
  }
  return waiting
}

const DETAILS = [
  '在小区东门附近，已经好几天了，请尽快处理',
  '影响居民出行，老人孩子经过很不方便',
  '晚上尤其明显，楼上楼下都有意见',
  '之前反映过一次，还没有解决',
  '位置在菜场对面的人行道上',
  '存在安全隐患，希望有关部门来看看',
  '周边居民意见很大，请尽快安排人员处理',
  '就在公交站旁边，过往行人很多',
]
const CALLERS = ['王女士', '李先生', '张阿姨', '刘师傅', '陈女士', '赵先生', '周大爷', '孙女士']
