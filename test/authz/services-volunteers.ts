import type { OwnPart, ScopingPart } from './parts.js'

// Stub: the services volunteers part's rows replace this.
export const own: OwnPart<Record<string, never>> = { setup: async () => ({}), rows: {}, probes: {} }
export const scoping: ScopingPart<Record<string, never>> = { setup: async () => ({}), probes: {} }
