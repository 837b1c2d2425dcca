import type { Role } from '../core/scope.js'
import { type DutyType, dutyTypes } from '../accounts/service.js'

// What the parts of the grid module share: who reads grid work, and the words of the domain (the
// check constraints of migration 0075 list the same values).

/** 网格长, 专职网格员, 兼职网格员, 下沉干部: kept on the grant, so defined by accounts. */
export { dutyTypes, type DutyType }

/**
 * Who reads patrols, their statistics and grid profiles over an area: the roles that read the
 * registry there (app_registry_area_ids in the policies). Department handlers and mediators work on
 * cases, not on grids.
 */
export const gridReaders: Role[] = ['admin', 'leader', 'staff', 'grid_worker']

/** Who patrols: a grid worker, on their own grid. */
export const patrollers: Role[] = ['grid_worker']

/** The district of an area from its path ('/city/district/…'); a city is its own. */
export function districtOf(path: string, areaId: number): number {
  const id = Number(path.split('/')[2])
  return Number.isInteger(id) && id > 0 ? id : areaId
}
