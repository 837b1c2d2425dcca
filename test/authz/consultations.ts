import type { OwnPart, ScopingPart } from './parts.js'

// The consultations routes in both authorization tables (see parts.ts).

export const own: OwnPart<Record<string, never>> = {
  setup: async () => ({}),
  rows: {},
  probes: {},
}

export const scoping: ScopingPart<Record<string, never>> = {
  setup: async () => ({}),
  probes: {},
}
