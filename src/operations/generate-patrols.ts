import { sql } from 'kysely'
import { dutyTypes } from '../accounts/service.js'
import type { Random } from '../core/random.js'
import { summarisePatrols } from '../grid/patrols.js'
import type { RowValues } from './generate-sink.js'
import type { GenerateStep } from './generate-step.js'

// Patrol logs at volume. `--patrols N` makes about N patrols over the history window by the grid
// workers of the city's grids, as grid work goes: a worker patrols most working days (Monday to
// Friday, the calendar's holidays off and its make-up days on), one patrol a day started between
// 08:30 and 15:00 (Asia/Shanghai), 1–3 hours long and 1–5 km far at a walking pace with stops, on a
// track that wanders around their grid and now and then into a neighbour. A worker who filed patrol
// cases that day (the case step's patrol-channel cases carry the grid's worker as reporter) was on
// patrol when they filed them: the day's patrol is laid over the first such case, so "cases filed
// during the patrol" has real answers. When the existing grid workers cannot make N patrols at
// that rate, generated workers are added to the grids with the fewest (`gen-pw-000001`…, no usable
// password), with the duty types a grid's roster has. Points go through the sink; each patrol's
// track, distance and grids crossed are then computed by the same SQL the API uses
// (summarisePatrols), so generated logs and real ones read alike.

const DAY = 86_400_000
const MINUTE = 60_000
const SHANGHAI = 8 * 3_600_000
/** Share of working days a worker patrols. */
const PATROL_RATE = 0.85
const SUMMARY_CHUNK = 400

interface Worker {
  userId: number
  gridId: number
}

interface GridInfo {
  id: number
  district: number
  lng: number
  lat: number
  /** Metres from the centre a walk keeps to before turning back: about the grid's half-width. */
  radius: number
}

/** Working days (as UTC midnight of the Shanghai date) in [from, until). */
async function workingDays(db: Parameters<GenerateStep['run']>[0]['database']['db'], from: Date, until: Date) {
  const special = new Map(
    (await db.selectFrom('calendar_day').select(['day', 'kind']).execute()).map((d) => [
      new Date(d.day as unknown as string | Date).toISOString().slice(0, 10),
      d.kind,
    ]),
  )
  const days: number[] = []
  const first = Math.floor((from.getTime() + SHANGHAI) / DAY) * DAY
  for (let t = first; t < until.getTime() + SHANGHAI - DAY; t += DAY) {
    const iso = new Date(t).toISOString().slice(0, 10)
    const weekday = new Date(t).getUTCDay()
    const kind = special.get(iso)
    if (kind === 'holiday') continue
    if (kind === 'workday' || (weekday >= 1 && weekday <= 5)) days.push(t)
  }
  return days
}

/** A walk of `meters` over `minutes` from near the grid's centre: [time, lng, lat] vertices. */
export function patrolWalk(rng: Random, grid: GridInfo, start: number, minutes: number, meters: number) {
  const n = Math.max(20, Math.min(60, Math.round(minutes / 3)))
  const step = meters / (n - 1)
  const mPerLat = 111_320
  const mPerLng = 111_320 * Math.cos((grid.lat * Math.PI) / 180)
  let x = (rng() - 0.5) * grid.radius
  let y = (rng() - 0.5) * grid.radius
  let heading = rng() * 2 * Math.PI
  const out: [number, number, number][] = []
  for (let i = 0; i < n; i++) {
    // Even spacing in time with a little jitter; never before the previous point.
    const at = start + Math.round(((i + (i > 0 && i < n - 1 ? rng() * 0.6 - 0.3 : 0)) * minutes * MINUTE) / (n - 1))
    out.push([at, grid.lng + x / mPerLng, grid.lat + y / mPerLat])
    const away = Math.hypot(x, y)
    if (away > grid.radius && rng() < 0.8) heading = Math.atan2(-y, -x) + (rng() - 0.5) * 0.8
    else heading += (rng() - 0.5) * 1.4
    x += Math.cos(heading) * step
    y += Math.sin(heading) * step
  }
  return out
}

export const patrolsStep: GenerateStep = {
  entity: 'patrols',
  tables: ['patrol', 'patrol_point', 'patrol_grid'],
  async run(ctx, total) {
    const { rng, sink, opts } = ctx
    const db = ctx.database.db
    const until = opts.until
    const from = new Date(until.getTime() - opts.years * 365 * DAY)
    const days = await workingDays(db, from, until)
    if (days.length === 0) return { rows: { patrol: 0, patrol_point: 0, patrol_grid: 0 } }

    const gridRows = (
      await sql<{ id: number; path: string; lng: number; lat: number; m2: number }>`
        select id, path, ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat,
               ST_Area(boundary::geography) as m2
        from area where level = 'grid' and retired_at is null order by id`.execute(db)
    ).rows
    if (gridRows.length === 0) throw new Error('patrols need grids')
    const grids = new Map<number, GridInfo>(
      gridRows.map((g) => [
        g.id,
        {
          id: g.id,
          district: Number(g.path.split('/')[2]) || g.id,
          lng: Number(g.lng),
          lat: Number(g.lat),
          radius: Math.max(150, Math.sqrt(Number(g.m2)) / 2),
        },
      ]),
    )

    // The workers: every grid-worker grant on a grid; more where N needs them.
    const loadWorkers = async () =>
      (
        await sql<{ user_id: number; area_id: number }>`
          select distinct on (r.user_id) r.user_id, r.area_id
          from role_grant r join area a on a.id = r.area_id and a.level = 'grid' and a.retired_at is null
          join app_user u on u.id = r.user_id and u.status = 'active'
          where r.role = 'grid_worker' order by r.user_id, r.id`.execute(db)
      ).rows.map((r): Worker => ({ userId: r.user_id, gridId: r.area_id }))
    let workers = await loadWorkers()
    const needed = Math.ceil(total / (days.length * PATROL_RATE))
    if (needed > workers.length) {
      const have = Number(
        (await sql<{ n: number }>`select count(*)::int as n from app_user where username like 'gen-pw-%'`.execute(db))
          .rows[0]!.n,
      )
      const extra = needed - workers.length
      await sql`
        insert into app_user (username, display_name, password_hash, is_demo)
        select 'gen-pw-' || lpad(i::text, 6, '0'), '巡查网格员' || lpad(i::text, 6, '0'), '!generated: no password', false
        from generate_series(${have + 1}::int, ${have + extra}::int) as i`.execute(db)
      // Grids with the fewest workers first; the first worker of a grid leads it (网格长), then
      // full-time, part-time workers and assigned cadres in turn.
      const counts = new Map<number, number>(gridRows.map((g) => [g.id, 0]))
      for (const w of workers) counts.set(w.gridId, (counts.get(w.gridId) ?? 0) + 1)
      const made = (
        await sql<{ id: number }>`
          select id from app_user where username like 'gen-pw-%'
            and not exists (select 1 from role_grant r where r.user_id = app_user.id) order by id`.execute(db)
      ).rows
      const grants: { user: number; grid: number; duty: string }[] = []
      for (const u of made) {
        let best = gridRows[0]!.id
        for (const [g, n] of counts) if (n < counts.get(best)!) best = g
        const n = counts.get(best)!
        grants.push({ user: u.id, grid: best, duty: n === 0 ? 'grid_leader' : dutyTypes[1 + ((n - 1) % 3)]! })
        counts.set(best, n + 1)
      }
      if (grants.length) {
        await sql`
          insert into role_grant (user_id, role, area_id, duty_type, granted_at)
          select t.u, 'grid_worker', t.g, t.d, ${from}::timestamptz
          from unnest(${grants.map((g) => g.user)}::int[], ${grants.map((g) => g.grid)}::int[],
                      ${grants.map((g) => g.duty)}::text[]) as t(u, g, d)`.execute(db)
      }
      workers = await loadWorkers()
    }

    // The patrol cases each worker filed, by Shanghai day: the day's patrol covers the first.
    const filed = new Map<string, number>()
    const { rows: caseRows } = await sql<{ reporter_id: number; at: Date }>`
      select c.reporter_id, min(c.submitted_at) as at
      from cases c
      where c.channel = 'patrol' and c.reporter_id = any (${workers.map((w) => w.userId)}::int[])
        and c.submitted_at >= ${from} and c.submitted_at < ${until}
      group by c.reporter_id, ((c.submitted_at at time zone 'Asia/Shanghai')::date)`.execute(db)
    for (const c of caseRows) {
      const day = Math.floor((c.at.getTime() + SHANGHAI) / DAY) * DAY
      filed.set(`${c.reporter_id}:${day}`, c.at.getTime())
    }

    let nextId =
      Number((await sql<{ m: number | null }>`select max(id)::bigint as m from patrol`.execute(db)).rows[0]!.m ?? 0) + 1
    const ids: number[] = []
    let patrolRows: RowValues[] = []
    let pointRows: RowValues[] = []
    let points = 0
    const flush = async () => {
      await sink.write('patrol', ['id', 'worker_id', 'area_id', 'district_id', 'started_at', 'ended_at'], patrolRows)
      await sink.write('patrol_point', ['patrol_id', 'recorded_at', 'location', 'accuracy_m', 'received_at'], pointRows)
      patrolRows = []
      pointRows = []
    }
    // Exactly N patrols (as far as the workers' days allow): the days with patrol cases first, the
    // rest drawn by selection sampling over every other worker-day, so they spread over the window.
    const workDays = new Set(days)
    const forced = [...filed.keys()].filter((k) => workDays.has(Number(k.split(':')[1]))).length
    let need = Math.max(0, total - forced)
    let left = workers.length * days.length - forced
    outer: for (const day of days) {
      for (const w of workers) {
        if (ids.length >= total) break outer
        const caseAt = filed.get(`${w.userId}:${day}`)
        if (caseAt === undefined) {
          const take = left > 0 && rng() < need / left
          left--
          if (!take) continue
          need--
        }
        const grid = grids.get(w.gridId)!
        const minutes = 60 + Math.floor(rng() * 121)
        const km = Math.max(1, Math.min(5, (minutes / 60) * (0.9 + rng() * 0.9)))
        // 08:30–15:00 in Shanghai; over a case filed that day, 10–50 minutes before it.
        let start = day - SHANGHAI + (8.5 * 60 + Math.floor(rng() * 390)) * MINUTE
        if (caseAt !== undefined) start = caseAt - (10 + Math.floor(rng() * 41)) * MINUTE
        start = Math.min(start, until.getTime() - (minutes + 1) * MINUTE)
        const id = nextId++
        ids.push(id)
        const walk = patrolWalk(rng, grid, start, minutes, km * 1000)
        patrolRows.push([id, w.userId, grid.id, grid.district, new Date(start), new Date(start + minutes * MINUTE)])
        for (const [at, lng, lat] of walk) {
          // Buffered batches reach the server a little after the phone recorded them.
          pointRows.push([
            id,
            new Date(at),
            `SRID=4326;POINT(${lng.toFixed(7)} ${lat.toFixed(7)})`,
            Math.round(5 + rng() * 25),
            new Date(at + Math.floor(rng() * 120_000)),
          ])
        }
        points += walk.length
        if (patrolRows.length >= 500) {
          await flush()
          ctx.progress(ids.length)
        }
      }
    }
    await flush()
    await sink.exec(`select setval(pg_get_serial_sequence('patrol', 'id'), greatest((select max(id) from patrol), 1))`)
    for (let i = 0; i < ids.length; i += SUMMARY_CHUNK) await summarisePatrols(db, ids.slice(i, i + SUMMARY_CHUNK))
    ctx.progress(ids.length)
    const crossed = ids.length
      ? Number(
          (
            await sql<{ n: number }>`select count(*)::int as n from patrol_grid where patrol_id >= ${ids[0]!}`.execute(
              db,
            )
          ).rows[0]!.n,
        )
      : 0
    return {
      rows: { patrol: ids.length, patrol_point: points, patrol_grid: crossed },
      detail: { workers: workers.length, workingDays: days.length, patrolsOverCases: caseRows.length },
    }
  },
}
