import { sql } from 'kysely'
import { between, pick, type Random } from '../core/random.js'
import { servicePosts, type workplaceKinds } from '../party/common.js'
import type { RowValues } from './generate-sink.js'
import type { GenerateStep } from './generate-step.js'
import { ownerIds, peopleCount, peopleEvery } from './generate-services.js'

// The party network at volume. `--party-members N` first completes the network over the whole
// area tree — a committee for each district (区委) and street (街道党工委), a branch for each
// community (社区党支部) and a party group for most grids (网格党小组) — for every area that has no
// organisation of its own yet (the demo's are kept), then makes N registry people (the people step
// first) members of their community's branch, with the roles, standings and workplaces a city's
// membership has, and has members working in departments and enterprises report to the community
// where they live (在职党员到社区报到).

const DAY = 86_400_000

/** Level, kind and the name's ending, top-down (a child's parent is made first). */
const LEVELS = [
  { level: 'district', kind: 'committee', name: (n: string) => `中共${n}委员会` },
  { level: 'street', kind: 'committee', name: (n: string) => `中共${n}工作委员会` },
  { level: 'community', kind: 'branch', name: (n: string) => `中共${n}支部委员会` },
  { level: 'grid', kind: 'group', name: (n: string) => `${n}党小组` },
] as const

/** Workplaces of a community's membership: many retired, many in enterprises. */
const WORKPLACES: [(typeof workplaceKinds)[number], number][] = [
  ['retired', 35],
  ['enterprise', 25],
  ['department', 10],
  ['institution', 10],
  ['community', 8],
  ['social_organisation', 5],
  ['other', 7],
]
/** Workplaces whose members report to the community where they live. */
const REPORTING = new Set(['department', 'enterprise', 'institution', 'social_organisation'])

function weighted<T>(rng: Random, table: [T, number][]): T {
  const total = table.reduce((s, [, w]) => s + w, 0)
  let r = rng() * total
  for (const [v, w] of table) {
    r -= w
    if (r < 0) return v
  }
  return table.at(-1)![0]
}

const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10)

export const partyMembersStep: GenerateStep = {
  entity: 'party_members',
  tables: ['party_organisation', 'party_member', 'party_member_report'],
  async run(ctx, total) {
    const { rng, sink, opts } = ctx
    const db = ctx.database.db
    const { admin } = await ownerIds(ctx)
    const at = opts.until
    const rows: Record<string, number> = { party_organisation: 0, party_member: 0, party_member_report: 0 }

    // The network, level by level, for areas without an active organisation of their own. The
    // parent is the organisation of the parent area (a district's top committee has none).
    for (const l of LEVELS) {
      const { rows: areas } = await sql<{ id: number; code: string; name_zh: string; parent: string | null }>`
        select a.id, a.code, a.name_zh,
          (select o.id from party_organisation o
            where o.area_id = a.parent_id and o.sector = 'area' and o.status = 'active' order by o.id limit 1) as parent
        from area a
        where a.level = ${l.level} and a.retired_at is null
          and not exists (select 1 from party_organisation o
                          where o.area_id = a.id and o.sector = 'area' and o.status = 'active')
        order by a.id`.execute(db)
      // Real networks have gaps: about one grid in twenty is left without its party group, so the
      // coverage figures have something to show.
      if (l.level === 'grid') areas.splice(0, areas.length, ...areas.filter(() => rng() < 0.95))
      if (areas.length === 0) continue
      const founded = isoDay(at.getTime() - between(rng, 5, 40) * 365 * DAY)
      const { n } = (
        await sql<{ n: number }>`
          with made as (
            insert into party_organisation (code, name, kind, sector, parent_id, area_id, district_id, founded_on,
                                            created_by, created_at, updated_at)
            select 'PG-' || left(regexp_replace(t.code, '[^A-Za-z0-9-]', '-', 'g'), 36), left(t.name, 100), ${l.kind},
                   'area', t.parent, t.id,
                   coalesce(nullif(split_part(app_area_path(t.id), '/', 3), '')::integer, t.id),
                   ${founded}::date, ${admin}, ${at}, ${at}
            from unnest(${areas.map((a) => a.id)}::int[], ${areas.map((a) => a.code)}::text[],
                        ${areas.map((a) => l.name(a.name_zh))}::text[],
                        ${areas.map((a) => (a.parent === null ? null : Number(a.parent)))}::bigint[])
                 as t(id, code, name, parent)
            on conflict (code) do nothing
            returning 1)
          select count(*)::int as n from made`.execute(db)
      ).rows[0]!
      rows.party_organisation! += n
    }

    // The branch of each community, for the members who live there.
    const branchOf = new Map(
      (
        await sql<{ area_id: number; id: string }>`
          select distinct on (a.id) a.id as area_id, o.id
          from area a join party_organisation o on o.area_id = a.id and o.sector = 'area' and o.status = 'active'
          where a.level = 'community' order by a.id, o.id`.execute(db)
      ).rows.map((r) => [r.area_id, Number(r.id)]),
    )
    const communityOf = new Map(
      (
        await sql<{ id: number; community: number }>`
          select g.id, coalesce(g.parent_id, g.id) as community from area g where g.level = 'grid'`.execute(db)
      ).rows.map((r) => [r.id, r.community]),
    )
    const departments = (await db.selectFrom('department').select('id').execute()).map((d) => d.id)
    const people = await peopleCount(ctx)
    const step = Math.max(1, Math.floor(people / Math.max(1, total)))
    // People already members (the demo's, an earlier run's) are not made members twice.
    const taken = new Set(
      (await db.selectFrom('party_member').select('person_id').where('status', '=', 'active').execute()).map((m) =>
        Number(m.person_id),
      ),
    )
    // Officers are a branch's first members, counting those it has already.
    const officers = new Map(
      (
        await sql<{ organisation_id: string; n: number }>`
          select organisation_id, count(*)::int as n from party_member where status = 'active' group by 1`.execute(db)
      ).rows.map((r) => [Number(r.organisation_id), r.n]),
    )
    const span = 45 * 365 * DAY
    for await (const batch of peopleEvery(ctx, step)) {
      const take = batch
        .filter((p) => !taken.has(p.id) && branchOf.has(communityOf.get(p.area_id) ?? p.area_id))
        .slice(0, total - rows.party_member!)
      if (take.length === 0) continue
      const { rows: ids } = await sql<{ id: string }>`
        select nextval(pg_get_serial_sequence('party_member', 'id'))::bigint as id
        from generate_series(1, ${take.length}::int)`.execute(db)
      const members: RowValues[] = []
      const reports: RowValues[] = []
      for (const [k, p] of take.entries()) {
        const id = Number(ids[k]!.id)
        const community = communityOf.get(p.area_id) ?? p.area_id
        const organisation = branchOf.get(community)!
        // Each branch's first members are its officers: a secretary, a deputy, three committee members.
        const rank = officers.get(organisation) ?? 0
        officers.set(organisation, rank + 1)
        const role =
          rank === 0 ? 'secretary' : rank === 1 ? 'deputy_secretary' : rank < 5 ? 'committee_member' : 'member'
        const probationary = role === 'member' && rng() < 0.06
        const joined = probationary
          ? at.getTime() - between(rng, 10, 360) * DAY
          : at.getTime() - 365 * DAY - Math.floor(rng() * span)
        const workplace = weighted(rng, WORKPLACES)
        members.push([
          id,
          p.id,
          organisation,
          community,
          p.district_id,
          role,
          probationary ? 'probationary' : 'full',
          isoDay(joined),
          workplace,
          workplace === 'department' && departments.length > 0 ? pick(rng, departments) : null,
          'active',
          admin,
          at,
          at,
        ])
        if (REPORTING.has(workplace) && rng() < 0.6) {
          const reported = Math.max(joined, at.getTime() - 5 * 365 * DAY) + Math.floor(rng() * 300 * DAY)
          reports.push([
            id,
            community,
            p.district_id,
            isoDay(Math.min(reported, at.getTime() - DAY)),
            pick(rng, servicePosts),
            'active',
            admin,
            at,
            at,
          ])
        }
      }
      await sink.write(
        'party_member',
        [
          'id',
          'person_id',
          'organisation_id',
          'area_id',
          'district_id',
          'role',
          'standing',
          'joined_on',
          'workplace_kind',
          'workplace_department_id',
          'status',
          'created_by',
          'created_at',
          'updated_at',
        ],
        members,
      )
      await sink.write(
        'party_member_report',
        [
          'member_id',
          'area_id',
          'district_id',
          'reported_on',
          'service_post',
          'status',
          'created_by',
          'created_at',
          'updated_at',
        ],
        reports,
      )
      rows.party_member! += members.length
      rows.party_member_report! += reports.length
      ctx.progress(rows.party_member!)
      if (rows.party_member! >= total) break
    }
    return { rows }
  },
}
