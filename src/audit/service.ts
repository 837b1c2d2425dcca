import { sql } from 'kysely'
import type { Db, Tx } from '../core/db.js'
import type { RequestContext } from '../core/scope.js'

export interface AuditEntry {
  /** Dotted verb, e.g. 'auth.login', 'area.update', 'user.read'. */
  action: string
  entityType?: string
  entityId?: string | number
  areaId?: number | null
  purpose?: string | null
  detail?: Record<string, unknown>
}

/**
 * Appends to the hash-chained audit trail inside the caller's transaction, so the entry commits
 * or rolls back with the change it describes. The database trigger assigns seq and hashes.
 */
export async function recordAudit(tx: Tx | Db, ctx: RequestContext, entry: AuditEntry): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({
      actor_id: ctx.actor?.userId ?? null,
      actor_name: ctx.actor?.username ?? null,
      action: entry.action,
      entity_type: entry.entityType ?? null,
      entity_id: entry.entityId === undefined ? null : String(entry.entityId),
      area_id: entry.areaId ?? null,
      ip: ctx.ip,
      purpose: entry.purpose ?? ctx.purpose ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute()
}

export interface ChainReport {
  ok: boolean
  entries: number
  firstBroken: { seq: number; reason: 'content_altered' | 'chain_broken' } | null
  /** The last entry: kept outside the database, it reveals entries cut off the end of the trail. */
  head: { seq: number; hash: string } | null
}

/** Recomputes every digest and link in one pass inside the database. */
export async function verifyAuditChain(db: Db): Promise<ChainReport> {
  const result = await sql<{ entries: number; seq: number | null; content_ok: boolean | null }>`
    with checked as (
      select a.seq,
             a.hash = audit_digest(a) as content_ok,
             a.prev_hash = coalesce(lag(a.hash) over w, repeat('0', 64))
               and a.seq = coalesce(lag(a.seq) over w, 0) + 1 as link_ok
      from audit_log a
      window w as (order by a.seq)
    ),
    first_bad as (
      select seq, content_ok from checked where not (content_ok and link_ok) order by seq limit 1
    )
    select (select count(*) from audit_log)::int as entries, f.seq, f.content_ok
    from (select 1) one left join first_bad f on true`.execute(db)
  const row = result.rows[0]!
  const head = await db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst()
  return {
    head: head ?? null,
    ok: row.seq === null,
    entries: row.entries,
    firstBroken: row.seq === null ? null : { seq: row.seq, reason: row.content_ok ? 'chain_broken' : 'content_altered' },
  }
}
