import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Party (members): routes. Stub: the members part fills it in.
export async function membersRoutes(_app: App, _platform: Platform) {}
