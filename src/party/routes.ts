import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { cobuildRoutes } from './cobuild-routes.js'
import { membersRoutes } from './members-routes.js'
import { organisationsRoutes } from './organisations-routes.js'

// Party-building (党建引领): the organisation network and its coverage, members with their
// reporting to communities and assignments, joint co-building with its lists, and the statistics;
// they share common.ts.
export async function partyRoutes(app: App, platform: Platform) {
  await organisationsRoutes(app, platform)
  await membersRoutes(app, platform)
  await cobuildRoutes(app, platform)
}
