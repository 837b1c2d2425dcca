import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Party (organisations): routes. Stub: the organisations part fills it in.
export async function organisationsRoutes(_app: App, _platform: Platform) {}
