import type { OwnPart, ScopingPart } from './parts.js'

// Party (organisations) in both authorization tables (see parts.ts). Stub: the organisations part fills it in.
export const own: OwnPart<Record<string, never>> = {
  setup: async () => ({}),
  rows: {},
  probes: {},
}

export const scoping: ScopingPart<Record<string, never>> = {
  setup: async () => ({}),
  probes: {},
}
