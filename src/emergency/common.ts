import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import { holds, requireActor, type Actor, type RequestContext, type Role } from '../core/scope.js'

// What the parts of emergency response share: who commands and who responds, loading an incident
// the caller may see, whether they run it, and the incident log every decision is written to.

/** Who declares and runs incidents in an area (and keeps its resources and shelters). */
export const emergencyStaff: Role[] = ['admin', 'leader', 'staff']
/** Who works an incident on the ground besides enrolled volunteers: staff and grid workers. */
export const responderRoles: Role[] = ['admin', 'leader', 'staff', 'grid_worker']

export const incidentKinds = [
  'flood',
  'typhoon',
  'rainstorm',
  'fire',
  'epidemic',
  'heatwave',
  'cold_wave',
  'gas_leak',
  'building_hazard',
  'large_gathering',
  'earthquake',
  'power_outage',
  'other',
] as const
export type IncidentKind = (typeof incidentKinds)[number]

/** Registry care tags that can put a person on an incident's check list. */
export const checkTags = [
  'elderly_alone',
  'elderly',
  'disabled',
  'left_behind_child',
  'key_care',
  'pregnant',
  'low_income',
  'veteran',
] as const
/** The check list when the declaration names none: those who cannot look after themselves. */
export const defaultCheckTags = ['elderly_alone', 'disabled', 'left_behind_child', 'key_care', 'pregnant'] as const

export type IncidentRow = {
  id: number
  reference: string
  area_id: number
  area_path: string
  status: 'active' | 'closed'
  drill: boolean
  commander_id: number
  level: number
  kind: IncidentKind
  title: string
  version: number
}

/** The incident if the caller may see it (row-level security decides), else 404 INCIDENT_NOT_FOUND. */
export async function loadIncident(tx: Tx, id: number): Promise<IncidentRow> {
  const { rows } = await sql<IncidentRow>`
    select i.id, i.reference, i.area_id, a.path as area_path, i.status, i.drill, i.commander_id, i.level,
           i.kind, i.title, i.version
    from incident i join area a on a.id = i.area_id where i.id = ${id}`.execute(tx)
  if (!rows[0]) throw new AppError('INCIDENT_NOT_FOUND', `no incident ${id}`, 'id')
  return rows[0]
}

/** Whether the caller runs the incident: its commander, or admin, leader or staff over its area. */
export const commands = (actor: Actor | null, incident: Pick<IncidentRow, 'commander_id' | 'area_path'>) =>
  !!actor && (actor.userId === incident.commander_id || holds(actor, emergencyStaff, incident.area_path))

/** The incident, which the caller must run (else 403), and which must still be active (else 409). */
export async function requireCommand(
  tx: Tx,
  ctx: RequestContext,
  id: number,
  opts: { active?: boolean } = { active: true },
): Promise<{ actor: Actor; incident: IncidentRow }> {
  const actor = requireActor(ctx)
  const incident = await loadIncident(tx, id)
  if (!commands(actor, incident))
    throw new AppError('FORBIDDEN', 'only the commander and the admins, leaders and staff of its area run an incident')
  if (opts.active !== false && incident.status !== 'active')
    throw new AppError('INCIDENT_CLOSED', `incident ${incident.reference} is closed`, 'id')
  return { actor, incident }
}

/**
 * A name as those who do not work the person's grid see it: the family name and a mark per other
 * character (张三 → 张*, 欧阳娜娜 → 欧***).
 */
export const maskName = (name: string) => {
  const chars = [...name.trim()]
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(chars.length - 1)}`
}

/** Adds an entry to the incident log (the report's timeline), as the caller. */
export async function logIncident(
  tx: Tx,
  actor: Actor,
  incidentId: number,
  entry: { kind: string; message: string; data?: Record<string, unknown>; at: Date },
): Promise<void> {
  await tx
    .insertInto('incident_log')
    .values({
      incident_id: incidentId,
      at: entry.at,
      actor_id: actor.userId,
      actor_name: actor.displayName,
      kind: entry.kind,
      message: entry.message,
      data: JSON.stringify(entry.data ?? {}),
    })
    .execute()
}
