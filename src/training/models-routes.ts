import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

// Training (models): routes. Stub: the models part fills it in.
export async function modelsRoutes(_app: App, _platform: Platform) {}
