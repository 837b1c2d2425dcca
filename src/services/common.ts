import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import { holds, requireActor, type Actor, type RequestContext, type Role } from '../core/scope.js'

// What the parts of services share: who runs them in an area, and the registry person behind a
// resident's account (tied by participation's verification: by a code to the registry's phone,
// or in person at the community office).

/** Who runs services in an area: the catalogue, the application queue, facilities, projects, activities. */
export const servicesStaff: Role[] = ['admin', 'leader', 'staff']
/** Who keeps volunteers and matches them to care visits: service staff and grid workers. */
export const volunteerStaff: Role[] = ['admin', 'leader', 'staff', 'grid_worker']

/** The caller must hold one of `roles` over the area at `areaPath`, else 403 naming who may. */
export function requireServicesRole(ctx: RequestContext, areaPath: string, roles: Role[] = servicesStaff): Actor {
  const actor = requireActor(ctx)
  if (!holds(actor, roles, areaPath))
    throw new AppError('FORBIDDEN', `only ${roles.join(', ')} of the area may do this`)
  return actor
}

export const isServicesStaff = (actor: Actor | null, areaPath: string, roles: Role[] = servicesStaff) =>
  holds(actor, roles, areaPath)

/** The area paths where the caller holds one of `roles` (their staff views and drafts live there). */
export const pathsWith = (actor: Actor | null, roles: Role[] = servicesStaff) =>
  (actor?.grants ?? []).filter((g) => roles.includes(g.role)).map((g) => g.path)

/** The registry person and area behind a verified account, or null. */
export async function verifiedPerson(tx: Tx, userId: number): Promise<{ personId: number; areaId: number } | null> {
  const v = await tx
    .selectFrom('resident_verification')
    .select(['person_id', 'area_id'])
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return v ? { personId: v.person_id, areaId: v.area_id } : null
}

/**
 * The account verified as a registry person, or null (none, or not readable by the caller: the
 * area's service staff read verifications, grid workers do not).
 */
export async function accountOfPerson(tx: Tx, personId: number): Promise<number | null> {
  const v = await tx
    .selectFrom('resident_verification')
    .select('user_id')
    .where('person_id', '=', personId)
    .executeTakeFirst()
  return v?.user_id ?? null
}

/** The verified registry person of the caller, or VERIFICATION_REQUIRED telling them how to verify. */
export async function requireVerifiedPerson(
  tx: Tx,
  ctx: RequestContext,
): Promise<{ actor: Actor; personId: number; areaId: number }> {
  const actor = requireActor(ctx)
  const v = await verifiedPerson(tx, actor.userId)
  if (!v)
    throw new AppError(
      'VERIFICATION_REQUIRED',
      'services are applied for in your own name: verify your account against the registry first (POST /api/v1/verification/challenge, or in person at the community office)',
      null,
      {},
      { how: ['registry_code', 'in_person'], start: '/api/v1/verification/challenge' },
    )
  return { actor, ...v }
}
