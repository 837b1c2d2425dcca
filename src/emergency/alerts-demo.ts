import { sql } from 'kysely'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { fittingTags } from '../registry/care-tags.js'
import { fakePerson } from '../registry/fake.js'
import { today } from '../registry/people.js'
import { maskIdNumber } from '../registry/identity.js'

const MIN = 60_000
const HOUR = 60 * MIN

// Demo alerts, written directly (owner rights; the worker does not run in the seed): the active
// heatwave of 桂花 had a warning sent about two and a half hours ago, delivered to every resident
// of its grids (those with neither phone nor account unreachable) and acknowledged by about 60 %,
// so the command view shows real bars and guihua.resident finds it in their alerts and inbox; the
// closed flood drill of 桂花 had an evacuation alert, marked as a drill.

/** The recipients of an alert delivered at `sentAt`: every active person of its grids, `ackShare` of those reached acknowledged. */
async function delivered(
  tx: Tx,
  alert: { id: number; incidentId: number; gridIds: number[] },
  sentAt: Date,
  ackPercent: number,
) {
  await sql`
    insert into incident_alert_recipient (alert_id, incident_id, person_id, area_id, district_id, user_id, sms, status,
                                          attempts, next_attempt_at, sent_at, acknowledged_at)
    select ${alert.id}, ${alert.incidentId}, p.id, p.area_id, p.district_id, v.user_id, p.phone_enc is not null,
           case when p.phone_enc is not null or v.user_id is not null then 'sent' else 'unreachable' end,
           case when p.phone_enc is not null or v.user_id is not null then 1 else 0 end,
           ${sentAt}::timestamptz,
           case when p.phone_enc is not null or v.user_id is not null
                then ${sentAt}::timestamptz + (p.id % 120) * interval '1 second' end,
           case when (p.phone_enc is not null or v.user_id is not null) and (p.id * 7) % 100 < ${ackPercent}
                then ${sentAt}::timestamptz + (5 + p.id % 55) * interval '1 minute' end
    from person p left join resident_verification v on v.person_id = p.id
    where p.area_id = any(${alert.gridIds}::int[]) and p.status = 'active'`.execute(tx)
  // guihua.resident has not acknowledged yet: the big button is there for them to press.
  await sql`update incident_alert_recipient r set acknowledged_at = null from app_user u
    where u.username = 'guihua.resident' and r.user_id = u.id and r.alert_id = ${alert.id}`.execute(tx)
  await sql`
    insert into notification (user_id, case_id, kind, params, created_at)
    select r.user_id, null, 'incident_alert',
           jsonb_build_object('reference', i.reference, 'title', i.title, 'kind', i.kind, 'level', i.level,
                              'drill', a.drill, 'recipientId', r.id),
           r.sent_at
    from incident_alert_recipient r join incident_alert a on a.id = r.alert_id join incident i on i.id = a.incident_id
    where r.alert_id = ${alert.id} and r.user_id is not null`.execute(tx)
  const { rows } = await sql<{ n: number; sent: number; unreachable: number }>`
    select count(*)::int as n, (count(*) filter (where status = 'sent'))::int as sent,
           (count(*) filter (where status = 'unreachable'))::int as unreachable
    from incident_alert_recipient where alert_id = ${alert.id}`.execute(tx)
  const c = rows[0]!
  await sql`update incident_alert set recipients = ${c.n} where id = ${alert.id}`.execute(tx)
  await sql`insert into incident_log (incident_id, at, actor_id, actor_name, kind, message, data)
    values (${alert.incidentId}, ${new Date(sentAt.getTime() + 3 * MIN)}, null, null, 'alert_done',
            ${`alert ${alert.id} (delivered): ${c.sent} sent, 0 failed, ${c.unreachable} unreachable of ${c.n}`},
            ${JSON.stringify({ alertId: alert.id, recipients: c.n, sent: c.sent, failed: 0, unreachable: c.unreachable })}::jsonb)`.execute(
    tx,
  )
  return c.n
}

async function demoAlert(
  tx: Tx,
  incident: { id: number; commander_id: number; commander_name: string; drill: boolean },
  a: { template: string; noteZh: string; noteEn: string; at: Date },
) {
  const { rows: g } = await sql<{
    area_id: number
  }>`select area_id from incident_grid where incident_id = ${incident.id}
    order by area_id`.execute(tx)
  const gridIds = g.map((r) => Number(r.area_id))
  const { rows } = await sql<{ id: number }>`
    insert into incident_alert (incident_id, template, note_zh, note_en, grid_ids, drill, status, expanded_at,
                                created_by, created_at)
    values (${incident.id}, ${a.template}, ${a.noteZh}, ${a.noteEn}, ${gridIds}::int[], ${incident.drill}, 'done',
            ${new Date(a.at.getTime() + MIN)}, ${incident.commander_id}, ${a.at})
    returning id`.execute(tx)
  const id = Number(rows[0]!.id)
  await sql`insert into incident_log (incident_id, at, actor_id, actor_name, kind, message, data)
    values (${incident.id}, ${a.at}, ${incident.commander_id}, ${incident.commander_name}, 'alert_queued',
            ${`alert queued: ${a.template} to ${gridIds.length} grid(s)`},
            ${JSON.stringify({ alertId: id, template: a.template, gridIds, resendOf: null, resendTo: null })}::jsonb)`.execute(
    tx,
  )
  return { id, incidentId: incident.id, gridIds }
}

export async function seedAlertsDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const find = (kind: string, status: string, drill: boolean) =>
    sql<{
      id: number
      commander_id: number
      commander_name: string
      drill: boolean
      declared_at: Date
      closed_at: Date | null
    }>`
      select i.id, i.commander_id, u.display_name as commander_name, i.drill, i.declared_at, i.closed_at
      from incident i join area a on a.id = i.area_id join app_user u on u.id = i.commander_id
      where a.code = 'JZ-QH-01-01' and i.kind = ${kind} and i.status = ${status} and i.drill = ${drill}
      order by i.id limit 1`
      .execute(tx)
      .then((r) => r.rows[0])
  let alerts = 0
  let recipients = 0
  const heat = await find('heatwave', 'active', false)
  if (heat) {
    const at = new Date(Math.max(heat.declared_at.getTime() + 20 * MIN, now.getTime() - 2.5 * HOUR))
    const alert = await demoAlert(tx, heat, {
      template: 'warning',
      noteZh: '社区活动中心纳凉点全天开放，备有饮用水和防暑药品。',
      noteEn: 'The community centre cooling point is open all day, with drinking water and heatstroke remedies.',
      at,
    })
    recipients += await delivered(tx, alert, new Date(at.getTime() + MIN), 60)
    alerts++
  }
  const drill = await find('flood', 'closed', true)
  if (drill) {
    const at = new Date(drill.declared_at.getTime() + 30 * MIN)
    const alert = await demoAlert(tx, drill, {
      template: 'evacuate',
      noteZh: '演练：请低洼片区居民到桂花小学体育馆集合。',
      noteEn: 'Drill: residents of the low-lying blocks gather at the Guihua Primary School gym.',
      at,
    })
    recipients += await delivered(tx, alert, new Date(at.getTime() + MIN), 80)
    alerts++
  }
  return { incident_alert: alerts, incident_alert_recipient: recipients }
}

// Bytes as hex and arrays as literals, cast by the database: the embedded driver's parameter types
// take neither a Buffer, a Date nor an empty array in a many-row insert; and batches stay small
// (500 rows, 9,000 parameters): at 36,000 parameters the embedded database answered later queries empty.
const bytea = (b: Buffer) => sql<Buffer>`decode(${b.toString('hex')}, 'hex')`

/**
 * Registry residents generated into `gridIds` (round robin) for load tests of alerts (the SIGKILL
 * test, the benchmark): deterministic fake people with encrypted ID numbers and phones, as the
 * registry stores them. `seed` keeps their ID numbers apart from other generated people.
 */
export async function generateResidents(
  db: Db,
  cipher: FieldCipher,
  gridIds: number[],
  count: number,
  seed = 17,
  now = new Date('2026-11-01T00:00:00Z'),
): Promise<number> {
  const { rows: grids } = await sql<{ id: number; district_id: number }>`
    select g.id, d.id as district_id from area g join area d on g.path like d.path || '%' and d.level = 'district'
    where g.id = any(${gridIds}::int[]) order by g.id`.execute(db)
  if (grids.length !== gridIds.length) throw new Error('generateResidents: unknown grid')
  const { rows: n } = await sql<{ n: number }>`select count(*)::int as n from person`.execute(db)
  // Past every person already there, so ID numbers never collide with the demo's or earlier runs'.
  const offset = 50_000_000 + n[0]!.n
  const BATCH = 500
  for (let done = 0; done < count; done += BATCH) {
    const rows = []
    for (let i = done; i < Math.min(count, done + BATCH); i++) {
      const f = fakePerson(seed, offset + i)
      const g = grids[i % grids.length]!
      rows.push({
        area_id: g.id,
        district_id: g.district_id,
        name: f.name,
        id_type: 'resident_id',
        id_number_enc: bytea(cipher.encrypt(f.idNumber)),
        id_number_bidx: cipher.blindIndex('id', f.idNumber),
        id_number_masked: maskIdNumber('resident_id', f.idNumber),
        sex: f.sex,
        birth_date: f.birthDate,
        phone_enc: f.phone ? bytea(cipher.encrypt(f.phone)) : null,
        phone_bidx: f.phone ? cipher.blindIndex('phone', f.phone) : null,
        phone_masked: f.phone ? `${f.phone.slice(0, 3)}****${f.phone.slice(-4)}` : null,
        residence_status: f.residenceStatus,
        address: f.address,
        status: 'active',
        tags: sql<string[]>`${`{${fittingTags(f.tags, f.birthDate, f.sex, today(now)).join(',')}}`}::text[]`,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
    }
    await db.insertInto('person').values(rows).execute()
  }
  return count
}
