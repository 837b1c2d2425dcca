import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_DATA_KEY } from '../../test/keys.js'
import { backends, openTestPlatform, type TestPlatform } from '../../test/support.js'
import { cipherFor } from '../core/crypto.js'
import { generate } from './generate.js'

// The patrol step of the generator on the demo city: N patrols by grid workers on working days,
// 1–3 hours and about 1–5 km each, one a day per worker, with tracks whose summary is what the API
// computes (ordered points, distance, grids crossed), and generated workers with duty types when
// the demo's two grid workers cannot make N.
describe.each(backends())('generator: patrols on %s', (backend) => {
  let p: TestPlatform
  const until = new Date('2026-11-23T00:00:00Z')
  const run = (counts: Record<string, number>) =>
    generate(p.database, {
      counts,
      seed: 11,
      until,
      years: 1,
      databaseUrl: p.databaseUrl ?? undefined,
      log: () => {},
      cipher: cipherFor({ dataKey: TEST_DATA_KEY, dataKeyFile: '', production: false }),
    })
  const rows = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(p.database.db)).rows

  beforeAll(async () => {
    p = await openTestPlatform(backend)
  })
  afterAll(async () => {
    await p?.close()
  })

  it('makes patrols as grid work goes', async () => {
    const report = await run({ patrols: 1200 })
    const step = report.find((r) => r.entity === 'patrols')!
    expect(step.rows.patrol).toBe(1200)
    const [shape] = await rows(sql<{
      n: number
      short: number
      long: number
      near: number
      far: number
      weekend: number
      no_grid: number
      twice: number
      after: number
    }>`
      select count(*)::int as n,
             count(*) filter (where ended_at - started_at < interval '60 minutes')::int as short,
             count(*) filter (where ended_at - started_at > interval '180 minutes')::int as long,
             count(*) filter (where distance_m < 900)::int as near,
             count(*) filter (where distance_m > 5300)::int as far,
             count(*) filter (where extract(isodow from started_at at time zone 'Asia/Shanghai') >= 6
                               and not exists (select 1 from calendar_day d
                                               where d.day = (started_at at time zone 'Asia/Shanghai')::date
                                                 and d.kind = 'workday'))::int as weekend,
             count(*) filter (where not exists (select 1 from patrol_grid g where g.patrol_id = patrol.id))::int as no_grid,
             (select count(*)::int from (select worker_id, (started_at at time zone 'Asia/Shanghai')::date
                                         from patrol group by 1, 2 having count(*) > 1) x) as twice,
             count(*) filter (where ended_at > ${until})::int as after
      from patrol`)
    expect(shape).toMatchObject({
      n: 1200,
      short: 0,
      long: 0,
      near: 0,
      far: 0,
      weekend: 0,
      no_grid: 0,
      twice: 0,
      after: 0,
    })
    // The summary is the points': the count and the first and last times.
    const [off] = await rows(sql<{ n: number }>`
      select count(*)::int as n from patrol p
      where p.point_count <> (select count(*) from patrol_point pt where pt.patrol_id = p.id)
         or p.track is null or p.first_point_at < p.started_at - interval '1 minute'
         or p.last_point_at > p.ended_at + interval '1 minute'`)
    expect(off!.n).toBe(0)
    // Two demo workers cannot make 1200 patrols in a year at the rate: generated ones joined, with duty types.
    const duties = await rows(sql<{ duty_type: string; n: number }>`
      select r.duty_type, count(*)::int as n from role_grant r join app_user u on u.id = r.user_id
      where u.username like 'gen-pw-%' group by 1 order by 1`)
    expect(duties.map((d) => d.duty_type)).toContain('grid_leader')
    expect(duties.every((d) => ['grid_leader', 'full_time', 'part_time', 'assigned_cadre'].includes(d.duty_type))).toBe(
      true,
    )
    // Patrol cases of a worker lie inside one of their patrols that day wherever the generator laid one over them.
    const [covered] = await rows(sql<{ cases: number; inside: number }>`
      select count(*)::int as cases,
             count(*) filter (where exists (select 1 from patrol p where p.worker_id = c.reporter_id
                                              and c.submitted_at between p.started_at and p.ended_at))::int as inside
      from cases c
      where c.channel = 'patrol' and c.reporter_id in (select worker_id from patrol)
        and c.submitted_at >= ${new Date(until.getTime() - 365 * 86_400_000)} and c.submitted_at < ${until}`)
    if (covered!.cases > 0) expect(covered!.inside).toBeGreaterThan(0)
  })
})
