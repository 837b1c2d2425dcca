import { sql } from 'kysely'
import { actorForUser } from '../accounts/service.js'
import { createCase } from '../cases/intake.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db } from '../core/db.js'
import { inScope, type RequestContext } from '../core/scope.js'
import { type DetectResult, detectWarnings } from './warnings.js'

const HOUR = 3600_000

/**
 * The demo's early warnings, after its year of history: a run of street-light reports today in
 * 桂花's grid (a spike of its category and a repeated place: nine calls about one dark stretch of
 * road), one caller who reported a broken bin three times in ten days, then the detector over the
 * whole history as the hourly job would run it (which also finds the demo's high-risk disputes and
 * any fall in satisfaction the history holds). The demo leaders find them in their inbox.
 */
export async function seedWarningsDemo(
  db: Db,
  cipher: FieldCipher,
  now: Date,
): Promise<{ planted: number; detected: DetectResult }> {
  const u = await db
    .selectFrom('app_user')
    .select('id')
    .where('username', '=', 'guihua.staff')
    .executeTakeFirstOrThrow()
  const actor = await actorForUser(db, u.id)
  if (!actor) throw new Error('demo account guihua.staff cannot act')
  const ctx: RequestContext = { actor, ip: 'local' }
  const grid = (
    await sql<{ id: number; lng: number; lat: number }>`
      select a.id, ST_X(ST_PointOnSurface(a.boundary)) as lng, ST_Y(ST_PointOnSurface(a.boundary)) as lat
      from area a join role_grant g on g.area_id = a.id join app_user u on u.id = g.user_id
      where u.username = 'guihua.grid' and g.role = 'grid_worker' limit 1`.execute(db)
  ).rows[0]!
  let planted = 0
  // Nine calls within about 30 m of one another, one every hour before now.
  for (let i = 0; i < 9; i++) {
    const body = {
      categoryCode: 'DL-03',
      location: {
        lng: Math.round((grid.lng + (i % 3) * 0.0001) * 1e7) / 1e7,
        lat: Math.round((grid.lat + Math.floor(i / 3) * 0.0001) * 1e7) / 1e7,
      },
      description: `路灯不亮：桂花路东段一排路灯晚上全部不亮，行人看不清路（第${i + 1}位来电）`,
      channel: 'hotline' as const,
      reporterName: ['王先生', '李女士', '张先生', '刘女士', '陈先生', '杨女士', '赵先生', '黄女士', '周先生'][i]!,
      reporterPhone: `1391000${String(2000 + i).padStart(4, '0')}`,
    }
    await inScope(db, ctx, (tx) => createCase(tx, ctx, body, new Date(now.getTime() - (i + 1) * HOUR), { cipher }))
    planted++
  }
  // One caller, three reports of the same broken bin in ten days.
  for (const daysAgo of [9, 5, 1]) {
    const body = {
      categoryCode: 'HW-08',
      areaId: grid.id,
      address: '桂花苑北门',
      description: `垃圾箱破损：桂花苑北门的垃圾箱又坏了，垃圾散落一地（${daysAgo}天前来电）`,
      channel: 'hotline' as const,
      reporterName: '孙女士',
      reporterPhone: '13910009999',
    }
    await inScope(db, ctx, (tx) =>
      createCase(tx, ctx, body, new Date(now.getTime() - daysAgo * 24 * HOUR - 2 * HOUR), { cipher }),
    )
    planted++
  }
  return { planted, detected: await detectWarnings(db, now) }
}
