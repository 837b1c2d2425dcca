import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Stub: the catalogue part's routes replace this.
export async function catalogueRoutes(_app: App, _platform: Platform) {}
