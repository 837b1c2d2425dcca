import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { expect } from 'vitest'
import { buildCheckList } from '../../src/emergency/checks.js'
import { checkTags } from '../../src/emergency/common.js'
import { call, type TestPlatform } from '../support.js'
import { denied, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Emergency response (checks) in both authorization tables (see parts.ts).
// The check list is read and worked per grid: staff over the grid (admin, leader, staff of the
// community), its grid worker, the incident's command and the volunteers enrolled for the grid.
// Callers who do not see the incident at all (the street's handler and mediator, a resident not
// enrolled) get 404 INCIDENT_NOT_FOUND.

/** An active incident over `grid` (some of its people given a care tag first), inserted as the owner. */
async function incidentOver(p: TestPlatform, community: number, grid: number, commander: string) {
  const now = p.clock.now()
  return p.database.db.transaction().execute(async (tx) => {
    await sql`update person set tags = tags || array['key_care'] where id in (
                select id from person where area_id = ${grid} and status = 'active'
                and not tags && ${[...checkTags]}::text[] order by id limit 3)`.execute(tx)
    const { rows } = await sql<{ id: number }>`
      insert into incident (reference, area_id, district_id, kind, level, title, description, commander_id, status,
                            check_tags, declared_by, declared_at, updated_at)
      select ${`AUTHZ-CHK-${randomUUID().slice(0, 8)}`}, a.id, split_part(a.path, '/', 3)::int, 'rainstorm', 4,
             '权限表事件', '权限表用', u.id, 'active', ${[...checkTags]}::text[], u.id, ${now}, ${now}
      from area a, app_user u where a.id = ${community} and u.username = ${commander}
      returning id`.execute(tx)
    const id = Number(rows[0]!.id)
    await tx.insertInto('incident_grid').values({ incident_id: id, area_id: grid }).execute()
    await buildCheckList(tx, id, [grid], checkTags, now)
    const check = await tx
      .selectFrom('incident_check')
      .select('id')
      .where('incident_id', '=', id)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    return { incident: id, check: Number(check.id) }
  })
}

type Data = { incident: number; check: number }

// Those who work grid G01 read and mark; the others do not see the incident.
const workerRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound')

export const own: OwnPart<Data> = {
  setup: (p, base) => incidentOver(p, base.community, base.grid, 'guihua.leader'),
  rows: {
    'GET /api/v1/incidents/:id/checks': workerRow,
    'GET /api/v1/incidents/:id/checks/summary': workerRow,
    // A real mark (safe, now) with a fresh opId each time: repeating it changes nothing more.
    'POST /api/v1/incidents/:id/checks/updates': workerRow,
    // Without Accept: text/event-stream the stream answers one JSON snapshot.
    'GET /api/v1/incidents/:id/checks/stream': workerRow,
  },
  probes: {
    'GET /api/v1/incidents/:id/checks': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/checks`, { token }),
    'GET /api/v1/incidents/:id/checks/summary': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/checks/summary`, { token }),
    'POST /api/v1/incidents/:id/checks/updates': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/checks/updates`, {
        token,
        body: {
          updates: [
            { checkId: data.check, opId: randomUUID(), status: 'safe', observedAt: p.clock.now().toISOString() },
          ],
        },
      }),
    'GET /api/v1/incidents/:id/checks/stream': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/checks/stream`, { token }),
  },
}

const checkRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('incident_check').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

export const scoping: ScopingPart<Data> = {
  setup: (p, base) => incidentOver(p, base.community, base.grid, 'cuizhu.leader'),
  probes: {
    'GET /api/v1/incidents/:id/checks': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/checks`, { token })).status),
    'GET /api/v1/incidents/:id/checks/summary': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/checks/summary`, { token })).status),
    'POST /api/v1/incidents/:id/checks/updates': (p, token, d) =>
      unchanged(
        () => checkRow(p, d.check),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${d.incident}/checks/updates`, {
            token,
            body: {
              updates: [
                { checkId: d.check, opId: randomUUID(), status: 'safe', observedAt: p.clock.now().toISOString() },
              ],
            },
          }),
      ),
    'GET /api/v1/incidents/:id/checks/stream': async (p, token, d) => {
      const r = await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/checks/stream?since=2020-01-01T00:00:00Z`, {
        token,
      })
      denied(r.status)
      expect(r.body?.changes).toBeUndefined()
    },
  },
}
