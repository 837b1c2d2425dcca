import type { Section } from '../lib/types.js'
import { dashboards } from './dashboards.js'
import { devices } from './devices.js'
import { disputes } from './disputes.js'
import { dispatch } from './dispatch.js'
import { emergency } from './emergency.js'
import { intake } from './intake.js'
import { lists } from './lists.js'
import { maps } from './maps.js'
import { memory } from './memory.js'
import { open311 } from './open311.js'
import { participation } from './participation.js'
import { registry } from './registry.js'
import { services } from './services.js'
import { warnings } from './warnings.js'

/**
 * The bench sections, in the order they run on each backend. A section is a module exporting a
 * `Section` (bench/lib/types.ts): optional extra data for the generator, optional baseline routes
 * and measurements, and its measurements against the real server. To add one (e.g. the registry's
 * people import and search), write bench/sections/<name>.ts and list it here; `memory` stays last,
 * since it reports the server's RSS under the loads of the sections before it.
 */
export const sections: Section<any>[] = [
  intake,
  open311,
  dashboards,
  maps,
  lists,
  registry,
  disputes,
  participation,
  services,
  emergency,
  devices,
  warnings,
  dispatch,
  memory,
]
