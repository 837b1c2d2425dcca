import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, call, openTestPlatform, TEST_DATA_KEY, tokenFor, type TestPlatform } from '../../test/support.js'
import { cipherFor } from '../core/crypto.js'
import { hasDemoHistory, seedDemoHistory, type DemoHistoryReport } from './history.js'

// The living demo on the demo city of the test template (which is seeded without it): a year of
// generated cases that hold together as the workflow writes them, work waiting in each demo
// account's queue as the API lists it, and a second run that adds nothing.
describe.each(backends())('demo history on %s', (backend) => {
  let p: TestPlatform
  let report: DemoHistoryReport
  let before: number
  /** The last case before the history: what follows is the history's. */
  let maxBefore: number
  const now = new Date()
  const rows = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(p.database.db)).rows
  const cases = async () => (await rows(sql<{ n: number }>`select count(*)::int as n from cases`))[0]!.n

  beforeAll(async () => {
    p = await openTestPlatform(backend)
  })
  afterAll(async () => {
    await p?.close()
  })

  // A minute or more for the embedded database on a loaded two-core machine.
  it('is not in the test template, and is written once', { timeout: 300_000 }, async () => {
    expect(await hasDemoHistory(p.database.db)).toBe(false)
    before = await cases()
    maxBefore = (await rows(sql<{ n: number }>`select coalesce(max(id), 0)::int as n from cases`))[0]!.n
    const cipher = cipherFor({ dataKey: TEST_DATA_KEY, dataKeyFile: '', production: false })
    report = (await seedDemoHistory(p.database, { cipher, now, cases: 1500, patrols: 200 }))!
    expect(report).not.toBeNull()
    const generated = report.generated.find((r) => r.entity === 'cases')!
    expect(generated.rows.cases).toBe(1500)
    // The grid workers' patrol logs come along (the patrols step).
    const patrols = report.generated.find((r) => r.entity === 'patrols')!
    expect(patrols.rows.patrol).toBeGreaterThan(100)
    const waiting = Object.values(report.waiting).reduce((a, b) => a + b, 0)
    expect(await cases()).toBe(before + 1500 + waiting)
    expect(await hasDemoHistory(p.database.db)).toBe(true)
    expect(await seedDemoHistory(p.database, { cipher, now, cases: 1500 })).toBeNull()
    expect(await cases()).toBe(before + 1500 + waiting)
  })

  it('leaves a handful of cases in each demo account’s queue, made through the workflow', async () => {
    const queues: [string, string, number][] = []
    for (const slug of ['guihua', 'cuizhu']) {
      queues.push(
        [`${slug}.staff`, 'state=submitted', 1],
        [`${slug}.staff`, 'state=return_requested', 1],
        [`${slug}.staff`, 'state=verified', 1],
        [`${slug}.staff`, 'awaitingCallback=true', 2],
        [`${slug}.handler`, 'state=dispatched', 2],
        [`${slug}.handler`, 'state=in_progress', 2],
        [`${slug}.grid`, 'state=replied', 2],
        [`${slug}.leader`, 'shelvingRequested=true', 1],
        [`${slug}.leader`, 'state=shelved', 1],
      )
    }
    queues.push(['qh.handler', 'state=dispatched', 1], ['qh.handler', 'state=in_progress', 1])
    for (const [who, filter, least] of queues) {
      const res = await call(p.app, 'GET', `/api/v1/cases?${filter}&pageSize=1`, { token: await tokenFor(p.app, who) })
      expect(res.status).toBe(200)
      expect(res.body.total, `${who} ${filter}`).toBeGreaterThanOrEqual(least)
    }
    // Every queue the report names is filled, and the cases were filed as the API files them.
    for (const [queue, n] of Object.entries(report.waiting)) expect(n, queue).toBeGreaterThan(0)
    const filed = await rows(sql<{ n: number }>`
      select count(*)::int as n from audit_log where action = 'case.create' and at >= ${new Date(now.getTime() - 11 * 86_400_000)}`)
    expect(filed[0]!.n).toBeGreaterThanOrEqual(Object.values(report.waiting).reduce((a, b) => a + b, 0))
    // The leader with an extension to decide sees it on the case.
    const ext = await rows(sql<{ n: number }>`
      select count(*)::int as n from cases c join area a on a.id = c.area_id
      where c.extension_request is not null and a.code like 'JZ-QH-01-01-%'`)
    expect(ext[0]!.n).toBeGreaterThanOrEqual(1)
  })

  it('writes a year of cases in every state, tier and channel, in realistic shares', async () => {
    const gen = sql`c.id > ${maxBefore}`
    const by = async (col: string) =>
      Object.fromEntries(
        (
          await rows(
            sql<{
              k: string
              n: number
            }>`select ${sql.ref(col)}::text as k, count(*)::int as n from cases c where ${gen} group by 1`,
          )
        ).map((r) => [r.k, r.n]),
      )
    const states = await by('state')
    for (const s of ['submitted', 'dispatched', 'in_progress', 'replied', 'closed', 'rated', 'rejected'])
      expect(states[s], s).toBeGreaterThan(0)
    const urgency = await by('urgency')
    const total = Object.values(urgency).reduce((a, b) => a + b, 0)
    expect(urgency.urgent! / total).toBeGreaterThan(0.05)
    expect(urgency.urgent! / total).toBeLessThan(0.2)
    expect(urgency.general! / total).toBeGreaterThan(0.6)
    expect(urgency.complex! / total).toBeGreaterThan(0.08)
    const channel = await by('channel')
    for (const c of ['patrol', 'portal', 'hotline', 'open311', 'api', 'proactive'])
      expect(channel[c], c).toBeGreaterThan(0)
    expect(channel.proactive! / total).toBeGreaterThan(0.02)
    expect(channel.proactive! / total).toBeLessThan(0.09)
    const f = (
      await rows(sql<Record<string, number>>`
        select
          count(*) filter (where contact_required and contact_due_at is not null and contact_due_at < ${now})::int as due,
          count(*) filter (where contact_required and contact_due_at < ${now} and contacted_at is not null)::int as contacted,
          count(*) filter (where contacted_at <= contact_due_at)::int as on_time,
          count(*) filter (where rating_status = 'rated')::int as rated,
          count(*) filter (where rating_status = 'not_rated')::int as not_rated,
          count(*) filter (where direct_answer)::int as direct,
          count(*) filter (where return_count > 0)::int as returned,
          count(*) filter (where extension_count > 0)::int as extended,
          count(*) filter (where shelved_count > 0)::int as shelved,
          count(*) filter (where callback_attempts > 0)::int as called_back
        from cases c where ${gen}`)
    )[0]!
    expect(f.contacted! / f.due!).toBeGreaterThan(0.88)
    expect(f.on_time! / f.contacted!).toBeGreaterThan(0.8)
    expect(f.on_time! / f.contacted!).toBeLessThan(0.97)
    expect(f.not_rated! / (f.rated! + f.not_rated!)).toBeGreaterThan(0.03)
    expect(f.not_rated! / (f.rated! + f.not_rated!)).toBeLessThan(0.15)
    for (const k of ['direct', 'returned', 'extended', 'shelved', 'called_back']) expect(f[k], k).toBeGreaterThan(0)
  })

  it('keeps the columns and the timeline consistent, as the workflow would have written them', async () => {
    const broken = await rows(sql<{ id: number; why: string }>`
      with cases as (select * from cases where id > ${maxBefore})
      select id, 'staff rated their own report' as why from cases
        where channel in ('patrol', 'proactive') and (rateable or rating_status is not null or contact_required)
      union all select id, 'rated without an answer' from cases
        where state = 'rated' and (rating_status <> 'rated' or solved is null or rating is null)
      union all select id, 'not rated yet answered' from cases
        where rating_status = 'not_rated' and (state <> 'closed' or rating is not null)
      union all select c.id, 'return count' from cases c
        where c.return_count <> (select count(*) from case_event e where e.case_id = c.id and e.action = 'return')
           or c.return_denied_count <> (select count(*) from case_event e where e.case_id = c.id and e.action = 'deny_return')
      union all select c.id, 'extension count' from cases c
        where c.extension_count <> (select count(*) from case_event e where e.case_id = c.id
                                    and e.action = 'decide_extension' and (e.detail->>'approve')::boolean)
      union all select c.id, 'call-back count' from cases c
        where c.callback_attempts <> (select count(*) from case_event e where e.case_id = c.id and e.action = 'callback')
      union all select id, 'contact before dispatch' from cases where contacted_at < dispatched_at
      union all select id, 'contact without a requester' from cases where contacted_at is not null and not contact_required
      union all select id, 'direct answer dispatched' from cases
        where direct_answer and (department_id is not null or state not in ('closed', 'rated'))
      union all select id, 'shelved without review' from cases
        where state = 'shelved' and (shelve_review_at is null or shelved_at is null or shelved_count = 0)
      union all select id, 'state differs from the last step' from cases c
        where c.state <> (select e.to_state from case_event e where e.case_id = c.id
                          and e.action not in ('warning', 'escalated', 'merged_from')
                          order by e.at desc, e.id desc limit 1)
      union all select c.id, 'open case without a clock' from cases c
        where c.state in ('verifying', 'submitted', 'dispatched', 'in_progress', 'replied') and c.stage is null`)
    expect(broken.slice(0, 10)).toEqual([])
  })
})
