import type { OwnPart, ScopingPart } from './parts.js'

// Emergency response (response) in both authorization tables (see parts.ts).

type Data = Record<string, never>

export const own: OwnPart<Data> = {
  async setup() {
    return {}
  },
  rows: {},
  probes: {},
}

export const scoping: ScopingPart<Data> = {
  async setup() {
    return {}
  },
  probes: {},
}
