import { sql } from 'kysely'
import type { Tx } from '../core/db.js'

/**
 * The demo's duty types: 桂花's grid worker leads grid G01 (网格长); 翠竹's stays a full-time
 * worker (专职网格员), the default every other grid-worker grant gets. The patrol history comes
 * from the generator (src/operations/generate-patrols.ts), run on the demo's first start.
 */
export async function seedGridDemo(tx: Tx): Promise<{ gridLeaders: number }> {
  const { rows } = await sql<{ n: number }>`
    with changed as (
      update role_grant g set duty_type = 'grid_leader'
      from app_user u
      where u.id = g.user_id and u.username = 'guihua.grid' and g.role = 'grid_worker'
      returning 1)
    select count(*)::int as n from changed`.execute(tx)
  return { gridLeaders: rows[0]!.n }
}
