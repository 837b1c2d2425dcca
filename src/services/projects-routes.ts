import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Stub: the projects part's routes replace this.
export async function projectRoutes(_app: App, _platform: Platform) {}
