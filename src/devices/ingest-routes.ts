import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'

/** Stub: the ingest part fills this in. */
export async function ingestRoutes(_app: App, _platform: Platform) {}
