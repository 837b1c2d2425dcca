import { sql } from 'kysely'
import type { Db } from '../core/db.js'
import type { GenerateStep } from './generate-step.js'

// Training records at volume. `--training-records N` gives the city the grid workers a city has —
// generated accounts (`gen-gw-000001`…, with no usable password) spread over the grids, granted on
// days of the last two years, so the assignment rules enrol them as they would any new grid worker —
// and then N enrolments in all on the published courses (the demo's, or a deployment's), in the
// states a year of training leaves: about two in three completed (some after the deadline) with
// every lesson done, a quiz attempt scored from its answers (a second, full-marks attempt where the
// first failed) and a certificate number; a fifth in progress part-way through the lessons; the
// rest assigned, overdue where the deadline has passed. Set-based SQL on both backends, so the
// enrol-on-grant and district triggers run as they do in production. Deterministic: the states
// come from hashes of the ids, not from a clock or a PRNG.

export const trainingRecordsStep: GenerateStep = {
  entity: 'training_records',
  tables: ['training_enrolment', 'training_lesson_done', 'training_attempt'],
  async run(ctx, total) {
    const db = ctx.database.db
    const until = ctx.opts.until
    const courses = (
      await db.selectFrom('training_course').select('id').where('status', '=', 'published').execute()
    ).map((c) => Number(c.id))
    if (courses.length === 0) throw new Error('training records need published courses: seed the demo city first')
    const grids = Number(
      (
        await sql<{
          n: number
        }>`select count(*)::int as n from area where level = 'grid' and retired_at is null`.execute(db)
      ).rows[0]!.n,
    )
    if (grids === 0) throw new Error('training records need grids')

    // The learners: enough generated grid workers for N enrolments over the courses.
    const wanted = Math.ceil(total / courses.length)
    const have = Number(
      (await sql<{ n: number }>`select count(*)::int as n from app_user where username like 'gen-gw-%'`.execute(db))
        .rows[0]!.n,
    )
    if (wanted > have) {
      await sql`
        insert into app_user (username, display_name, password_hash, is_demo)
        select 'gen-gw-' || lpad(i::text, 6, '0'), '网格员' || lpad(i::text, 6, '0'), '!generated: no password', false
        from generate_series(${have + 1}::int, ${wanted}::int) as i`.execute(db)
      // Round the grids; granted on a day of the last two years (the enrolment's assignment day).
      await sql`
        with g as (select id, row_number() over (order by id) - 1 as k from area
                   where level = 'grid' and retired_at is null),
             u as (select u.id, row_number() over (order by u.id) - 1 as k from app_user u
                   where u.username like 'gen-gw-%'
                     and not exists (select 1 from role_grant r where r.user_id = u.id))
        insert into role_grant (user_id, role, area_id, granted_at)
        select u.id, 'grid_worker', g.id,
               ${until}::timestamptz - make_interval(days => 7 + abs(hashtext('grant:' || u.id)) % 720)
        from u join g on g.k = u.k % ${grids}`.execute(db)
    }
    const before = await generatedCounts(db)
    ctx.progress(0)

    // Every published course for the generated learners (the rules enrolled some already), up to N.
    await sql`
      insert into training_enrolment (course_id, user_id, area_id, role, assigned_at, due_at)
      select c.id, r.user_id, r.area_id, 'grid_worker', r.granted_at, r.granted_at + interval '30 days'
      from role_grant r
      join app_user u on u.id = r.user_id and u.username like 'gen-gw-%'
      cross join (select id from training_course where status = 'published') c
      where r.role = 'grid_worker'
      order by r.user_id, c.id
      limit ${total}
      on conflict (course_id, user_id) do nothing`.execute(db)

    // The states, from a hash of the enrolment: 65% completed, 20% in progress, the rest assigned.
    // A completion comes 1–40 days after the assignment (late when past the deadline), never after `until`.
    await sql`
      update training_enrolment e set
        status = s.status,
        started_at = case when s.status = 'assigned' then null else e.assigned_at + interval '1 day' end,
        completed_at = case when s.status = 'completed' then s.done_at end,
        late = s.status = 'completed' and e.due_at is not null and s.done_at > e.due_at
      from (
        select x.id,
               case when x.h < 65 then 'completed' when x.h < 85 then 'in_progress' else 'assigned' end as status,
               least(x.assigned_at + make_interval(days => 1 + x.h2 % 40), ${until}::timestamptz) as done_at
        from (select e2.id, e2.assigned_at, abs(hashtext('state:' || e2.id)) % 100 as h,
                     abs(hashtext('done:' || e2.id)) as h2
              from training_enrolment e2 join app_user u on u.id = e2.user_id and u.username like 'gen-gw-%'
              where e2.status = 'assigned') x
      ) s
      where e.id = s.id`.execute(db)

    // Lessons done: all of them for a completion, the first part for one in progress.
    await sql`
      insert into training_lesson_done (enrolment_id, lesson_id, area_id, done_at)
      select e.id, l.id, e.area_id, coalesce(e.completed_at - make_interval(mins => 10 * (n.total - l.position)), e.started_at + make_interval(hours => l.position))
      from training_enrolment e
      join app_user u on u.id = e.user_id and u.username like 'gen-gw-%'
      join training_lesson l on l.course_id = e.course_id
      join (select course_id, count(*)::int as total from training_lesson group by course_id) n on n.course_id = e.course_id
      where (e.status = 'completed'
             or (e.status = 'in_progress' and l.position <= 1 + abs(hashtext('part:' || e.id)) % greatest(n.total - 1, 1)))
        and not exists (select 1 from training_lesson_done d where d.enrolment_id = e.id)
      on conflict do nothing`.execute(db)

    // The quiz of each completion: a first attempt right on most questions (one in six wrong), scored
    // by points; where it fell short of the pass mark, a second attempt with every answer right.
    const attempt = (first: boolean) => sql`
      insert into training_attempt (enrolment_id, area_id, answers, score, passed, late, submitted_at)
      select a.id, a.area_id, a.answers, a.score, a.score >= a.pass_mark, a.late,
             a.completed_at - ${first ? sql`interval '1 hour'` : sql`interval '0 seconds'`}
      from (
        select e.id, e.area_id, e.completed_at, e.late, c.pass_mark,
               jsonb_agg(jsonb_build_object('questionId', q.id,
                         'choices', case when q.right then to_jsonb(q.answer)
                                         else to_jsonb(array[(q.answer[1] + 1) % jsonb_array_length(q.options)]) end)
                         order by q.position) as answers,
               (100 * sum(case when q.right then q.points else 0 end) / sum(q.points))::int as score
        from training_enrolment e
        join app_user u on u.id = e.user_id and u.username like 'gen-gw-%'
        join training_course c on c.id = e.course_id
        join lateral (select q.*, ${first ? sql`abs(hashtext('q:' || e.id || ':' || q.id)) % 6 <> 0` : sql`true`} as right
                      from training_question q where q.course_id = e.course_id) q on true
        where e.status = 'completed'
          and ${
            first
              ? sql`not exists (select 1 from training_attempt t where t.enrolment_id = e.id)`
              : sql`not exists (select 1 from training_attempt t where t.enrolment_id = e.id and t.passed)`
          }
        group by e.id, e.area_id, e.completed_at, e.late, c.pass_mark
      ) a`
    await attempt(true).execute(db)
    await attempt(false).execute(db)

    // Best scores and certificate numbers (PX-<year in Beijing>-<enrolment id>, as the API issues them).
    await sql`
      update training_enrolment e set
        best_score = (select max(t.score) from training_attempt t where t.enrolment_id = e.id),
        certificate_no = 'PX-' || extract(year from e.completed_at at time zone 'Asia/Shanghai')::int || '-' ||
                         lpad(e.id::text, 6, '0')
      from app_user u
      where u.id = e.user_id and u.username like 'gen-gw-%' and e.status = 'completed' and e.certificate_no is null`.execute(
      db,
    )

    const after = await generatedCounts(db)
    ctx.progress(after.enrolments - before.enrolments)
    return {
      rows: {
        app_user: Math.max(0, wanted - have),
        training_enrolment: after.enrolments - before.enrolments,
        training_lesson_done: after.done - before.done,
        training_attempt: after.attempts - before.attempts,
      },
      detail: { completed: after.completed, late: after.late, learners: Math.max(wanted, have) },
    }
  },
}

/** Totals over the generated learners (before and after a run, so a rerun reports what it added). */
const generatedCounts = async (db: Db) =>
  (
    await sql<{ enrolments: number; done: number; attempts: number; completed: number; late: number }>`
        select (select count(*)::int from training_enrolment e join app_user u on u.id = e.user_id
                where u.username like 'gen-gw-%') as enrolments,
               (select count(*)::int from training_enrolment e join app_user u on u.id = e.user_id
                where u.username like 'gen-gw-%' and e.status = 'completed') as completed,
               (select count(*)::int from training_enrolment e join app_user u on u.id = e.user_id
                where u.username like 'gen-gw-%' and e.late) as late,
               (select count(*)::int from training_lesson_done d join training_enrolment e on e.id = d.enrolment_id
                join app_user u on u.id = e.user_id where u.username like 'gen-gw-%') as done,
               (select count(*)::int from training_attempt t join training_enrolment e on e.id = t.enrolment_id
                join app_user u on u.id = e.user_id where u.username like 'gen-gw-%') as attempts`.execute(db)
  ).rows[0]!
