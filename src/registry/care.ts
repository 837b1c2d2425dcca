import { sql } from 'kysely'
import { areaPathOf } from '../jurisdiction/service.js'
import { recordAudit } from '../audit/service.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, invalid } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, paginate, type Page } from '../core/paging.js'
import { body, date, id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { asSystem, requireRootAdmin, type RequestContext } from '../core/scope.js'
import { checkDate } from './identity.js'
import { careTags, loadPerson, personSchema, personViewColumns, presentPerson, today } from './people.js'
import { requireRoleOver, writerRoles } from './records.js'
import { day, dayOrNull, iso, listQuery, strings } from './schemas.js'

// Special-care groups (elderly living alone, disabled, low-income, left-behind children, key care
// persons): lists per grid, a visit log, and a warning when a visit is overdue by the group's rule.

export const visitorRoles = writerRoles

export const careRuleSchema = shape({ tag: { type: 'string' }, intervalDays: { type: 'integer' } })
export type CareRule = Output<typeof careRuleSchema>

export async function careRules(tx: Tx | Db): Promise<CareRule[]> {
  return (await tx.selectFrom('care_rule').select(['tag', 'interval_days']).orderBy('tag').execute()).map((r) => ({
    tag: r.tag,
    intervalDays: r.interval_days,
  }))
}

export const careRuleBody = body(['intervalDays'], { intervalDays: { type: 'integer', minimum: 1, maximum: 366 } })

export async function setCareRule(tx: Tx, ctx: RequestContext, tag: string, intervalDays: number): Promise<CareRule> {
  requireRootAdmin(ctx, 'visit intervals are set for the whole platform by its administrators')
  const before = await tx.selectFrom('care_rule').select('interval_days').where('tag', '=', tag).executeTakeFirst()
  if (!before) throw invalid('tag', `no visit rule for tag ${tag}`)
  await tx.updateTable('care_rule').set({ interval_days: intervalDays }).where('tag', '=', tag).execute()
  await recordAudit(tx, ctx, {
    action: 'care_rule.update',
    entityType: 'care_rule',
    entityId: tag,
    detail: { from: before.interval_days, to: intervalDays },
  })
  return { tag, intervalDays }
}

export const carePersonSchema = shape({
  person: personSchema,
  careTags: strings,
  intervalDays: { type: 'integer', description: 'The shortest interval among the person’s groups' },
  lastVisitOn: dayOrNull,
  dueOn: day,
  overdueDays: { type: 'integer' },
})
export type CarePerson = Output<typeof carePersonSchema>

// The due date of each cared-for person: the last visit (or registration) plus the shortest
// interval among their groups.
const dueSql = (day: string) => sql`
  select p.id, r.interval_days, r.tags as care_tags, v.last_visit,
         (coalesce(v.last_visit, p.created_at::date) + r.interval_days) as due_on,
         greatest(0, ${day}::date - (coalesce(v.last_visit, p.created_at::date) + r.interval_days)) as overdue_days
  from person p
  cross join lateral (select min(cr.interval_days) as interval_days, array_agg(cr.tag order by cr.tag) as tags from care_rule cr where cr.tag = any (p.tags)) r
  left join lateral (select max(visited_on) as last_visit from care_visit cv where cv.person_id = p.id) v on true
  where p.status = 'active' and r.interval_days is not null
    and p.tags && (select array_agg(tag) from care_rule)`

export const carePeopleQuery = listQuery({ tag: { type: 'string', enum: careTags }, overdueOnly: { type: 'boolean' } })
export type CareFilter = Input<typeof carePeopleQuery>

export async function carePeople(tx: Tx, f: CareFilter, now: Date): Promise<Page<CarePerson>> {
  const day = today(now)
  const path = f.areaId !== undefined ? await areaPathOf(tx, f.areaId) : null
  const { rows } = await sql<{
    id: number
    interval_days: number
    care_tags: string[]
    last_visit: string | null
    due_on: string
    overdue_days: number
    total: number
  }>`
    with due as (${dueSql(day)})
    select due.*, count(*) over () as total from due join person p on p.id = due.id
    where (${path}::text is null or p.area_id in (select id from area where path like ${`${path ?? ''}%`}))
      and (${f.tag ?? null}::text is null or ${f.tag ?? null} = any (due.care_tags))
      and (${f.overdueOnly ?? false} = false or due.overdue_days > 0)
    order by due.due_on, due.id
    limit ${f.pageSize} offset ${offsetOf(f)}`.execute(tx)
  const people = rows.length
    ? await tx
        .selectFrom('person')
        .select(personViewColumns)
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
    : []
  const byId = new Map(people.map((p) => [p.id, presentPerson(p)]))
  return paginate(
    f,
    rows.map((r) => ({
      person: byId.get(r.id)!,
      careTags: r.care_tags,
      intervalDays: r.interval_days,
      lastVisitOn: r.last_visit,
      dueOn: r.due_on,
      overdueDays: Number(r.overdue_days),
    })),
    rows[0]?.total ?? 0,
  )
}

export const newVisitBody = body(['personId', 'visitedOn', 'findings'], {
  personId: id,
  visitedOn: date,
  findings: text(4000),
  followUp: text(2000),
  needsFollowUp: { type: 'boolean' },
})
export type NewVisit = Input<typeof newVisitBody>

export const visitSchema = shape({
  id: { type: 'integer' },
  personId: { type: 'integer' },
  visitedOn: day,
  visitor: nullable('string'),
  findings: { type: 'string' },
  followUp: nullable('string'),
  needsFollowUp: { type: 'boolean' },
  createdAt: timestamp,
})
export type Visit = Output<typeof visitSchema>
export const visitsSchema = shape({ personId: { type: 'integer' }, items: { type: 'array', items: visitSchema } })

export async function recordVisit(tx: Tx, ctx: RequestContext, input: NewVisit, now: Date): Promise<Visit> {
  const person = await loadPerson(tx, input.personId).catch(() => {
    throw new AppError('PERSON_NOT_FOUND', `person ${input.personId} not found`, 'personId')
  })
  requireRoleOver(ctx, visitorRoles, { path: await areaPathOf(tx, person.area_id) }, 'recording a care visit')
  const visitedOn = checkDate(input.visitedOn, 'visitedOn', today(now))
  const v = await tx
    .insertInto('care_visit')
    .values({
      person_id: person.id,
      area_id: person.area_id,
      district_id: person.district_id,
      visited_on: visitedOn,
      visitor_id: ctx.actor!.userId,
      visitor_name: ctx.actor!.displayName,
      findings: input.findings,
      follow_up: input.followUp ?? null,
      needs_follow_up: input.needsFollowUp ?? false,
      created_at: now,
    })
    .returning([
      'id',
      'person_id',
      'visited_on',
      'visitor_name',
      'findings',
      'follow_up',
      'needs_follow_up',
      'created_at',
    ])
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'care_visit.create',
    entityType: 'person',
    entityId: person.id,
    areaId: person.area_id,
    detail: { visit: v.id },
  })
  return presentVisit(v)
}

function presentVisit(v: {
  id: number
  person_id: number
  visited_on: string
  visitor_name: string | null
  findings: string
  follow_up: string | null
  needs_follow_up: boolean
  created_at: Date
}): Visit {
  return {
    id: v.id,
    personId: v.person_id,
    visitedOn: v.visited_on,
    visitor: v.visitor_name,
    findings: v.findings,
    followUp: v.follow_up,
    needsFollowUp: v.needs_follow_up,
    createdAt: iso(v.created_at),
  }
}

export async function visitsOf(tx: Tx, personId: number): Promise<Output<typeof visitsSchema>> {
  await loadPerson(tx, personId)
  const rows = await tx
    .selectFrom('care_visit')
    .select(['id', 'person_id', 'visited_on', 'visitor_name', 'findings', 'follow_up', 'needs_follow_up', 'created_at'])
    .where('person_id', '=', personId)
    .orderBy('visited_on', 'desc')
    .orderBy('id', 'desc')
    .limit(200)
    .execute()
  return { personId, items: rows.map(presentVisit) }
}

/**
 * Tells the grid workers of each overdue person's grid, once per due date. Runs as the system
 * (a periodic job); returns how many people were newly reported overdue.
 */
export async function warnOverdueVisits(db: Db, now: Date): Promise<number> {
  const day = today(now)
  return asSystem(db, async (tx) => {
    const { rows } = await sql<{ id: number; name: string; due_on: string; path: string }>`
      with due as (${dueSql(day)})
      insert into care_overdue_notice (person_id, due_on, noticed_at)
      select due.id, due.due_on, ${now} from due where due.overdue_days > 0
      on conflict do nothing
      returning person_id as id, (select name from person where id = person_id) as name, due_on,
                (select a.path from person p join area a on a.id = p.area_id where p.id = person_id) as path`.execute(
      tx,
    )
    for (const r of rows) {
      const { rows: users } = await sql<{
        id: number
      }>`select app_users_with_role_over(array['grid_worker']::text[], ${r.path}) as id`.execute(tx)
      if (users.length === 0) continue
      await tx
        .insertInto('notification')
        .values(
          users.map((u) => ({
            user_id: u.id,
            case_id: null,
            kind: 'care_visit_overdue',
            params: JSON.stringify({ personId: r.id, name: r.name, dueOn: r.due_on }),
            created_at: now,
            read_at: null,
          })),
        )
        .execute()
    }
    return rows.length
  })
}
