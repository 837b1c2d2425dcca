import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { mulberry32 } from '../core/random.js'
import type { OrganisationKind, OrganisationSector } from './common.js'

// The demo city's party network (党组织体系): the city's committee, the district's, a party working
// committee for each street (街道党工委; a town's own committee), a committee for each community (a
// village's general branch), a party group for most grids — a few left without, so coverage shows
// gaps (桂花's last two grids among them) — and in 桂花 the branches of a registry enterprise (the
// property company) and of a social organisation, and a compound branch over the residential
// buildings of its first three grids; an institution's branch (the district's urban management
// bureau). Codes follow the areas: PO-JZ, PO-JZ-QH, PO-JZ-QH-01, PO-JZ-QH-01-01-G03, …

interface Row {
  code: string
  name: string
  kind: OrganisationKind
  sector: OrganisationSector
  parent: number | null
  areaId: number
  registryOrganisationId?: number | null
  departmentId?: number | null
  foundedOn: string
}

const DAY = 86_400_000

export async function seedOrganisationsDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const rand = mulberry32(1919)
  const admin = await tx.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirst()
  const areas = await tx
    .selectFrom('area')
    .select(['id', 'code', 'name_zh', 'level', 'path'])
    .where('retired_at', 'is', null)
    .orderBy('code')
    .execute()
  const byCode = new Map(areas.map((a) => [a.code, a]))
  const founded = (yearsAgo: number) =>
    new Date(now.getTime() - Math.round((yearsAgo * 365 + rand() * 300) * DAY)).toISOString().slice(0, 10)
  let organisations = 0
  const add = async (r: Row): Promise<number> => {
    const a = areas.find((x) => x.id === r.areaId)!
    const { rows } = await sql<{ id: number }>`
      insert into party_organisation (code, name, kind, sector, parent_id, area_id, district_id,
        registry_organisation_id, department_id, founded_on, created_by, created_at, updated_at)
      values (${r.code}, ${r.name}, ${r.kind}, ${r.sector}, ${r.parent}, ${r.areaId},
        ${Number(a.path.split('/').filter(Boolean)[1] ?? a.id)}, ${r.registryOrganisationId ?? null},
        ${r.departmentId ?? null}, ${r.foundedOn}, ${admin?.id ?? null}, ${now}, ${now})
      returning id`.execute(tx)
    organisations++
    return rows[0]!.id
  }

  const city = byCode.get('JZ')
  const district = byCode.get('JZ-QH')
  if (!city || !district) return {}
  const cityId = await add({
    code: 'PO-JZ',
    name: '中共江州市委员会',
    kind: 'committee',
    sector: 'area',
    parent: null,
    areaId: city.id,
    foundedOn: '1949-10-01',
  })
  const districtId = await add({
    code: 'PO-JZ-QH',
    name: '中共江州市清河区委员会',
    kind: 'committee',
    sector: 'area',
    parent: cityId,
    areaId: district.id,
    foundedOn: '1984-06-01',
  })

  const communityOrg = new Map<string, number>()
  let groups = 0
  let gridsWithout = 0
  for (const street of areas.filter((a) => a.level === 'street')) {
    const town = street.name_zh.endsWith('镇')
    const streetId = await add({
      code: `PO-${street.code}`,
      name: town ? `中共${street.name_zh}委员会` : `中共${street.name_zh}工作委员会`,
      kind: 'committee',
      sector: 'area',
      parent: districtId,
      areaId: street.id,
      foundedOn: founded(30),
    })
    for (const community of areas.filter((a) => a.level === 'community' && a.path.startsWith(street.path))) {
      const village = community.name_zh.endsWith('村')
      const communityId = await add({
        code: `PO-${community.code}`,
        name: village ? `中共${community.name_zh}总支部委员会` : `中共${community.name_zh}委员会`,
        kind: village ? 'general_branch' : 'committee',
        sector: 'area',
        parent: streetId,
        areaId: community.id,
        foundedOn: founded(20),
      })
      communityOrg.set(community.code, communityId)
      const grids = areas.filter((a) => a.level === 'grid' && a.path.startsWith(community.path))
      for (const [i, grid] of grids.entries()) {
        // 桂花's last two grids have no group yet; elsewhere about one grid in seven.
        const gap = community.code === 'JZ-QH-01-01' ? i >= grids.length - 2 : rand() < 0.15
        if (gap) {
          gridsWithout++
          continue
        }
        await add({
          code: `PO-${grid.code}`,
          name: `${grid.name_zh}党小组`,
          kind: 'group',
          sector: 'area',
          parent: communityId,
          areaId: grid.id,
          foundedOn: founded(3),
        })
        groups++
      }
    }
  }

  // The two-new organisations of 桂花 and its residential compound.
  let sectorBranches = 0
  const guihua = communityOrg.get('JZ-QH-01-01')
  const guihuaArea = byCode.get('JZ-QH-01-01')
  if (guihua && guihuaArea) {
    const { rows: regs } = await sql<{ id: number; name: string; kind: string; area_id: number }>`
      select o.id, o.name, o.kind, o.area_id from organisation o join area a on a.id = o.area_id
      where a.path like ${`${guihuaArea.path}%`} and o.kind in ('enterprise', 'social_organisation')
      order by o.kind, o.name`.execute(tx)
    const property =
      regs.find((r) => r.kind === 'enterprise' && r.name.includes('物业')) ?? regs.find((r) => r.kind === 'enterprise')
    const social = regs.find((r) => r.kind === 'social_organisation')
    for (const [r, sector] of [
      [property, 'enterprise'],
      [social, 'social_organisation'],
    ] as const) {
      if (!r) continue
      await add({
        code: `PO-REG-${r.id}`,
        name: `中共${r.name}支部委员会`,
        kind: 'branch',
        sector,
        parent: guihua,
        areaId: r.area_id,
        registryOrganisationId: r.id,
        foundedOn: founded(5),
      })
      sectorBranches++
    }
    const { rows: buildings } = await sql<{ id: number; area_id: number }>`
      select b.id, b.area_id from building b join area a on a.id = b.area_id
      where a.code in ('JZ-QH-01-01-G01', 'JZ-QH-01-01-G02', 'JZ-QH-01-01-G03')
        and b.kind in ('residential', 'mixed') order by b.code`.execute(tx)
    if (buildings.length > 0) {
      const compound = await add({
        code: 'PO-JZ-QH-01-01-XQ01',
        name: '桂花苑小区党支部',
        kind: 'branch',
        sector: 'compound',
        parent: guihua,
        areaId: guihuaArea.id,
        foundedOn: founded(2),
      })
      for (const b of buildings)
        await sql`insert into party_organisation_building (organisation_id, building_id, area_id)
          values (${compound}, ${b.id}, ${b.area_id})`.execute(tx)
      sectorBranches++
    }
  }
  const bureau = await tx.selectFrom('department').select('id').where('code', '=', 'QH-CG').executeTakeFirst()
  if (bureau) {
    await add({
      code: 'PO-QH-CG',
      name: '中共江州市清河区城市管理局机关支部委员会',
      kind: 'branch',
      sector: 'institution',
      parent: districtId,
      areaId: district.id,
      departmentId: bureau.id,
      foundedOn: founded(15),
    })
    sectorBranches++
  }
  return {
    partyOrganisations: organisations,
    partyGridGroups: groups,
    partyGridsWithout: gridsWithout,
    partySectorBranches: sectorBranches,
  }
}
