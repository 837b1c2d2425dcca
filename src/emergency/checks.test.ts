import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { fireDueTimers } from '../core/scheduler.js'
import { inScope } from '../core/scope.js'
import { demoActor } from '../participation/common.js'
import { timerHandlers } from '../main.js'
import { ageOn, buildCheckList, checksChangedSince } from './checks.js'
import { openCheckStreams } from './checks-routes.js'
import { checkTags } from './common.js'

const MIN = 60_000

describe('ageOn', () => {
  it('counts whole years by the calendar', () => {
    expect(ageOn('1950-06-15', new Date('2026-06-14T12:00:00Z'))).toBe(75)
    expect(ageOn('1950-06-15', new Date('2026-06-15T12:00:00Z'))).toBe(76)
    expect(ageOn(null, new Date())).toBeNull()
  })
})

/** An active incident over `grids` of `area`, inserted with owner rights, and its check list. */
async function insertIncident(
  p: TestPlatform,
  opts: { area: number; grids: number[]; commander: string; escalateAfter?: number; reference?: string },
): Promise<{ id: number; checks: number }> {
  const now = p.clock.now()
  return p.database.db.transaction().execute(async (tx) => {
    const commander = await tx
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', opts.commander)
      .executeTakeFirstOrThrow()
    const { rows } = await sql<{ id: number }>`
      insert into incident (reference, area_id, district_id, kind, level, title, description, commander_id, status,
                            check_tags, escalate_after_minutes, declared_by, declared_at, updated_at)
      select ${opts.reference ?? `TEST-CHK-${randomUUID().slice(0, 8)}`}, a.id,
             split_part(a.path, '/', 3)::int, 'heatwave', 3, '高温应急（测试）', '测试用事件', ${commander.id}, 'active',
             ${[...checkTags]}::text[], ${opts.escalateAfter ?? 30}, ${commander.id}, ${now}, ${now}
      from area a where a.id = ${opts.area}
      returning id`.execute(tx)
    const id = Number(rows[0]!.id)
    await tx
      .insertInto('incident_grid')
      .values(opts.grids.map((g) => ({ incident_id: id, area_id: g })))
      .execute()
    const checks = await buildCheckList(tx, id, opts.grids, checkTags, now)
    return { id, checks }
  })
}

describe.each(backends())('the check list on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  const user: Record<string, number> = {}
  let grids: number[] = []
  let incident = 0
  let total = 0
  const at = (ms = 0) => new Date(p.clock.now().getTime() + ms).toISOString()
  const mark = (token: string, updates: Record<string, unknown>[], id = incident) =>
    call(p.app, 'POST', `/api/v1/incidents/${id}/checks/updates`, { token, body: { updates } })
  const checksOf = async (grid: number) =>
    (
      await p.database.db
        .selectFrom('incident_check')
        .selectAll()
        .where('incident_id', '=', incident)
        .where('area_id', '=', grid)
        .orderBy('id')
        .execute()
    ).map((c) => ({ ...c, id: Number(c.id) }))
  const notificationsOf = async (userId: number) =>
    (
      await sql<{ kind: string; params: Record<string, unknown> }>`
        select kind, params from notification where user_id = ${userId} and kind = 'incident_update'
        and (params->>'incidentId')::bigint = ${incident} order by id`.execute(p.database.db)
    ).rows

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2026-07-20T02:00:00Z')
    for (const u of [
      'guihua.staff',
      'guihua.leader',
      'guihua.grid',
      'guihua.resident',
      'cuizhu.grid',
      'cuizhu.staff',
    ]) {
      t[u] = await tokenFor(p.app, u)
      user[u] = (
        await p.database.db.selectFrom('app_user').select('id').where('username', '=', u).executeTakeFirstOrThrow()
      ).id
    }
    grids = await Promise.all(['G01', 'G02', 'G03'].map((g) => areaId(p, `JZ-QH-01-01-${g}`)))
    // The demo registry tags few people: give six more people of each grid a care tag.
    for (const g of grids)
      await sql`update person set tags = tags || array['key_care'] where id in (
                  select id from person where area_id = ${g} and status = 'active'
                  and not tags && ${[...checkTags]}::text[] order by id limit 6)`.execute(p.database.db)
    const made = await insertIncident(p, {
      area: await areaId(p, 'JZ-QH-01-01'),
      grids,
      commander: 'guihua.leader',
    })
    incident = made.id
    total = made.checks
    // Everyone with a care tag in G01–G03 is on the check list; the demo registry has people in each.
    console.log(`[checks] ${backend}: ${await Promise.all(grids.map(async (g) => (await checksOf(g)).length))} people`)
    for (const g of grids) expect((await checksOf(g)).length).toBeGreaterThanOrEqual(6)
  })
  afterAll(async () => p?.close())

  it('seeds the demo heatwave with work done and work waiting for guihua.grid', async () => {
    const guihua = await areaId(p, 'JZ-QH-01-01')
    const heat = await p.database.db
      .selectFrom('incident')
      .select(['id', 'commander_id'])
      .where('area_id', '=', guihua)
      .where('kind', '=', 'heatwave')
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow()
    const summary = await call(p.app, 'GET', `/api/v1/incidents/${heat.id}/checks/summary`, {
      token: t['guihua.leader'],
    })
    expect(summary.status).toBe(200)
    expect(summary.body.grids.length).toBe(3)
    expect(summary.body.totals.safe).toBeGreaterThanOrEqual(3)
    expect(summary.body.totals.needsHelp).toBe(1)
    expect(summary.body.totals.escalated).toBe(1)
    const mine = await call(p.app, 'GET', `/api/v1/incidents/${heat.id}/checks`, { token: t['guihua.grid'] })
    expect(mine.body.items.every((r: { gridId: number }) => r.gridId === grids[0])).toBe(true)
    expect(mine.body.items.filter((r: { status: string }) => r.status === 'pending').length).toBeGreaterThanOrEqual(2)
    expect(
      mine.body.items.some((r: { status: string; checkedBy: string }) => r.status === 'needs_help' && r.checkedBy),
    ).toBe(true)
    const log = await sql<{ kind: string; message: string }>`
      select kind, message from incident_log where incident_id = ${heat.id} and kind like 'check%' order by at`.execute(
      p.database.db,
    )
    expect(log.rows.map((r) => r.kind)).toContain('check_escalated')
    expect(log.rows.find((r) => r.kind === 'check_needs_help')?.message).toMatch(/^核查：\S+ 需要帮助/)
    const told = await sql<{ n: number }>`
      select count(*)::int as n from notification where user_id = ${heat.commander_id} and kind = 'incident_update'
      and params->>'event' = 'escalated' and (params->>'incidentId')::bigint = ${heat.id}`.execute(p.database.db)
    expect(told.rows[0]!.n).toBeGreaterThanOrEqual(2)
  })

  it('lists the people of the grids the caller works, with their details, and audits the read', async () => {
    const res = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks`, { token: t['guihua.staff'] })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.total).toBe(total)
    const row = res.body.items[0]
    expect(row.name.length).toBeGreaterThan(0)
    expect(row.status).toBe('pending')
    expect(row.tags.length).toBeGreaterThan(0)
    expect(row.tags.every((tag: string) => (checkTags as readonly string[]).includes(tag))).toBe(true)
    expect(row.gridId).toBe(grids[0])
    const person = await p.database.db
      .selectFrom('person')
      .select(['name', 'phone_masked'])
      .where('id', '=', row.personId)
      .executeTakeFirstOrThrow()
    expect(row.name).toBe(person.name)
    expect(row.phoneMasked).toBe(person.phone_masked)
    // Ordered by grid, then id.
    const keys = res.body.items.map((r: { gridId: number; id: number }) => [r.gridId, r.id])
    expect(keys).toEqual([...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]))
    const audit = await sql<{ detail: { count: number } }>`
      select detail from audit_log where action = 'emergency.checks.read' and entity_id = ${String(incident)}
      and actor_id = ${user['guihua.staff']}`.execute(p.database.db)
    expect(audit.rows.length).toBe(1)
    expect(audit.rows[0]!.detail.count).toBe(res.body.items.length)

    // Filters: grid, status, tag, name prefix.
    const g2 = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks?gridId=${grids[1]}`, {
      token: t['guihua.staff'],
    })
    expect(g2.body.items.length).toBe((await checksOf(grids[1]!)).length)
    expect(g2.body.items.every((r: { gridId: number }) => r.gridId === grids[1])).toBe(true)
    const surname = row.name.slice(0, 1)
    const named = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks?q=${encodeURIComponent(surname)}`, {
      token: t['guihua.staff'],
    })
    expect(named.body.items.length).toBeGreaterThan(0)
    expect(named.body.items.every((r: { name: string }) => r.name.startsWith(surname))).toBe(true)
    const tag = row.tags[0]
    const tagged = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks?tag=${tag}`, {
      token: t['guihua.staff'],
    })
    expect(tagged.body.items.every((r: { tags: string[] }) => r.tags.includes(tag))).toBe(true)
  })

  it("gives a grid worker their grid only, and another community's grid worker nothing (404)", async () => {
    const worker = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks`, { token: t['guihua.grid'] })
    expect(worker.status).toBe(200)
    const g1 = await checksOf(grids[0]!)
    expect(worker.body.items.map((r: { id: number }) => r.id)).toEqual(g1.map((c) => c.id))
    const other = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks`, { token: t['cuizhu.grid'] })
    expect(other.status).toBe(404)
    const otherMark = await mark(t['cuizhu.grid']!, [
      { checkId: g1[0]!.id, opId: randomUUID(), status: 'safe', observedAt: at() },
    ])
    expect(otherMark.status).toBe(404)
    expect((await checksOf(grids[0]!))[0]!.status).toBe('pending')
  })

  it('shows a volunteer enrolled for G01 only G01, and refuses their marks elsewhere', async () => {
    await p.database.db
      .insertInto('incident_responder')
      .values({
        incident_id: incident,
        user_id: user['guihua.resident']!,
        grid_ids: [grids[0]!],
        added_by: user['guihua.leader']!,
        added_at: p.clock.now(),
      })
      .execute()
    const res = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks`, { token: t['guihua.resident'] })
    expect(res.status).toBe(200)
    expect(res.body.items.length).toBe((await checksOf(grids[0]!)).length)
    expect(res.body.items.every((r: { gridId: number; name: string }) => r.gridId === grids[0] && r.name)).toBe(true)
    const summary = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks/summary`, {
      token: t['guihua.resident'],
    })
    expect(summary.body.grids.map((g: { gridId: number }) => g.gridId)).toEqual([grids[0]])
    const g2 = (await checksOf(grids[1]!))[0]!
    const refused = await mark(t['guihua.resident']!, [
      { checkId: g2.id, opId: randomUUID(), status: 'safe', observedAt: at() },
    ])
    expect(refused.status).toBe(404)
    expect(refused.body.error).toMatchObject({ code: 'CHECK_NOT_FOUND', field: 'updates[0].checkId' })
    expect((await checksOf(grids[1]!))[0]!.status).toBe('pending')
    const own = (await checksOf(grids[0]!))[3] ?? (await checksOf(grids[0]!))[0]!
    const ok = await mark(t['guihua.resident']!, [
      { checkId: own.id, opId: randomUUID(), status: 'safe', observedAt: at() },
    ])
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body.results[0].outcome).toBe('applied')
  })

  it('counts a duplicated mark once', async () => {
    const check = (await checksOf(grids[0]!))[0]!
    const opId = randomUUID()
    const update = { checkId: check.id, opId, status: 'safe', note: '在家，状态良好', observedAt: at(-2 * MIN) }
    const first = await mark(t['guihua.grid']!, [update])
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    expect(first.body.results[0]).toMatchObject({
      outcome: 'applied',
      check: { status: 'safe', note: '在家，状态良好' },
    })
    expect(first.body.results[0].check.checkedBy).toBeTruthy()
    const after = (await checksOf(grids[0]!))[0]!
    // The flaky phone sends it again, alone and inside a batch with itself.
    const again = await mark(t['guihua.grid']!, [update, update])
    expect(again.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['duplicate', 'duplicate'])
    const rows = await p.database.db
      .selectFrom('incident_check_update')
      .select('id')
      .where('check_id', '=', check.id)
      .where('op_id', '=', opId)
      .execute()
    expect(rows.length).toBe(1)
    const now = (await checksOf(grids[0]!))[0]!
    expect(now.version).toBe(after.version)
    expect(now.reached_at).not.toBeNull()
    const logs = await sql<{ n: number }>`
      select count(*)::int as n from incident_log where incident_id = ${incident} and data->>'opId' = ${opId}`.execute(
      p.database.db,
    )
    expect(logs.rows[0]!.n).toBe(1)
  })

  it('applies offline marks in the order they were observed', async () => {
    const check = (await checksOf(grids[0]!))[1]!
    // The newer observation arrives first; the older one (queued offline) after it.
    const newer = { checkId: check.id, opId: randomUUID(), status: 'safe', observedAt: at(-5 * MIN) }
    const older = { checkId: check.id, opId: randomUUID(), status: 'unreachable', observedAt: at(-20 * MIN) }
    const res = await mark(t['guihua.grid']!, [newer, older])
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['applied', 'superseded'])
    const row = (await checksOf(grids[0]!))[1]!
    expect(row.status).toBe('safe')
    expect(new Date(row.observed_at!).toISOString()).toBe(newer.observedAt)
    // No escalation timer for the superseded unreachable.
    const timers = await p.database.db
      .selectFrom('workflow_timer')
      .select('id')
      .where('subject_type', '=', 'incident_check')
      .where('subject_id', '=', check.id)
      .execute()
    expect(timers.length).toBe(0)
    // A reach observed earlier than what stands still counts as the first reach.
    const earlier = { checkId: check.id, opId: randomUUID(), status: 'safe', observedAt: at(-30 * MIN) }
    expect((await mark(t['guihua.grid']!, [earlier])).body.results[0].outcome).toBe('superseded')
    const reached = (await checksOf(grids[0]!))[1]!
    expect(new Date(reached.reached_at!).toISOString()).toBe(earlier.observedAt)
    expect(reached.status).toBe('safe')
  })

  it('refuses an observation in the future, naming it', async () => {
    const check = (await checksOf(grids[0]!))[2]!
    const res = await mark(t['guihua.grid']!, [
      { checkId: check.id, opId: randomUUID(), status: 'safe', observedAt: at(-MIN) },
      { checkId: check.id, opId: randomUUID(), status: 'safe', observedAt: at(10 * MIN) },
    ])
    expect(res.status).toBe(422)
    expect(res.body.error).toMatchObject({ code: 'CHECK_OBSERVED_IN_FUTURE', field: 'updates[1].observedAt' })
    expect((await checksOf(grids[0]!))[2]!.status).toBe('pending')
    // Bad shapes are 400s naming the field.
    const bad = await mark(t['guihua.grid']!, [
      { checkId: check.id, opId: 'not-a-uuid', status: 'safe', observedAt: at() },
    ])
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('updates[0].opId')
    const none = await mark(t['guihua.grid']!, [])
    expect(none.status).toBe(400)
  })

  it('tells the commander at once when someone needs help', async () => {
    const before = (await notificationsOf(user['guihua.leader']!)).length
    const check = (await checksOf(grids[1]!))[0]!
    const res = await mark(t['guihua.staff']!, [
      { checkId: check.id, opId: randomUUID(), status: 'needs_help', note: '中暑症状，需送医', observedAt: at() },
    ])
    expect(res.body.results[0].outcome).toBe('applied')
    const notes = await notificationsOf(user['guihua.leader']!)
    expect(notes.length).toBe(before + 1)
    expect(notes.at(-1)!.params).toMatchObject({ event: 'escalated', incidentId: incident, drill: false })
    const log = await sql<{ kind: string; message: string }>`
      select kind, message from incident_log where incident_id = ${incident} order by id desc limit 1`.execute(
      p.database.db,
    )
    expect(log.rows[0]!.kind).toBe('check_needs_help')
    // The log is read by everyone on the incident: the name masked, the note left on the check.
    expect(log.rows[0]!.message).toMatch(/^核查：\S\*+ 需要帮助$/)
    expect(log.rows[0]!.message).not.toContain('中暑症状')
  })

  it('escalates someone still unreachable when the limit passes, and not someone reached before it', async () => {
    const [a, b] = await checksOf(grids[2]!)
    const leaderBefore = (await notificationsOf(user['guihua.leader']!)).length
    await mark(t['guihua.staff']!, [
      { checkId: a!.id, opId: randomUUID(), status: 'unreachable', note: '敲门无人应答', observedAt: at() },
      { checkId: b!.id, opId: randomUUID(), status: 'unreachable', observedAt: at() },
    ])
    p.clock.set(new Date(p.clock.now().getTime() + 10 * MIN))
    await mark(t['guihua.staff']!, [{ checkId: b!.id, opId: randomUUID(), status: 'safe', observedAt: at() }])
    // Before the limit nothing fires.
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    expect(
      (
        await p.database.db
          .selectFrom('incident_check')
          .select('escalated_at')
          .where('id', '=', a!.id)
          .executeTakeFirstOrThrow()
      ).escalated_at,
    ).toBeNull()
    p.clock.set(new Date(p.clock.now().getTime() + 25 * MIN))
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const rowA = await p.database.db
      .selectFrom('incident_check')
      .selectAll()
      .where('id', '=', a!.id)
      .executeTakeFirstOrThrow()
    const rowB = await p.database.db
      .selectFrom('incident_check')
      .selectAll()
      .where('id', '=', b!.id)
      .executeTakeFirstOrThrow()
    expect(rowA.status).toBe('unreachable')
    expect(rowA.escalated_at).not.toBeNull()
    expect(rowB.status).toBe('safe')
    expect(rowB.escalated_at).toBeNull()
    const log = await sql<{ kind: string; data: { checkId: number } }>`
      select kind, data from incident_log where incident_id = ${incident} and kind = 'check_escalated'`.execute(
      p.database.db,
    )
    expect(log.rows.map((r) => Number(r.data.checkId))).toEqual([a!.id])
    // The commander is told (guihua.leader commands and leads the area: one notice each way is fine, at least one).
    expect((await notificationsOf(user['guihua.leader']!)).length).toBeGreaterThan(leaderBefore)
    const summary = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks/summary`, {
      token: t['guihua.leader'],
    })
    expect(summary.body.totals.escalated).toBe(1)
    // Firing again changes nothing.
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    expect(
      (
        await sql<{
          n: number
        }>`select count(*)::int as n from incident_log where incident_id = ${incident} and kind = 'check_escalated'`.execute(
          p.database.db,
        )
      ).rows[0]!.n,
    ).toBe(1)
  })

  it('sums per grid in one answer that matches the rows', async () => {
    const res = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks/summary`, { token: t['guihua.staff'] })
    expect(res.status).toBe(200)
    const rows = await p.database.db
      .selectFrom('incident_check')
      .select(['area_id', 'status'])
      .where('incident_id', '=', incident)
      .execute()
    for (const g of res.body.grids) {
      const mine = rows.filter((r) => r.area_id === g.gridId)
      expect(g.total).toBe(mine.length)
      expect(g.safe).toBe(mine.filter((r) => r.status === 'safe').length)
      expect(g.needsHelp).toBe(mine.filter((r) => r.status === 'needs_help').length)
      expect(g.pending + g.safe + g.needsHelp + g.unreachable).toBe(g.total)
    }
    expect(res.body.totals.total).toBe(rows.length)
    expect(res.body.grids.map((g: { gridId: number }) => g.gridId).sort()).toEqual([...grids].sort())
    expect(
      (await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks/summary`, { token: t['cuizhu.staff'] })).status,
    ).toBe(404)
  })

  it('streams a summary at once and another worker’s mark within seconds', async () => {
    const address = await p.app.listen({ port: 0, host: '127.0.0.1' })
    const port = (p.app.server.address() as AddressInfo).port
    expect(address).toContain(String(port))
    const abort = new AbortController()
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/incidents/${incident}/checks/stream`, {
      headers: { authorization: `Bearer ${t['guihua.leader']}`, accept: 'text/event-stream' },
      signal: abort.signal,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    const until = async (needle: string) => {
      const stop = Date.now() + 10_000
      while (!buffer.includes(needle) && Date.now() < stop) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += decoder.decode(value, { stream: true })
      }
      return buffer.includes(needle)
    }
    expect(await until('event: summary')).toBe(true)
    const data = buffer.split('\n').find((l) => l.startsWith('data: '))!
    expect(JSON.parse(data.slice(6)).totals.total).toBe(total)
    const check = (await checksOf(grids[1]!))[1] ?? (await checksOf(grids[1]!))[0]!
    await mark(t['guihua.grid']!, []) // nothing (400), the stream ignores it
    const marked = await mark(t['guihua.staff']!, [
      { checkId: check.id, opId: randomUUID(), status: 'safe', note: '邻居代为确认', observedAt: at() },
    ])
    expect(marked.status).toBe(200)
    expect(await until('event: changes')).toBe(true)
    const changes = buffer
      .split('\n\n')
      .find((e) => e.includes('event: changes'))!
      .split('\n')
      .find((l) => l.startsWith('data: '))!
    expect(JSON.parse(changes.slice(6)).map((r: { id: number }) => r.id)).toContain(check.id)
    expect(openCheckStreams.count).toBe(1)
    abort.abort()
    await reader.cancel().catch(() => {})
    // The server's loop ends when the client goes (before the next poll).
    const started = Date.now()
    while (openCheckStreams.count > 0 && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 50))
    expect(openCheckStreams.count).toBe(0)

    // Without Accept: text/event-stream, one JSON snapshot (and since= gives what changed).
    const since = new Date(p.clock.now().getTime() - MIN).toISOString()
    const snap = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks/stream?since=${since}`, {
      token: t['guihua.grid'],
    })
    expect(snap.status).toBe(200)
    expect(snap.body.summary.grids.map((g: { gridId: number }) => g.gridId)).toEqual([grids[0]])
    // The G02 mark is not the G01 worker's to see.
    expect(snap.body.changes.map((r: { id: number }) => r.id)).not.toContain(check.id)
    const refused = await call(p.app, 'GET', `/api/v1/incidents/${incident}/checks/stream`, { token: t['cuizhu.grid'] })
    expect(refused.status).toBe(404)
  })

  it('refuses marks on a closed incident', async () => {
    const other = await insertIncident(p, { area: await areaId(p, 'JZ-QH-01-01'), grids, commander: 'guihua.leader' })
    const check = await p.database.db
      .selectFrom('incident_check')
      .select('id')
      .where('incident_id', '=', other.id)
      .executeTakeFirstOrThrow()
    await sql`update incident set status = 'closed', closed_at = ${p.clock.now()}, summary = '结束' where id = ${other.id}`.execute(
      p.database.db,
    )
    const res = await mark(
      t['guihua.staff']!,
      [{ checkId: Number(check.id), opId: randomUUID(), status: 'safe', observedAt: at() }],
      other.id,
    )
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('INCIDENT_CLOSED')
  })

  it('pages through 10,000 people in order, and the summary counts them', async () => {
    const grid = await areaId(p, 'JZ-QH-01-01-G04')
    const now = p.clock.now()
    await sql`
      insert into person (area_id, district_id, name, id_type, id_number_enc, id_number_bidx, id_number_masked, sex,
                          residence_status, birth_date, tags, created_at, updated_at)
      select a.id, split_part(a.path, '/', 3)::int, '测试' || g, 'resident_id', '\\x00'::bytea, 'bulk-check-' || g,
             '3301**********' || lpad((g % 10000)::text, 4, '0'), 'female', 'registered', date '1940-01-01' + g,
             array['elderly_alone'], ${now}, ${now}
      from area a, generate_series(1, 10000) g where a.id = ${grid}`.execute(p.database.db)
    const big = await insertIncident(p, {
      area: await areaId(p, 'JZ-QH-01-01'),
      grids: [grid],
      commander: 'guihua.leader',
    })
    expect(big.checks).toBeGreaterThanOrEqual(10_000)
    const seen: number[] = []
    let after: number | null = null
    let pages = 0
    const started = Date.now()
    do {
      const url: string = `/api/v1/incidents/${big.id}/checks?pageSize=200${after ? `&after=${after}` : ''}`
      const res = await call(p.app, 'GET', url, { token: t['guihua.staff'] })
      expect(res.status).toBe(200)
      expect(res.body.items.length).toBeLessThanOrEqual(200)
      expect(res.body.total).toBe(big.checks)
      seen.push(...res.body.items.map((r: { id: number }) => r.id))
      after = res.body.nextAfter
      pages++
    } while (after !== null && pages < 100)
    const ms = Date.now() - started
    expect(seen.length).toBe(big.checks)
    expect(new Set(seen).size).toBe(big.checks)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(pages).toBe(Math.ceil(big.checks / 200))
    const summary = await call(p.app, 'GET', `/api/v1/incidents/${big.id}/checks/summary`, { token: t['guihua.staff'] })
    expect(summary.body.totals).toMatchObject({ total: big.checks, pending: big.checks })
    console.log(`[checks] ${backend}: ${big.checks} people in ${pages} pages, ${ms} ms`)
    // The stream's changes, 500 at a time, walk every row though all share one time (the list
    // was made at once): each batch continues strictly after the last row of the one before.
    const ctx = await p.database.db.transaction().execute((tx) => demoActor(tx, 'guihua.staff'))
    const streamed = new Set<number>()
    let keyset: { at: Date; id: number } | null = null
    for (let i = 0; i < 40; i++) {
      const k: { at: Date; id: number } | null = keyset
      const rows = await inScope(p.database.db, ctx, (tx) =>
        checksChangedSince(tx, ctx, big.id, k?.at ?? new Date(0), p.clock.now(), 500, k?.id ?? null),
      )
      for (const r of rows) streamed.add(r.id)
      if (rows.length < 500) break
      keyset = { at: new Date(rows.at(-1)!.updatedAt), id: rows.at(-1)!.id }
    }
    expect(streamed.size).toBe(big.checks)
  }, 120_000)
})
