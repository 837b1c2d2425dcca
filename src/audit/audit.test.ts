import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { openDatabase } from '../core/db.js'
import { migrate } from '../core/migrate.js'
import { recordAudit, verifyAuditChain } from './service.js'

const run = promisify(execFile)

describe.each(backends())('audit trail on %s', (backend) => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform(backend)
  })
  afterAll(() => p?.close())

  it('records logins, writes and reads of personal data with who, what, where from and when', async () => {
    const admin = await tokenFor(p.app, 'guihua.admin')
    const user = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.staff')
      .executeTakeFirstOrThrow()
    await call(p.app, 'GET', `/api/v1/users/${user.id}`, {
      token: admin,
      headers: { 'x-access-purpose': encodeURIComponent('核实网格员信息') },
    })
    await call(p.app, 'PATCH', `/api/v1/users/${user.id}`, { token: admin, body: { displayName: '李娜' } })
    const entries = await p.database.db.selectFrom('audit_log').selectAll().orderBy('id').execute()
    const actions = entries.map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['demo.seed', 'auth.login', 'user.read', 'user.update']))
    const read = entries.find((e) => e.action === 'user.read')!
    expect(read).toMatchObject({
      actor_name: 'guihua.admin',
      entity_type: 'user',
      entity_id: String(user.id),
      ip: '127.0.0.1',
      purpose: '核实网格员信息',
    })
    expect(read.area_id).not.toBeNull()
    // Written unlinked; linking numbers them gap-free in the order they were written.
    expect(entries.at(-1)).toMatchObject({ seq: null, prev_hash: null, hash: null })
    expect(await verifyAuditChain(p.database.db)).toMatchObject({ ok: true, entries: entries.length, unlinked: 0 })
    const linked = await p.database.db.selectFrom('audit_log').select(['id', 'seq']).orderBy('id').execute()
    expect(linked.map((e) => e.seq)).toEqual(linked.map((_, i) => i + 1))
  })

  it('lets the linker fill in the chain once, and nothing else', async () => {
    // A writer cannot choose its place or its hash.
    await sql`insert into audit_log (action, seq, prev_hash, hash) values ('test.forged_insert', 1, 'x', 'y')`.execute(
      p.database.db,
    )
    const pending = await p.database.db
      .selectFrom('audit_log')
      .select(['id', 'seq', 'hash'])
      .where('action', '=', 'test.forged_insert')
      .executeTakeFirstOrThrow()
    expect(pending).toMatchObject({ seq: null, hash: null })
    await expect(
      sql`update audit_log set detail = '{"forged": true}' where id = ${pending.id}`.execute(p.database.db),
    ).rejects.toThrow(/append-only/)
    await expect(
      sql`update audit_log set seq = 999999, prev_hash = repeat('0', 64), hash = repeat('f', 64) where id = ${pending.id}`.execute(
        p.database.db,
      ),
    ).rejects.toThrow(/append-only/)
    expect(await verifyAuditChain(p.database.db)).toMatchObject({ ok: true, unlinked: 0 })
    await expect(
      sql`update audit_log set seq = seq + 1000 where id = ${pending.id}`.execute(p.database.db),
    ).rejects.toThrow(/append-only/)
  })

  it.runIf(backend === 'postgresql')(
    'lets writers commit without waiting for one another, and links each entry once it is committed',
    async () => {
      const client = (await import('pg')).default.Client
      const a = new client({ connectionString: p.databaseUrl! })
      const b = new client({ connectionString: p.databaseUrl! })
      await a.connect()
      await b.connect()
      try {
        await a.query('begin')
        await a.query(`insert into audit_log (action) values ('test.slow_writer')`)
        // Until now the second writer waited here for the first one's commit.
        await b.query(`set statement_timeout = '3s'`)
        await b.query(`insert into audit_log (action) values ('test.quick_writer')`)
        const first = await verifyAuditChain(p.database.db)
        expect(first).toMatchObject({ ok: true, unlinked: 0 })
        await a.query('commit')
        const second = await verifyAuditChain(p.database.db)
        expect(second).toMatchObject({ ok: true, entries: first.entries + 1, unlinked: 0 })
        const order = await p.database.db
          .selectFrom('audit_log')
          .select(['action', 'seq', 'id'])
          .where('action', 'like', 'test.%_writer')
          .orderBy('seq')
          .execute()
        // The chain follows the order of commits, the ids the order of writing.
        expect(order.map((e) => e.action)).toEqual(['test.quick_writer', 'test.slow_writer'])
        expect(order[0]!.id).toBeGreaterThan(order[1]!.id)
        expect(order[1]!.seq).toBe(second.head!.seq)
      } finally {
        await a.end()
        await b.end()
      }
    },
  )

  it('lets admins page through their area’s trail', async () => {
    const res = await call(p.app, 'GET', '/api/v1/audit?action=user.read', { token: await tokenFor(p.app, 'admin') })
    expect(res.status).toBe(200)
    expect(res.body.items.length).toBeGreaterThan(0)
    expect(res.body.items.every((e: { action: string }) => e.action === 'user.read')).toBe(true)
    const verify = await call(p.app, 'GET', '/api/v1/audit/verify', { token: await tokenFor(p.app, 'admin') })
    expect(verify.body).toMatchObject({ ok: true, firstBroken: null })
    expect(
      (await call(p.app, 'GET', '/api/v1/audit/verify', { token: await tokenFor(p.app, 'guihua.admin') })).status,
    ).toBe(403)
  })

  it('is append-only even for the owner role', async () => {
    await expect(sql`update audit_log set action = 'x' where seq = 1`.execute(p.database.db)).rejects.toThrow(
      /append-only/,
    )
    await expect(sql`delete from audit_log where seq = 1`.execute(p.database.db)).rejects.toThrow(/append-only/)
  })

  // Entry 3's content as written (the demo city's own entries come first), restored after the forgery.
  let entry3 = '{}'
  it('names the first entry whose content was altered', async () => {
    expect((await verifyAuditChain(p.database.db)).ok).toBe(true)
    const { rows } = await sql<{ d: string }>`select detail::text as d from audit_log where seq = 3`.execute(
      p.database.db,
    )
    entry3 = rows[0]!.d
    // A superuser who switches the guard off and edits an entry is caught by the chain.
    await p.database.exec(`
      ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
      UPDATE audit_log SET detail = '{"forged": true}' WHERE seq = 3;
      ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;`)
    expect(await verifyAuditChain(p.database.db)).toMatchObject({
      ok: false,
      firstBroken: { seq: 3, reason: 'content_altered' },
    })
  })

  it('names the entry after one that was deleted', async () => {
    await p.database.exec(`
      ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
      UPDATE audit_log SET detail = '${entry3.replace(/'/g, "''")}' WHERE seq = 3;
      DELETE FROM audit_log WHERE seq = 2;
      ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;`)
    const report = await verifyAuditChain(p.database.db)
    expect(report.ok).toBe(false)
    expect(report.firstBroken!.seq).toBe(3)
    expect(report.firstBroken!.reason).toBe('chain_broken')
  })

  it.runIf(backend === 'postgresql')('`grassroots audit verify` names the first broken entry and exits 2', async () => {
    const env = { ...process.env, DATABASE_URL: p.databaseUrl!, LOG_LEVEL: 'warn' }
    const failed = await run('npx', ['tsx', 'src/cli.ts', 'audit', 'verify'], { env }).catch((e) => e)
    expect(failed.code).toBe(2)
    expect(failed.stderr).toMatch(/BROKEN at entry 3/)
  })
})

describe('audit trail upgrade', () => {
  it("keeps a trail chained in the writers' transactions (before migration 0035) and links on after it", async () => {
    const database = await openDatabase({})
    try {
      await migrate(database, undefined, { before: '0035' })
      for (let i = 0; i < 5; i++)
        await sql`insert into audit_log (action) values (${`old.entry_${i}`})`.execute(database.db)
      const old = (
        await sql<{ seq: number; hash: string }>`select seq, hash from audit_log order by seq desc limit 1`.execute(
          database.db,
        )
      ).rows[0]!
      expect(await migrate(database)).toContain('0035_audit_linked_in_batches')
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, entries: 5, unlinked: 0, head: old })
      await recordAudit(database.db, { actor: null, ip: 'test' }, { action: 'new.entry' })
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, entries: 6, head: { seq: 6 } })
      const ids = await database.db.selectFrom('audit_log').select(['id', 'seq']).orderBy('id').execute()
      expect(ids).toEqual([1, 2, 3, 4, 5, 6].map((n) => ({ id: n, seq: n })))
    } finally {
      await database.close()
    }
  }, 60_000)
})
