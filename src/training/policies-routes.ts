import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Training (policies): routes. Stub: the policies part fills it in.
export async function policiesRoutes(_app: App, _platform: Platform) {}
