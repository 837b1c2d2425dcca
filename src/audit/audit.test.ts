import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { verifyAuditChain } from './service.js'

const run = promisify(execFile)

describe.each(backends())('audit trail on %s', (backend) => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform(backend)
  })
  afterAll(() => p?.close())

  it('records logins, writes and reads of personal data with who, what, where from and when', async () => {
    const admin = await tokenFor(p.app, 'guihua.admin')
    const user = await p.database.db.selectFrom('app_user').select('id').where('username', '=', 'guihua.staff').executeTakeFirstOrThrow()
    await call(p.app, 'GET', `/api/v1/users/${user.id}`, { token: admin, headers: { 'x-access-purpose': encodeURIComponent('核实网格员信息') } })
    await call(p.app, 'PATCH', `/api/v1/users/${user.id}`, { token: admin, body: { displayName: '李娜' } })
    const entries = await p.database.db.selectFrom('audit_log').selectAll().orderBy('seq').execute()
    const actions = entries.map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['demo.seed', 'auth.login', 'user.read', 'user.update']))
    const read = entries.find((e) => e.action === 'user.read')!
    expect(read).toMatchObject({ actor_name: 'guihua.admin', entity_type: 'user', entity_id: String(user.id), ip: '127.0.0.1', purpose: '核实网格员信息' })
    expect(read.area_id).not.toBeNull()
    const seqs = entries.map((e) => e.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
  })

  it('lets admins page through their area’s trail', async () => {
    const res = await call(p.app, 'GET', '/api/v1/audit?action=user.read', { token: await tokenFor(p.app, 'admin') })
    expect(res.status).toBe(200)
    expect(res.body.items.length).toBeGreaterThan(0)
    expect(res.body.items.every((e: { action: string }) => e.action === 'user.read')).toBe(true)
    const verify = await call(p.app, 'GET', '/api/v1/audit/verify', { token: await tokenFor(p.app, 'admin') })
    expect(verify.body).toMatchObject({ ok: true, firstBroken: null })
    expect((await call(p.app, 'GET', '/api/v1/audit/verify', { token: await tokenFor(p.app, 'guihua.admin') })).status).toBe(403)
  })

  it('is append-only even for the owner role', async () => {
    await expect(sql`update audit_log set action = 'x' where seq = 1`.execute(p.database.db)).rejects.toThrow(/append-only/)
    await expect(sql`delete from audit_log where seq = 1`.execute(p.database.db)).rejects.toThrow(/append-only/)
  })

  it('names the first entry whose content was altered', async () => {
    expect((await verifyAuditChain(p.database.db)).ok).toBe(true)
    // A superuser who switches the guard off and edits an entry is caught by the chain.
    await p.database.exec(`
      ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
      UPDATE audit_log SET detail = '{"forged": true}' WHERE seq = 3;
      ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;`)
    expect(await verifyAuditChain(p.database.db)).toMatchObject({ ok: false, firstBroken: { seq: 3, reason: 'content_altered' } })
  })

  it('names the entry after one that was deleted', async () => {
    await p.database.exec(`
      ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
      UPDATE audit_log SET detail = '{}' WHERE seq = 3;
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
