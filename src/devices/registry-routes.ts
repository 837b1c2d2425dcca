import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

/** Stub: the registry part fills this in. */
export async function registryRoutes(_app: App, _platform: Platform) {}
