import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Stub: the applications part's routes replace this.
export async function applicationRoutes(_app: App, _platform: Platform) {}
