import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { alarmRoutes } from './alarms-routes.js'
import { ingestRoutes } from './ingest-routes.js'
import { registryRoutes } from './registry-routes.js'

// Smart-community devices: the registry, the HTTP way in for messages (MQTT is runtime.ts), and
// alarms with their rules and the community risk; they share common.ts and types.ts.
export async function devicesRoutes(app: App, platform: Platform) {
  await registryRoutes(app, platform)
  await ingestRoutes(app, platform)
  await alarmRoutes(app, platform)
}
