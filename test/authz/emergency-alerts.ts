import { sql } from 'kysely'
import { expect } from 'vitest'
import { cipherFor } from '../../src/core/crypto.js'
import { alertLinkToken, deliverDueAlerts } from '../../src/emergency/alerts.js'
import { LogTransport } from '../../src/notifications/transport.js'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Emergency alerts in both authorization tables (see parts.ts). The incident's command (admins,
// leaders and staff of its area) queue and re-send alerts; everyone on the incident (its area's
// staff and grid workers) reads them; a resident reads and acknowledges their own; anyone holding
// a valid link reads and acknowledges the one alert it names.

const quiet = new LogTransport(() => {})

/** An active incident of `community` over its first two grids (owner rights: the declare use case is another part's). */
async function incidentOf(p: TestPlatform, communityCode: string, commander: string) {
  const db = p.database.db
  const now = p.clock.now()
  const { rows } = await sql<{ id: number }>`
    insert into incident (reference, area_id, district_id, kind, level, title, description, commander_id, status,
                          check_tags, declared_by, declared_at, updated_at)
    select 'YJ-AUTHZ-' || nextval('incident_seq'), c.id, d.id, 'heatwave', 3, '权限表：高温', '权限表用的突发事件。',
           u.id, 'active', array['elderly_alone'], u.id, ${now}, ${now}
    from area c join area d on d.code = 'JZ-QH' join app_user u on u.username = ${commander}
    where c.code = ${communityCode}
    returning id`.execute(db)
  const id = Number(rows[0]!.id)
  await sql`insert into incident_grid (incident_id, area_id)
    select ${id}, a.id from area a where a.code in (${`${communityCode}-G01`}, ${`${communityCode}-G02`})`.execute(db)
  // The grid of the community's demo resident, so they are alerted too.
  await sql`insert into incident_grid (incident_id, area_id)
    select ${id}, p.area_id from resident_verification v join person p on p.id = v.person_id
    join app_user u on u.id = v.user_id where u.username = ${communityCode.startsWith('JZ-QH-01') ? 'guihua.resident' : 'cuizhu.resident'}
    on conflict do nothing`.execute(db)
  return id
}

/** An alert queued by `staff` and delivered to the end (log transport to nowhere). */
async function deliveredAlert(p: TestPlatform, staff: string, incident: number) {
  const alert = must(
    'alert',
    await call(p.app, 'POST', `/api/v1/incidents/${incident}/alerts`, { token: staff, body: { template: 'warning' } }),
    202,
  )
  for (let i = 0; i < 20; i++) {
    const r = await deliverDueAlerts(p.database.db, p.clock.now(), quiet, cipherFor(p.config), {
      ratePerSecond: 1_000_000,
      batch: 1000,
    })
    if (r.sent === 0) break
  }
  return alert.id as number
}

/** A recipient row of `username`'s account, else any recipient of the alert. */
async function recipientOf(p: TestPlatform, alertId: number, username: string) {
  const { rows } = await sql<{ id: number }>`
    select r.id from incident_alert_recipient r left join app_user u on u.id = r.user_id
    where r.alert_id = ${alertId} and r.status = 'sent'
    order by (u.username = ${username}) is true desc, r.id limit 1`.execute(p.database.db)
  return Number(rows[0]!.id)
}

interface OwnData {
  incident: number
  alert: number
  /** guihua.resident's recipient row, and a link token of a recipient. */
  mine: number
  token: string
}

const commandRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const onIncident = row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound')
const residentOnly = row('unauth', 'notFound', 'notFound', 'notFound', 'notFound', 'notFound', 'notFound', 'ok')
const everyone = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')
const anyone = row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')

export const own: OwnPart<OwnData> = {
  async setup(p, base) {
    const incident = await incidentOf(p, 'JZ-QH-01-01', 'guihua.leader')
    const alert = await deliveredAlert(p, await base.token('guihua.staff'), incident)
    const mine = await recipientOf(p, alert, 'guihua.resident')
    const owner = await sql<{ username: string }>`select u.username from incident_alert_recipient r
      join app_user u on u.id = r.user_id where r.id = ${mine}`.execute(p.database.db)
    expect(owner.rows[0]?.username).toBe('guihua.resident')
    return { incident, alert, mine, token: alertLinkToken(cipherFor(p.config), mine) }
  },
  rows: {
    // Each caller queues a throwaway alert (never sent: no worker runs).
    'POST /api/v1/incidents/:id/alerts': commandRow,
    'GET /api/v1/incidents/:id/alerts': onIncident,
    'GET /api/v1/incidents/:id/alerts/:alertId': onIncident,
    // Each caller re-sends the delivered alert (a throwaway alert again).
    'POST /api/v1/incidents/:id/alerts/:alertId/resend': commandRow,
    'GET /api/v1/alerts/mine': everyone,
    'GET /api/v1/alerts/mine/:recipientId': residentOnly,
    // A repeat acknowledgement is a no-op 200.
    'POST /api/v1/alerts/mine/:recipientId/ack': residentOnly,
    'GET /api/v1/alerts/link/:token': anyone,
    'POST /api/v1/alerts/link/:token/ack': anyone,
  },
  probes: {
    'POST /api/v1/incidents/:id/alerts': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/alerts`, { token, body: { template: 'check_in' } }),
    'GET /api/v1/incidents/:id/alerts': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/alerts`, { token }),
    'GET /api/v1/incidents/:id/alerts/:alertId': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/alerts/${data.alert}`, { token }),
    'POST /api/v1/incidents/:id/alerts/:alertId/resend': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/alerts/${data.alert}/resend`, {
        token,
        body: { to: 'unacknowledged' },
      }),
    'GET /api/v1/alerts/mine': ({ p, token }) => call(p.app, 'GET', '/api/v1/alerts/mine', { token }),
    'GET /api/v1/alerts/mine/:recipientId': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/alerts/mine/${data.mine}`, { token }),
    'POST /api/v1/alerts/mine/:recipientId/ack': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/alerts/mine/${data.mine}/ack`, { token }),
    'GET /api/v1/alerts/link/:token': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/alerts/link/${data.token}`, { token }),
    'POST /api/v1/alerts/link/:token/ack': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/alerts/link/${data.token}/ack`, { token }),
  },
}

interface ScopingData {
  incident: number
  alert: number
  /** A recipient of B's alert (cuizhu.resident's when they were alerted), and a forged link to it. */
  recipient: number
  forged: string
}

export const scoping: ScopingPart<ScopingData> = {
  async setup(p, base) {
    const incident = await incidentOf(p, 'JZ-QH-02-01', 'cuizhu.leader')
    const alert = await deliveredAlert(p, await base.token('cuizhu.staff'), incident)
    const recipient = await recipientOf(p, alert, 'cuizhu.resident')
    // The right id with a mac made for another recipient: what a guesser could try.
    const forged = `${recipient}.${alertLinkToken(cipherFor(p.config), recipient + 1).split('.')[1]}`
    return { incident, alert, recipient, forged }
  },
  probes: {
    'GET /api/v1/incidents/:id/alerts': async (p, token, data) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${data.incident}/alerts`, { token })).status),
    'GET /api/v1/incidents/:id/alerts/:alertId': async (p, token, data) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${data.incident}/alerts/${data.alert}`, { token })).status),
    'POST /api/v1/incidents/:id/alerts': (p, token, data) =>
      unchanged(
        () =>
          sql`select id from incident_alert where incident_id = ${data.incident} order by id`.execute(p.database.db),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${data.incident}/alerts`, { token, body: { template: 'evacuate' } }),
      ),
    'POST /api/v1/incidents/:id/alerts/:alertId/resend': (p, token, data) =>
      unchanged(
        () =>
          sql`select id from incident_alert where incident_id = ${data.incident} order by id`.execute(p.database.db),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${data.incident}/alerts/${data.alert}/resend`, {
            token,
            body: { to: 'unreached' },
          }),
      ),
    'GET /api/v1/alerts/mine': async (p, token, data) => {
      const res = await call(p.app, 'GET', '/api/v1/alerts/mine?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      for (const a of res.body.items) {
        expect(a.incidentId).not.toBe(data.incident)
        expect(a.recipientId).not.toBe(data.recipient)
      }
    },
    'GET /api/v1/alerts/mine/:recipientId': async (p, token, data) =>
      denied((await call(p.app, 'GET', `/api/v1/alerts/mine/${data.recipient}`, { token })).status),
    'POST /api/v1/alerts/mine/:recipientId/ack': (p, token, data) =>
      unchanged(
        () =>
          sql`select acknowledged_at from incident_alert_recipient where id = ${data.recipient}`.execute(p.database.db),
        () => call(p.app, 'POST', `/api/v1/alerts/mine/${data.recipient}/ack`, { token }),
      ),
    'GET /api/v1/alerts/link/:token': async (p, token, data) =>
      denied((await call(p.app, 'GET', `/api/v1/alerts/link/${data.forged}`, { token })).status),
    'POST /api/v1/alerts/link/:token/ack': (p, token, data) =>
      unchanged(
        () =>
          sql`select acknowledged_at from incident_alert_recipient where id = ${data.recipient}`.execute(p.database.db),
        () => call(p.app, 'POST', `/api/v1/alerts/link/${data.forged}/ack`, { token }),
      ),
  },
}
