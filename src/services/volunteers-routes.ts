import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Stub: the volunteers part's routes replace this.
export async function volunteerRoutes(_app: App, _platform: Platform) {}
