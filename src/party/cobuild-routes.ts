import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Party (cobuild): routes. Stub: the cobuild part fills it in.
export async function cobuildRoutes(_app: App, _platform: Platform) {}
