import { sql } from 'kysely'
import { fieldCipher } from '../../src/core/crypto.js'
import { deliverDueAlerts, expandAlerts } from '../../src/emergency/alerts.js'
import { generateResidents } from '../../src/emergency/alerts-demo.js'
import { LogTransport } from '../../src/notifications/transport.js'
import { latency, type LatencyResult } from '../lib/load.js'
import type { Measurement, Profile, Section } from '../lib/types.js'
import { BENCH_DATA_KEY } from './registry.js'

// Emergency alerts at volume (issue 17): an alert to 100,000 residents. The request only queues it
// (time to queue, on the real server); the worker's expansion into recipients and its sending
// through the logging transport (to a null log, unpaced) are measured in the baseline process on
// the same database, each against a bare equivalent measured in the same run: the expansion
// against one `insert … select` of the same people, the sending against a bare loop of
// transport.send. And the check list of 10,000 people (first page, as a grid worker's phone loads
// it) against the SQL of the same page.

const RESIDENTS: Record<Profile['name'], number> = { smoke: 2_000, quick: 100_000, full: 100_000 }
const CHECKS: Record<Profile['name'], number> = { smoke: 1_000, quick: 10_000, full: 10_000 }

interface Prepared {
  incident: number
  residents: number
  checks: number
  queue: LatencyResult | null
  expandMs: number
  bareExpandMs: number
  sent: number
  sendSeconds: number
  bareSendPerSecond: number
  checkPage: LatencyResult
}

const ms = (t0: number) => performance.now() - t0

export const emergency: Section<Prepared> = {
  name: 'emergency',
  description:
    'an alert to 100,000 residents: time to queue, expansion into recipients vs a bare insert…select, messages per second through the logging transport vs a bare send loop; the check list of 10,000 people vs its SQL',
  baselineRoutes(app, database, data) {
    const db = database.db
    const cipher = fieldCipher(Buffer.from(BENCH_DATA_KEY, 'base64'))
    let incident = 0
    let grids: number[] = []
    // Residents generated into the community's grids, an incident over them, a check list of the first ones.
    app.post('/baseline/emergency/prepare', async (req) => {
      const q = req.query as { residents: string; checks: string }
      const { rows: g } = await sql<{ id: number }>`
        select id from area where level = 'grid' and path like (select path from area where id = ${data.community.id}) || '%'
        order by id`.execute(db)
      grids = g.map((r) => Number(r.id))
      await generateResidents(db, cipher, grids, Number(q.residents), 170)
      const now = new Date().toISOString()
      await sql`insert into incident (reference, area_id, district_id, kind, level, title, description, commander_id, status,
                  check_tags, declared_by, declared_at, updated_at)
        select 'YJ-BENCH-1', ${data.community.id}, ${data.district.id}, 'flood', 2, '基准测试：内涝', '基准测试。', u.id, 'active',
               array['elderly_alone'], u.id, ${now}::timestamptz, ${now}::timestamptz
        from app_user u where u.username = 'admin'`.execute(db)
      const { rows } = await sql<{ id: number }>`select id from incident where reference = 'YJ-BENCH-1'`.execute(db)
      incident = Number(rows[0]!.id)
      for (const id of grids)
        await sql`insert into incident_grid (incident_id, area_id) values (${incident}, ${id})`.execute(db)
      await sql`insert into incident_check (incident_id, person_id, area_id, district_id, tags, created_at, updated_at)
        select ${incident}, p.id, p.area_id, p.district_id, array['elderly_alone'], ${now}::timestamptz, ${now}::timestamptz
        from person p where p.area_id = any(${grids}::int[]) and p.status = 'active'
        order by p.id limit ${Number(q.checks)}`.execute(db)
      const { rows: n } = await sql<{ n: number }>`select count(*)::int as n from person
        where area_id = any(${grids}::int[]) and status = 'active'`.execute(db)
      return { incident, residents: n[0]!.n }
    })
    // The worker's expansion of one alert to every resident of the grids, then its sending.
    app.post('/baseline/emergency/worker', async () => {
      const now = new Date()
      await sql`insert into incident_alert (incident_id, template, grid_ids, drill, status, created_by, created_at)
        select ${incident}, 'evacuate', ${grids}::int[], false, 'queued', u.id, ${now}::timestamptz
        from app_user u where u.username = 'admin'`.execute(db)
      let t0 = performance.now()
      await expandAlerts(db, now)
      const expandMs = ms(t0)
      const quiet = new LogTransport(() => {})
      t0 = performance.now()
      let sent = 0
      for (;;) {
        const r = await deliverDueAlerts(db, now, quiet, cipher, { ratePerSecond: 1e9, batch: 1000 })
        sent += r.sent
        if (r.sent === 0 && r.failed === 0) break
      }
      return { expandMs, sent, sendSeconds: ms(t0) / 1000 }
    })
    // The floor: the same people copied by one insert … select; a bare loop handing messages to the transport.
    app.post('/baseline/emergency/bare', async () => {
      await sql`create table if not exists bench_alert_bare (person_id bigint, area_id int, district_id int, sms boolean)`.execute(
        db,
      )
      await sql`truncate bench_alert_bare`.execute(db)
      let t0 = performance.now()
      await sql`insert into bench_alert_bare select p.id, p.area_id, p.district_id, p.phone_enc is not null
        from person p where p.area_id = any(${grids}::int[]) and p.status = 'active'`.execute(db)
      const bareExpandMs = ms(t0)
      await sql`drop table bench_alert_bare`.execute(db)
      const quiet = new LogTransport(() => {})
      const n = 20_000
      t0 = performance.now()
      for (let i = 0; i < n; i++)
        await quiet.send({
          to: '13900001111',
          channel: 'sms',
          templateKey: 'incident.alert',
          params: {
            drill: '',
            level: 'Ⅱ级',
            kind: '洪涝',
            title: '基准测试',
            template: '请撤离',
            note: '',
            link: '/#/x',
          },
          locale: 'zh-CN',
          messageId: `bare-${i}`,
        })
      return { bareExpandMs, bareSendPerSecond: n / (ms(t0) / 1000) }
    })
    app.get('/baseline/emergency/checks', async () => {
      const { rows } =
        await sql`select c.id, c.person_id, p.name, c.area_id, c.tags, c.status, c.note, c.observed_at, c.updated_at
        from incident_check c join person p on p.id = c.person_id
        where c.incident_id = ${incident} order by c.area_id, c.id limit 200`.execute(db)
      return { items: rows }
    })
  },
  async baseline(ctx) {
    const post = async (path: string) => {
      const r = await fetch(`${ctx.url}${path}`, { method: 'POST' })
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`)
      return r.json() as Promise<Record<string, number>>
    }
    const prep = await post(
      `/baseline/emergency/prepare?residents=${RESIDENTS[ctx.profile.name]}&checks=${CHECKS[ctx.profile.name]}`,
    )
    const worker = await post('/baseline/emergency/worker')
    const bare = await post('/baseline/emergency/bare')
    const checkPage = await latency(
      () => fetch(`${ctx.url}/baseline/emergency/checks`),
      ctx.profile.samples,
      ctx.profile.warmup,
    )
    return {
      incident: prep.incident!,
      residents: prep.residents!,
      checks: CHECKS[ctx.profile.name],
      queue: null,
      expandMs: worker.expandMs!,
      bareExpandMs: bare.bareExpandMs!,
      sent: worker.sent!,
      sendSeconds: worker.sendSeconds!,
      bareSendPerSecond: bare.bareSendPerSecond!,
      checkPage,
    }
  },
  async run(ctx, base) {
    if (!base) return []
    const auth = { authorization: `Bearer ${ctx.tokens.admin}`, 'content-type': 'application/json' }
    // Queueing is one insert whatever the number of residents: one request to all of them (the
    // server's worker then sends it at its pace, ALERT_RATE_PER_SECOND, while later sections run).
    // First a refused one (a grid not of the incident: 422 after loading it), so the measured
    // request does not pay for the server's first statements.
    const warm = await fetch(`${ctx.url}/api/v1/incidents/${base.incident}/alerts`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ template: 'warning', gridIds: [ctx.data.district.id] }),
    })
    await warm.text()
    const t0 = performance.now()
    const r = await fetch(`${ctx.url}/api/v1/incidents/${base.incident}/alerts`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ template: 'warning', noteZh: '基准测试' }),
    })
    const queueMs = ms(t0)
    const queued = r.status === 202
    const perSecond = base.sent / base.sendSeconds
    const checks = await latency(
      () => fetch(`${ctx.url}/api/v1/incidents/${base.incident}/checks?pageSize=200`, { headers: auth }),
      ctx.profile.samples,
      ctx.profile.warmup,
    )
    const note = `${base.residents} residents in ${ctx.data.community.code}; ${base.sent} messages sent`
    return [
      {
        section: 'emergency',
        name: `queue an alert to ${base.residents} residents (the request)`,
        unit: 'ms',
        value: queueMs,
        target: '≤ 200 ms (never expanded nor sent in the request)',
        met: queued && queueMs <= 200,
        note: queued ? note : `answered ${r.status}: ${await r.text()}`,
      },
      {
        section: 'emergency',
        name: 'expand the alert into recipients (worker)',
        unit: 'ms',
        value: base.expandMs,
        baseline: base.bareExpandMs,
        ratio: base.expandMs / base.bareExpandMs,
        note: `chunks of 2,000 people per transaction, keyset by person id; baseline one insert … select of the same people`,
      },
      {
        section: 'emergency',
        name: 'messages per second through the logging transport (worker, unpaced)',
        unit: 'msg/s',
        value: perSecond,
        baseline: base.bareSendPerSecond,
        ratio: base.bareSendPerSecond / perSecond,
        note: `${note}; claim with a lease, send, mark with the inbox row; baseline a bare loop of transport.send. Production paces at ALERT_RATE_PER_SECOND (200)`,
      },
      {
        section: 'emergency',
        name: `check list of ${base.checks} people, first page of 200 p95`,
        unit: 'ms',
        value: checks.p95,
        baseline: base.checkPage.p95,
        ratio: checks.p95 / base.checkPage.p95,
        note: `the checks part's route (row-level security, the page's audit entry) vs the page's SELECT${checks.failures ? `; ${checks.failures} failed (last status ${checks.lastStatus})` : ''}`,
        detail: { product: checks, baseline: base.checkPage },
      },
    ] satisfies Measurement[]
  },
}
