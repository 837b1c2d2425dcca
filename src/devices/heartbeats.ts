import { sql } from 'kysely'
import { openStates } from '../cases/workflow.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db } from '../core/db.js'
import { categoryUnusable } from './alarm-rules.js'
import { fileDeviceCase } from './alarms.js'

// Heartbeats and faults (issue 18, item 5). Ingest moves device.last_seen_at on every accepted
// message (and brings an offline device back to active); this sweep, run every 30 s by main.ts,
// turns the devices that missed their type's heartbeat (+10 % grace) offline, and files one
// maintenance case for each device offline longer than its type's maintenance_after_seconds.
// Idempotent: a device already offline is not touched again, and a device gets at most one
// maintenance case per offline period (none while one filed since it went offline exists, even
// closed; none while an older one is still open). Cheap when nothing is due: one UPDATE (on the partial index of devices
// that may go offline) and one SELECT.

/** The category of a maintenance case when the type names none: the demo catalogue's device repair. */
export const DEFAULT_MAINTENANCE_CATEGORY = 'SB-08'
/** How many maintenance cases one sweep files at most (the rest wait for the next sweep). */
const MAINTENANCE_BATCH = 100

interface Due {
  id: number
  code: string
  name: string
  type_name: string
  place: string | null
  lng: number
  lat: number
  area_id: number
  area_name: string
  building_name: string | null
  building_address: string | null
  owner_name: string | null
  owner_department_id: number | null
  last_seen_at: Date | null
  offline_since: Date
  category_id: number | null
}

const hours = (ms: number) => Math.max(1, Math.round(ms / 3_600_000))

function describe(d: Due, now: Date): string {
  const where = [d.building_name, d.place].filter(Boolean).join(' ') || d.area_name
  return [
    `【设备离线】${d.type_name}「${d.name}」（编号 ${d.code}）已离线约${hours(now.getTime() - new Date(d.offline_since).getTime())}小时，` +
      `最后一次联系：${d.last_seen_at ? new Date(d.last_seen_at).toISOString().replace('T', ' ').slice(0, 16) : '从未'}（UTC）。`,
    `位置：${where}${d.building_address ? `（${d.building_address}）` : ''}，${d.area_name}。`,
    `请设备维护单位（${d.owner_name ?? '未登记'}）检修或更换；设备恢复上报后自动恢复在线。`,
  ].join('\n')
}

/** Where the sweep reports a maintenance case it could not file (main.ts may pass its logger). */
export interface SweepLog {
  warn(obj: Record<string, unknown>, msg: string): void
}
const consoleLog: SweepLog = {
  warn: (obj, msg) => console.warn(JSON.stringify({ level: 'warn', msg, ...obj, err: String(obj.err) })),
}

export interface SweepResult {
  offline: number
  maintenance: number
  /** Devices whose maintenance case could not be filed (each also logged); tried again next sweep. */
  failed: { deviceId: number; code: string; reason: string }[]
}

/**
 * Turns devices that missed their heartbeat offline and raises maintenance cases for those offline
 * past their type's limit. Run periodically (main.ts, every 30 s); returns what it did.
 */
export async function sweepDevices(
  db: Db,
  now: Date,
  cipher: FieldCipher,
  log: SweepLog = consoleLog,
): Promise<SweepResult> {
  // Offline: silent longer than the heartbeat interval and a tenth (never heard from: since registration).
  const { rows: gone } = await sql<{ id: number }>`
    update device d set state = 'offline', offline_since = ${now}, updated_at = ${now}
    from device_type t
    where t.code = d.type and d.state = 'active'
      and coalesce(d.last_seen_at, d.created_at) < ${now}::timestamptz - make_interval(secs => t.heartbeat_seconds * 1.1)
      and (d.last_seen_at is null
           or d.last_seen_at < ${now}::timestamptz - make_interval(secs => (select min(heartbeat_seconds) from device_type) * 1.1))
    returning d.id`.execute(db)

  const fallback = await db
    .selectFrom('case_category')
    .select('id')
    .where('code', '=', DEFAULT_MAINTENANCE_CATEGORY)
    .executeTakeFirst()
  const { rows: due } = await sql<Due>`
    select d.id, d.code, d.name, t.name_zh as type_name, d.place, ST_X(d.location) as lng, ST_Y(d.location) as lat,
           d.area_id, a.name_zh as area_name, b.name as building_name, b.address as building_address,
           coalesce(dep.name_zh, o.name) as owner_name, d.owner_department_id, d.last_seen_at, d.offline_since,
           coalesce(t.maintenance_category_id, ${fallback?.id ?? null}::integer) as category_id
    from device d
    join device_type t on t.code = d.type
    join area a on a.id = d.area_id
    left join building b on b.id = d.building_id
    left join department dep on dep.id = d.owner_department_id
    left join organisation o on o.id = d.owner_organisation_id
    join case_category k on k.id = coalesce(t.maintenance_category_id, ${fallback?.id ?? null}::integer)
    left join cases c on c.id = d.maintenance_case_id
    where d.state = 'offline'
      and d.offline_since < ${now}::timestamptz - make_interval(secs => t.maintenance_after_seconds)
      -- One maintenance case per offline period: none filed since it began (even if closed since),
      -- and no earlier one still open.
      and (d.maintenance_case_id is null
           or (c.submitted_at < d.offline_since and c.state <> all(${[...openStates]}::text[])))
      -- A category a device can file in (categoryUnusable, in SQL): a device whose category is not
      -- is skipped here, so it never takes a place in the batch (the limit below).
      and k.active and k.is_leaf and not k.photo_required
      and not exists (select 1 from jsonb_array_elements(k.attributes) x where x->>'required' = 'true')
    order by d.offline_since, d.id
    limit ${MAINTENANCE_BATCH}`.execute(db)

  let maintenance = 0
  const failed: SweepResult['failed'] = []
  for (const d of due) {
    // One transaction per device: a device whose case cannot be filed does not hold up the others.
    const filed = await db
      .transaction()
      .execute(async (tx) => {
        // Checked again under the row's lock: another sweep (another process) may have filed it.
        const still = await sql<{ state: string; filed: boolean }>`
          select d.state,
                 exists (select 1 from cases c where c.id = d.maintenance_case_id
                         and (c.state = any(${[...openStates]}::text[]) or c.submitted_at >= d.offline_since)) as filed
          from device d where d.id = ${d.id} for update of d`.execute(tx)
        const s = still.rows[0]
        if (s?.state !== 'offline' || s.filed) return false
        if (await categoryUnusable(tx, d.category_id!)) return false
        const made = { id: await fileDeviceCase(tx, d, d.category_id!, describe(d, now), now, cipher) }
        await tx
          .updateTable('device')
          .set({ maintenance_case_id: made.id, updated_at: now })
          .where('id', '=', d.id)
          .execute()
        return true
      })
      .catch((err: unknown) => {
        const reason = (err instanceof Error ? err.message : String(err)).slice(0, 300)
        failed.push({ deviceId: Number(d.id), code: d.code, reason })
        log.warn({ deviceId: Number(d.id), code: d.code, err }, 'device maintenance case not filed')
        return false
      })
    if (filed) maintenance++
  }
  return { offline: gone.length, maintenance, failed }
}
