import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

/** Stub: the alarm part fills this in. */
export async function alarmRoutes(_app: App, _platform: Platform) {}
