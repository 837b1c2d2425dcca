import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { applicationRoutes } from './applications-routes.js'
import { catalogueRoutes } from './catalogue-routes.js'
import { facilityRoutes } from './facilities-routes.js'
import { projectRoutes } from './projects-routes.js'
import { volunteerRoutes } from './volunteers-routes.js'

// Services and social forces: each part has its own routes file; they share common.ts (who runs
// services, the verified registry person of a resident).
export async function servicesRoutes(app: App, platform: Platform) {
  await catalogueRoutes(app, platform)
  await applicationRoutes(app, platform)
  await facilityRoutes(app, platform)
  await projectRoutes(app, platform)
  await volunteerRoutes(app, platform)
}
