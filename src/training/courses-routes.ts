import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Training (courses): routes. Stub: the courses part fills it in.
export async function coursesRoutes(_app: App, _platform: Platform) {}
