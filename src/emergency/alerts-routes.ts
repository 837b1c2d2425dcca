import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

export async function alertRoutes(_app: App, _platform: Platform) {}
