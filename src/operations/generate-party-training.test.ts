import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_DATA_KEY } from '../../test/keys.js'
import { backends, openTestPlatform, type TestPlatform } from '../../test/support.js'
import { cipherFor } from '../core/crypto.js'
import { generate } from './generate.js'

// The party and training steps of the generator on the demo city: what they write holds together
// (members in their community's branch, one secretary per branch, reports only from members working
// elsewhere; training states with their lessons, attempts, scores and certificates), and a rerun adds
// no training records.
describe.each(backends())('generator: party network and training records on %s', (backend) => {
  let p: TestPlatform
  const run = (counts: Record<string, number>) =>
    generate(p.database, {
      counts,
      seed: 7,
      until: new Date('2026-11-23T00:00:00Z'),
      years: 2,
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

  it('completes the network and makes members of registry people', async () => {
    const before = await rows(sql<{ n: number }>`select count(*)::int as n from party_member`)
    const report = await run({ people: 600, party_members: 150 })
    const party = report.find((r) => r.entity === 'party_members')!
    expect(party.rows.party_member).toBe(150)
    const after = await rows(sql<{ n: number }>`select count(*)::int as n from party_member`)
    expect(after[0]!.n - before[0]!.n).toBe(150)
    // Every community has an organisation of its own now; most grids a party group.
    const gaps = await rows(sql<{ level: string; total: number; without: number }>`
      select a.level, count(*)::int as total,
             count(*) filter (where not exists (select 1 from party_organisation o
                                                where o.area_id = a.id and o.status = 'active'))::int as without
      from area a where a.level in ('district', 'street', 'community', 'grid') and a.retired_at is null
      group by a.level`)
    for (const g of gaps) {
      if (g.level === 'grid') expect(g.without).toBeLessThan(g.total * 0.25)
      else expect(g.without, g.level).toBe(0)
    }
    // Members sit in the branch of the community they live in, which is on its parent's branch.
    const misplaced = await rows(sql<{ id: string }>`
      select m.id from party_member m
      join person pe on pe.id = m.person_id
      join area g on g.id = pe.area_id
      join party_organisation o on o.id = m.organisation_id
      where m.created_at = '2026-11-23T00:00:00Z' and o.area_id <> coalesce(g.parent_id, g.id)`)
    expect(misplaced).toEqual([])
    const secretaries = await rows(sql<{ organisation_id: string; n: number }>`
      select organisation_id, count(*)::int as n from party_member
      where status = 'active' and role = 'secretary' group by 1 having count(*) > 1`)
    expect(secretaries).toEqual([])
    const wrongReports = await rows(sql<{ id: string }>`
      select r.id from party_member_report r join party_member m on m.id = r.member_id
      where m.created_at = '2026-11-23T00:00:00Z'
        and (m.workplace_kind in ('retired', 'community', 'other') or r.area_id <> m.area_id)`)
    expect(wrongReports).toEqual([])
  })

  it('writes training records that hold together, once', async () => {
    const report = await run({ training_records: 300 })
    const step = report.find((r) => r.entity === 'training_records')!
    expect(step.rows.training_enrolment).toBeGreaterThan(0)
    expect(step.rows.training_enrolment).toBeLessThanOrEqual(300)
    const states = await rows(sql<{ status: string; n: number }>`
      select e.status, count(*)::int as n from training_enrolment e join app_user u on u.id = e.user_id
      where u.username like 'gen-gw-%' group by 1`)
    const by = Object.fromEntries(states.map((s) => [s.status, s.n]))
    expect(by.completed).toBeGreaterThan(by.in_progress ?? 0)
    expect(by.in_progress).toBeGreaterThan(0)
    expect(by.assigned).toBeGreaterThan(0)
    // A completion has every lesson, a certificate, and — on a course with a quiz — a passed attempt
    // and a best score at or above the pass mark; work in progress has some lessons, never all.
    const broken = await rows(sql<{ id: string; why: string }>`
      select e.id, 'completion' as why from training_enrolment e
      join app_user u on u.id = e.user_id and u.username like 'gen-gw-%'
      join training_course c on c.id = e.course_id
      where e.status = 'completed' and (
        e.certificate_no is null
        or (select count(*) from training_lesson_done d where d.enrolment_id = e.id)
           <> (select count(*) from training_lesson l where l.course_id = e.course_id)
        or (exists (select 1 from training_question q where q.course_id = e.course_id)
            and (e.best_score < c.pass_mark
                 or not exists (select 1 from training_attempt t where t.enrolment_id = e.id and t.passed))))
      union all
      select e.id, 'in progress' from training_enrolment e
      join app_user u on u.id = e.user_id and u.username like 'gen-gw-%'
      where e.status = 'in_progress' and (
        (select count(*) from training_lesson_done d where d.enrolment_id = e.id)
          >= (select count(*) from training_lesson l where l.course_id = e.course_id)
        or e.certificate_no is not null)
      union all
      select t.id, 'attempt score' from training_attempt t
      join training_enrolment e on e.id = t.enrolment_id
      join training_course c on c.id = e.course_id
      join app_user u on u.id = e.user_id and u.username like 'gen-gw-%'
      where t.passed <> (t.score >= c.pass_mark)`)
    expect(broken).toEqual([])
    const again = await run({ training_records: 300 })
    expect(again.find((r) => r.entity === 'training_records')!.rows.training_enrolment).toBe(0)
  })
})
