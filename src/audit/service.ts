import { sql } from 'kysely'
import type { Db, Tx } from '../core/db.js'
import { startPeriodic } from '../core/scheduler.js'
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
 * Appends to the audit trail inside the caller's transaction, so the entry commits or rolls back
 * with the change it describes. It is written unlinked and takes no lock; `linkAuditTrail` (run
 * by the server's audit linker and before every verification) gives it its seq and hashes.
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
  /** Linked entries verified. */
  entries: number
  /** Entries committed after the linking that preceded the check: linked by the next batch. */
  unlinked: number
  firstBroken: { seq: number; reason: 'content_altered' | 'chain_broken' } | null
  /** The last entry: kept outside the database, it reveals entries cut off the end of the trail. */
  head: { seq: number; hash: string } | null
}

const LINK_BATCH = 5000

/** Links every committed unlinked entry into the chain, in batches; returns how many. */
export async function linkAuditTrail(db: Db): Promise<number> {
  let linked = 0
  for (;;) {
    const { rows } = await sql<{ n: number }>`select audit_link_pending(${LINK_BATCH})::int as n`.execute(db)
    linked += rows[0]!.n
    if (rows[0]!.n < LINK_BATCH) return linked
  }
}

/**
 * Links what is pending, then recomputes every digest and link of the chain, counts and finds the
 * head, in one query.
 */
export async function verifyAuditChain(db: Db): Promise<ChainReport> {
  // A restored backup of an older version has no linker until it is migrated: check it as it is.
  const { rows } = await sql<{
    linker: boolean
  }>`select to_regprocedure('audit_link_pending(integer)') is not null as linker`.execute(db)
  if (rows[0]!.linker) await linkAuditTrail(db)
  const result = await sql<{
    entries: number
    unlinked: number
    seq: number | null
    content_ok: boolean | null
    head_seq: number | null
    head_hash: string | null
  }>`
    with checked as (
      select a.seq,
             a.hash = audit_digest(a) as content_ok,
             a.prev_hash = coalesce(lag(a.hash) over w, repeat('0', 64))
               and a.seq = coalesce(lag(a.seq) over w, 0) + 1 as link_ok
      from audit_log a
      where a.seq is not null
      window w as (order by a.seq)
    ),
    first_bad as (
      select seq, content_ok from checked where not (content_ok and link_ok) order by seq limit 1
    ),
    counts as (
      select count(*) filter (where seq is not null)::int as entries, count(*) filter (where seq is null)::int as unlinked from audit_log
    ),
    head as (
      select seq, hash from audit_log where seq is not null order by seq desc limit 1
    )
    select c.entries, c.unlinked, f.seq, f.content_ok, h.seq as head_seq, h.hash as head_hash
    from counts c left join first_bad f on true left join head h on true`.execute(db)
  const row = result.rows[0]!
  return {
    head: row.head_seq === null ? null : { seq: row.head_seq, hash: row.head_hash! },
    ok: row.seq === null,
    entries: row.entries,
    unlinked: row.unlinked,
    firstBroken:
      row.seq === null ? null : { seq: row.seq, reason: row.content_ok ? 'chain_broken' : 'content_altered' },
  }
}

/**
 * The server's audit linker: links pending entries every `intervalMs`, so the chain trails the
 * writes by a fraction of a second and each batch carries many entries under load.
 */
export function startAuditLinker(db: Db, intervalMs: number, onError: (err: unknown) => void) {
  const periodic = startPeriodic(() => linkAuditTrail(db), intervalMs, onError)
  return {
    /** Stops the timer and links what the last requests wrote. */
    async stop() {
      await periodic.stop()
      await linkAuditTrail(db).catch(onError)
    },
  }
}
