import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Stub: the facilities part's routes replace this.
export async function facilityRoutes(_app: App, _platform: Platform) {}
