import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import type { Role } from '../core/scope.js'

export type NotificationKind =
  | 'case_new'
  | 'case_dispatched'
  | 'case_warning'
  | 'case_overdue'
  | 'case_escalated'
  | 'case_update'
  | 'case_extension_requested'
  | 'case_assist'
  | 'case_return_requested'
  | 'case_shelving_requested'
  | 'case_shelving_review'
  | 'case_verification'
  | 'dispute_risk'
  | 'dispute_assigned'
  | 'dispute_warning'
  | 'dispute_overdue'
  | 'dispute_escalated'
  | 'dispute_judicial_reminder'
  | 'petition_warning'
  | 'petition_overdue'
  | 'proposal_threshold'
  | 'proposal_warning'
  | 'proposal_overdue'
  | 'participation_update'
  | 'participation_digest'
  | 'service_update'
  | 'service_warning'
  | 'service_overdue'
  | 'project_milestone_due'
  | 'activity_update'
  | 'booking_cancelled'
  | 'incident_alert'
  | 'incident_update'
  | 'device_alarm'
  | 'training_assigned'
  | 'training_due'
  | 'training_overdue'
  | 'warning_raised'
  | 'monthly_report'

/** Users holding one of `roles` on the area at `areaPath` or above it. */
export async function usersWithRoleOver(tx: Tx, roles: readonly Role[], areaPath: string): Promise<number[]> {
  const { rows } = await sql<{
    id: number
  }>`select app_users_with_role_over(${roles as Role[]}::text[], ${areaPath}) as id`.execute(tx)
  return rows.map((r) => r.id)
}

export async function usersOfDepartment(tx: Tx, departmentId: number): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`select app_department_users(${departmentId}) as id`.execute(tx)
  return rows.map((r) => r.id)
}

/**
 * Tells the users holding one of `roles` over the area, in one statement (the list of users is
 * found by the database, not fetched first).
 */
export async function notifyRoleOver(
  tx: Tx,
  roles: readonly Role[],
  areaPath: string,
  n: { kind: NotificationKind; caseId: number | null; params: Record<string, unknown>; at: Date },
): Promise<void> {
  await sql`insert into notification (user_id, case_id, kind, params, created_at)
            select distinct u, ${n.caseId}::bigint, ${n.kind}, ${JSON.stringify(n.params)}::jsonb, ${n.at}::timestamptz
            from app_users_with_role_over(${roles as Role[]}::text[], ${areaPath}) as u`.execute(tx)
}

/** Puts a notice in each user's inbox (the staff inbox and the reporter's "my cases"). */
export async function notify(
  tx: Tx,
  userIds: Iterable<number>,
  n: { kind: NotificationKind; caseId: number | null; params: Record<string, unknown>; at: Date },
): Promise<void> {
  const ids = [...new Set(userIds)]
  if (ids.length === 0) return
  await tx
    .insertInto('notification')
    .values(
      ids.map((user_id) => ({
        user_id,
        case_id: n.caseId,
        kind: n.kind,
        params: JSON.stringify(n.params),
        created_at: n.at,
        read_at: null,
      })),
    )
    .execute()
}
