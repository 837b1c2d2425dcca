import { type InsertObject, sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { mulberry32 } from '../core/random.js'
import type { DB } from '../core/schema.js'

// The demo city's component inventory (部件): about ten assets in every grid of 桂花 (JZ-QH-01-01)
// and 翠竹 (JZ-QH-02-01) — manhole covers of the utilities, street lights, bins, hydrants, storm
// grates, bus shelters, guardrails, traffic lights, toilets, benches, street trees — and a manhole
// cover and a street light in every other grid of the district. Owners as a Chinese district keeps
// them: the water bureau its covers, hydrants and grates, the urban-management bureau the lights and
// toilets, the street's law-enforcement team (guihua.handler's department) the bins, transport the
// shelters and guardrails, the police the traffic lights, greening the benches and trees; telecom,
// power and gas covers belong to companies outside the platform, and 无主井盖 to nobody (their cases
// follow the category's routing). Mostly intact; a few damaged, lost, occupied or removed.

interface Plan {
  classCode: string
  category: string
  name: string
  owner: string | null
  /** How many per grid in the demo communities (fractions: every n-th grid). */
  perGrid: number
}

const manholes: [string, string, string | null][] = [
  ['0101', '上水井盖', 'QH-SW'],
  ['0102', '污水井盖', 'QH-SW'],
  ['0103', '雨水井盖', 'QH-SW'],
  ['0105', '电力井盖', null],
  ['0107', '通信井盖', null],
  ['0111', '燃气井盖', null],
  ['0113', '无主井盖', null],
]

const plans = (street: string): Plan[] => [
  { classCode: '0120', category: 'DL-03', name: '路灯', owner: 'QH-CG', perGrid: 2 },
  { classCode: '0304', category: 'HW-08', name: '垃圾箱', owner: `QH-${street}-ZF`, perGrid: 1 },
  { classCode: '0116', category: 'DL-10', name: '室外消防栓', owner: 'QH-SW', perGrid: 0.5 },
  { classCode: '0104', category: 'GS-07', name: '雨水箅子', owner: 'QH-SW', perGrid: 0.34 },
  { classCode: '0202', category: 'DL-08', name: '公交站亭', owner: 'QH-JT', perGrid: 0.25 },
  { classCode: '0206', category: 'DL-06', name: '道路护栏', owner: 'QH-JT', perGrid: 0.2 },
  { classCode: '0205', category: 'DL-07', name: '交通信号灯', owner: 'QH-GA', perGrid: 0.17 },
  { classCode: '0301', category: 'HW-05', name: '公共厕所', owner: 'QH-CG', perGrid: 0.17 },
  { classCode: '0407', category: 'YL-06', name: '街头座椅', owner: 'QH-LH', perGrid: 0.34 },
  { classCode: '0402', category: 'YL-05', name: '行道树', owner: 'QH-LH', perGrid: 0.5 },
]

const damageNotes: Record<string, string> = {
  damaged: '巡查发现破损，已报修',
  lost: '现场缺失',
  occupied: '被摊位占压',
  removed: '道路改造时拆除',
}

/** Seeds the inventory (deterministic); answers how many components it made. */
export async function seedComponentsDemo(tx: Tx, now: Date): Promise<{ components: number }> {
  const r = mulberry32(30428)
  const { rows: grids } = await sql<{ id: number; code: string; path: string; ring: string }>`
    select id, code, path, ST_AsGeoJSON(ST_ExteriorRing(ST_GeometryN(boundary, 1))) as ring
    from area where level = 'grid' and retired_at is null and code like 'JZ-QH-%' order by code`.execute(tx)
  const categories = new Map(
    (await tx.selectFrom('case_category').select(['id', 'code']).execute()).map((c) => [c.code, c.id]),
  )
  const departments = new Map(
    (await tx.selectFrom('department').select(['id', 'code']).execute()).map((d) => [d.code, d.id]),
  )
  const rows: InsertObject<DB, 'component'>[] = []
  grids.forEach((g, gi) => {
    const corners = (JSON.parse(g.ring) as { coordinates: [number, number][] }).coordinates
    const [a, b, c, d] = corners as [[number, number], [number, number], [number, number], [number, number]]
    // A point inside the (convex) four-cornered grid: bilinear between its corners, off the edges.
    const inside = () => {
      const u = 0.1 + r() * 0.8
      const v = 0.1 + r() * 0.8
      const lng = (1 - u) * (1 - v) * a[0] + u * (1 - v) * b[0] + u * v * c[0] + (1 - u) * v * d[0]
      const lat = (1 - u) * (1 - v) * a[1] + u * (1 - v) * b[1] + u * v * c[1] + (1 - u) * v * d[1]
      return { lng: Math.round(lng * 1e7) / 1e7, lat: Math.round(lat * 1e7) / 1e7 }
    }
    const ids = g.path.split('/').filter(Boolean).map(Number)
    const district = ids[1] ?? g.id
    const street = g.code.slice('JZ-QH-'.length, 'JZ-QH-'.length + 2)
    const demo = g.code.startsWith('JZ-QH-01-01-') || g.code.startsWith('JZ-QH-02-01-')
    const short = g.code.replace('JZ-', '').replace(/-/g, '')
    let serial = 0
    const add = (classCode: string, category: string, name: string, owner: string | null, first: boolean) => {
      serial++
      const roll = r()
      // The first cover of 桂花's first grid is the damaged one the demo's story starts from.
      const state = first
        ? 'damaged'
        : roll < 0.05
          ? 'damaged'
          : roll < 0.07
            ? 'lost'
            : roll < 0.08
              ? 'occupied'
              : roll < 0.09
                ? 'removed'
                : 'normal'
      rows.push({
        code: `${classCode}-${short}-${String(serial).padStart(2, '0')}`,
        class_code: classCode,
        category_id: categories.get(category)!,
        name,
        address: `${g.code} 网格内 ${name}${serial}号`,
        area_id: g.id,
        district_id: district,
        location: (() => {
          const p = inside()
          return sql<string>`ST_SetSRID(ST_MakePoint(${p.lng}, ${p.lat}), 4326)`
        })(),
        owner_department_id: owner ? (departments.get(owner) ?? null) : null,
        state,
        state_note: state === 'normal' ? null : (damageNotes[state] ?? null),
        state_changed_at: state === 'normal' ? null : new Date(now.getTime() - Math.floor(r() * 30) * 86_400_000),
        attributes: JSON.stringify(
          classCode.startsWith('01') && classCode !== '0116' && classCode !== '0120'
            ? { material: r() < 0.7 ? '球墨铸铁' : '复合材料', diameter_mm: r() < 0.5 ? 700 : 600 }
            : classCode === '0120'
              ? { lamp: r() < 0.6 ? 'LED' : '高压钠灯', height_m: 8 }
              : {},
        ),
        created_at: now,
        updated_at: now,
      })
    }
    const cover = () => manholes[Math.floor(r() * manholes.length)]!
    if (demo) {
      for (let i = 0; i < 4; i++) {
        const [cls, name, owner] = i === 0 ? manholes[2]! : cover()
        add(cls, 'DL-02', name, owner, i === 0 && g.code === 'JZ-QH-01-01-G01')
      }
      for (const p of plans(street)) {
        const n =
          p.perGrid >= 1 ? p.perGrid : (gi * 7 + p.classCode.charCodeAt(3)) % Math.round(1 / p.perGrid) === 0 ? 1 : 0
        for (let i = 0; i < n; i++) add(p.classCode, p.category, p.name, p.owner, false)
      }
    } else {
      const [cls, name, owner] = cover()
      add(cls, 'DL-02', name, owner, false)
      add('0120', 'DL-03', '路灯', 'QH-CG', false)
    }
  })
  for (let i = 0; i < rows.length; i += 500)
    await tx
      .insertInto('component')
      .values(rows.slice(i, i + 500))
      .execute()
  return { components: rows.length }
}

/**
 * For generated history: links each case of a component category that names no component to the
 * nearest component of that category in its grid, and moves the case onto it — as if it had been
 * filed about it. Cases in grids without such a component stay unlinked. Answers how many it
 * linked. Runs as the owner (demo seeding, the generator).
 */
export async function linkCasesToComponents(tx: Tx): Promise<{ linked: number }> {
  const { rows } = await sql<{ n: number }>`
    with nearest as (
      -- The lateral join needs the case as a FROM item: an UPDATE's target cannot be referenced there.
      select c.id as case_id, k.id, k.location
      from cases c
      join case_category cat on cat.id = c.category_id and cat.kind = 'component'
      cross join lateral (
        select k.id, k.location from component k
        where k.category_id = c.category_id and k.area_id = c.area_id and k.state <> 'removed'
        order by k.location <-> coalesce(c.location, k.location) limit 1
      ) k
      where c.component_id is null
    ), linked as (
      update cases c set component_id = n.id, location = n.location
      from nearest n where n.case_id = c.id
      returning 1
    ) select count(*)::int as n from linked`.execute(tx)
  return { linked: rows[0]?.n ?? 0 }
}
