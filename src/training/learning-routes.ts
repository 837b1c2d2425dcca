import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Training (learning): routes. Stub: the learning part fills it in.
export async function learningRoutes(_app: App, _platform: Platform) {}
