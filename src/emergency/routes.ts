import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { alertRoutes } from './alerts-routes.js'
import { checkRoutes } from './checks-routes.js'
import { incidentRoutes } from './incidents-routes.js'
import { responseRoutes } from './response-routes.js'

// Emergency response: each part has its own routes file; they share common.ts (who commands,
// who responds, the incident log).
export async function emergencyRoutes(app: App, platform: Platform) {
  await incidentRoutes(app, platform)
  await alertRoutes(app, platform)
  await checkRoutes(app, platform)
  await responseRoutes(app, platform)
}
