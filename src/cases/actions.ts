import type { Updateable } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input } from '../core/http.js'
import { sha256Hex } from '../core/privacy.js'
import type { Tx } from '../core/db.js'
import type { DB } from '../core/schema.js'
import { body, text } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { routeDepartment } from './catalogue.js'
import { startStage, stopClock, VERIFY_WORKDAYS, workdaysFrom } from './deadlines.js'
import { notify, usersOfDepartment, usersWithRoleOver, type NotificationKind } from './notify.js'
import { queueSms } from '../notifications/messages.js'
import { attachPhotos, photoTokens } from './photos.js'
import { caseRolesOf, loadCaseRow, type CaseRow } from './queries.js'
import {
  caseActions,
  caseWorkflow,
  openStates,
  ratings,
  type CaseAction,
  type CaseRole,
  type CaseState,
  publicActions,
} from './workflow.js'

export const actionBody = body(['action'], {
  action: { type: 'string', enum: caseActions },
  version: {
    type: 'integer',
    minimum: 1,
    description: 'The version the caller saw; a stale one is a 409 (optimistic locking)',
  },
  comment: text(2000),
  departmentId: { type: 'integer', minimum: 1 },
  intoCaseId: { type: 'integer', minimum: 1 },
  result: text(4000),
  rating: { type: 'string', enum: ratings },
  workdays: { type: 'integer', minimum: 1, maximum: 60 },
  approve: { type: 'boolean' },
  photos: photoTokens,
})

/** An anonymous reporter rates the result with the token returned when the case was filed. */
export const ratingBody = body(['reporterToken', 'rating'], {
  reporterToken: text(100),
  rating: { type: 'string', enum: ratings },
  comment: text(2000),
})

export type ActionInput = Input<typeof actionBody> & Partial<Pick<Input<typeof ratingBody>, 'reporterToken'>>

const need = <T>(v: T | undefined | null, field: string, what: string): T => {
  if (v === undefined || v === null || v === '')
    throw new AppError('VALIDATION_FAILED', `${what} is required for this action`, field)
  return v
}

interface Effects {
  patch: Updateable<DB['cases']>
  events: {
    action: string
    to: CaseState
    comment?: string | null
    detail?: Record<string, unknown>
    departmentId?: number | null
    actorRole?: string
    system?: boolean
  }[]
  notices: { users: number[]; kind: NotificationKind }[]
}

async function departmentOrFail(tx: Tx, id: number, field: string) {
  const d = await tx.selectFrom('department').select(['id']).where('id', '=', id).executeTakeFirst()
  if (!d) throw notFound('DEPARTMENT_NOT_FOUND', `department ${id}`, field)
  return d.id
}

/**
 * Takes one workflow action on a case, with everything it implies, in the caller's transaction;
 * answers with the case's tracking code and the state it is in now.
 */
export async function performAction(
  tx: Tx,
  ctx: RequestContext,
  caseId: number,
  input: ActionInput,
  now: Date,
): Promise<{ trackingCode: string; state: CaseState }> {
  const c = await loadCaseRow(tx, caseId)
  const tokenOk =
    input.reporterToken !== undefined &&
    c.reporter_id === null &&
    (await reporterTokenMatches(tx, caseId, input.reporterToken))
  const roles = caseRolesOf(ctx, c, tokenOk)
  const from = c.state as CaseState
  const to = caseWorkflow.check(from, input.action, roles)
  if (input.version !== undefined && input.version !== c.version) {
    throw new AppError(
      'CASE_VERSION_CONFLICT',
      `the case changed meanwhile (version ${c.version}, you sent ${input.version}); reload it`,
      'version',
      {},
      { version: c.version },
    )
  }
  const actorRole = pickRole(roles, input.action)
  const fx: Effects = {
    patch: { state: to },
    events: [{ action: input.action, to, comment: input.comment ?? null, actorRole }],
    notices: [],
  }
  // Working days are counted in the time zone of the case's area.
  await effectsOf(tx, c, input, now, c.area_timezone, fx)

  const updated = await tx
    .updateTable('cases')
    .set({ ...fx.patch, version: c.version + 1, updated_at: now })
    .where('id', '=', caseId)
    .where('version', '=', c.version)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1) {
    throw new AppError(
      'CASE_VERSION_CONFLICT',
      'someone else acted on this case at the same moment; reload it',
      'version',
    )
  }
  const photoIds = await attachPhotos(tx, caseId, input.photos ?? [], 'photos')
  const prev = await writeSteps(tx, ctx, c, from, input.action, fx, now, actorRole, photoIds)
  const params = { trackingCode: c.tracking_code, action: input.action, state: prev }
  if (c.reporter_id && publicActions.has(input.action) && c.reporter_id !== ctx.actor?.userId) {
    await notify(tx, [c.reporter_id], { kind: 'case_update', caseId, params, at: now })
  }
  // Reporters without an account (hotline callers, anonymous residents) hear of it by text message.
  if (!c.reporter_id && c.reporter_phone_enc && publicActions.has(input.action) && input.action !== 'rate') {
    await queueSms(tx, {
      caseId,
      to: Buffer.from(c.reporter_phone_enc),
      templateKey: 'case.update',
      params: { trackingCode: c.tracking_code, state: prev },
      at: now,
    })
  }
  await recordAudit(tx, ctx, {
    action: `case.${input.action}`,
    entityType: 'case',
    entityId: caseId,
    areaId: c.area_id,
    detail: { from, to: prev },
  })
  return { trackingCode: c.tracking_code, state: prev }
}

/**
 * Writes the steps of an action (its case_event rows, from `from` on) and tells those the effects
 * name (never the actor); answers the state the case ends in. Shared by performAction and
 * acceptAsSystem.
 */
async function writeSteps(
  tx: Tx,
  ctx: RequestContext,
  c: CaseRow,
  from: CaseState,
  action: string,
  fx: Effects,
  now: Date,
  actorRole: string,
  photoIds: number[],
): Promise<CaseState> {
  let prev = from
  for (const [i, e] of fx.events.entries()) {
    await tx
      .insertInto('case_event')
      .values({
        case_id: c.id,
        at: now,
        action: e.action,
        from_state: prev,
        to_state: e.to,
        actor_id: e.system ? null : (ctx.actor?.userId ?? null),
        actor_name: e.system ? 'system' : (ctx.actor?.displayName ?? 'reporter'),
        actor_role: e.system ? 'system' : (e.actorRole ?? actorRole),
        department_id:
          e.departmentId ?? (ctx.actor?.departmentId && actorRole === 'handler' ? ctx.actor.departmentId : null),
        comment: e.comment ?? null,
        photo_ids: i === 0 ? photoIds : [],
        detail: JSON.stringify(e.detail ?? {}),
        is_public: publicActions.has(e.action),
      })
      .execute()
    prev = e.to
  }
  const params = { trackingCode: c.tracking_code, action, state: prev }
  for (const n of fx.notices)
    await notify(
      tx,
      n.users.filter((u) => u !== ctx.actor?.userId),
      { kind: n.kind, caseId: c.id, params, at: now },
    )
  return prev
}

/** Whether `token` is the one handed to the anonymous reporter of a case (kept only as a hash). */
export const reporterTokenFits = (storedHash: string | null, token: string) =>
  !!storedHash && storedHash === sha256Hex(token)

async function reporterTokenMatches(tx: Tx, caseId: number, token: string): Promise<boolean> {
  const row = await tx.selectFrom('cases').select('reporter_token_hash').where('id', '=', caseId).executeTakeFirst()
  return reporterTokenFits(row?.reporter_token_hash ?? null, token)
}

function pickRole(roles: Set<CaseRole>, action: CaseAction): string {
  const by = caseWorkflow.actions[action].by
  return by.find((r) => roles.has(r)) ?? 'unknown'
}

/**
 * What accepting a case sets going: the category's routing for the case's area — else
 * `fallbackDepartmentId` — dispatches it at once (state 'dispatched', the department, a 'dispatch'
 * step by the system, the department's users told); with no department it waits, accepted, for
 * triage to dispatch by hand. The one place triage's `accept` and `acceptAsSystem` decide it.
 */
async function dispatchOnAccept(
  tx: Tx,
  c: CaseRow,
  fx: Effects,
  fallbackDepartmentId: number | null,
): Promise<number | null> {
  const dept = (await routeDepartment(tx, c.category_id, c.area_path)) ?? fallbackDepartmentId
  if (!dept) return null
  fx.patch.state = 'dispatched'
  fx.patch.department_id = dept
  fx.events.push({
    action: 'dispatch',
    to: 'dispatched',
    departmentId: dept,
    detail: { automatic: true },
    system: true,
  })
  fx.notices.push({ users: await usersOfDepartment(tx, dept), kind: 'case_dispatched' })
  return dept
}

async function effectsOf(tx: Tx, c: CaseRow, input: ActionInput, now: Date, zone: string, fx: Effects) {
  const path = c.area_path
  const category = await tx
    .selectFrom('case_category')
    .select(['handle_workdays'])
    .where('id', '=', c.category_id)
    .executeTakeFirstOrThrow()
  const triage = () => usersWithRoleOver(tx, ['staff'], path)
  const handleStage = async () =>
    Object.assign(
      fx.patch,
      await startStage(
        tx,
        c.id,
        await currentSeq(tx, c.id),
        'handle',
        now,
        await workdaysFrom(tx, now, category.handle_workdays!, zone),
        now,
      ),
    )
  switch (input.action) {
    case 'accept':
      await dispatchOnAccept(tx, c, fx, null)
      return
    case 'reject':
      need(input.comment, 'comment', 'a reason')
      Object.assign(fx.patch, await stopClock(tx, c.id, now))
      return
    case 'merge': {
      const into = need(input.intoCaseId, 'intoCaseId', 'the case to merge into')
      if (into === c.id) throw new AppError('VALIDATION_FAILED', 'a case cannot be merged into itself', 'intoCaseId')
      const target = await tx
        .selectFrom('cases')
        .select(['id', 'state', 'reporter_id', 'tracking_code'])
        .where('id', '=', into)
        .executeTakeFirst()
      if (!target) throw notFound('CASE_NOT_FOUND', `case ${into}`, 'intoCaseId')
      if (!openStates.includes(target.state as CaseState) || target.state === 'submitted') {
        throw new AppError('VALIDATION_FAILED', 'merge into a case that is accepted and still open', 'intoCaseId')
      }
      fx.patch.merged_into_id = into
      fx.events[0]!.detail = { intoCaseId: into, intoTrackingCode: target.tracking_code }
      Object.assign(fx.patch, await stopClock(tx, c.id, now))
      await tx
        .insertInto('case_event')
        .values({
          case_id: into,
          at: now,
          action: 'merged_from',
          from_state: target.state,
          to_state: target.state,
          actor_id: null,
          actor_name: 'system',
          actor_role: 'system',
          department_id: null,
          comment: null,
          detail: JSON.stringify({ caseId: c.id, trackingCode: c.tracking_code }),
          is_public: true,
        })
        .execute()
      // Both reporters follow the surviving case.
      if (target.reporter_id) fx.notices.push({ users: [target.reporter_id], kind: 'case_update' })
      return
    }
    case 'dispatch': {
      const dept =
        input.departmentId !== undefined
          ? await departmentOrFail(tx, input.departmentId, 'departmentId')
          : await routeDepartment(tx, c.category_id, path)
      if (!dept)
        throw new AppError(
          'VALIDATION_FAILED',
          'no department is responsible for this category here; choose one',
          'departmentId',
        )
      fx.patch.department_id = dept
      fx.events[0]!.departmentId = dept
      fx.notices.push({ users: await usersOfDepartment(tx, dept), kind: 'case_dispatched' })
      return
    }
    case 'department_accept':
      if (!c.responded_at) fx.patch.responded_at = now
      await handleStage()
      fx.patch.handle_due_at = fx.patch.stage_due_at
      return
    case 'return':
      need(input.comment, 'comment', 'why it is the wrong department')
      fx.patch.department_id = null
      fx.notices.push({ users: await triage(), kind: 'case_update' })
      return
    case 'request_extension': {
      const days = need(input.workdays, 'workdays', 'the number of extra working days')
      need(input.comment, 'comment', 'a reason')
      if (c.extension_request)
        throw new AppError('CONFLICT', 'an extension request is already waiting for a decision', 'workdays')
      fx.patch.extension_request = JSON.stringify({ workdays: days, comment: input.comment, at: now.toISOString() })
      fx.events[0]!.detail = { workdays: days }
      fx.notices.push({ users: await usersWithRoleOver(tx, ['leader'], path), kind: 'case_extension_requested' })
      return
    }
    case 'decide_extension': {
      const approve = need(input.approve, 'approve', 'the decision')
      const req = c.extension_request as { workdays: number } | null
      if (!req) throw new AppError('CONFLICT', 'no extension request is waiting', 'approve')
      fx.patch.extension_request = null
      fx.events[0]!.detail = { approve, workdays: req.workdays }
      if (approve && c.stage_due_at) {
        const due = await workdaysFrom(tx, c.stage_due_at, req.workdays, zone)
        const started = await tx
          .selectFrom('cases')
          .select('stage_started_at')
          .where('id', '=', c.id)
          .executeTakeFirstOrThrow()
        Object.assign(
          fx.patch,
          await startStage(tx, c.id, await currentSeq(tx, c.id), 'handle', started.stage_started_at ?? now, due, now),
        )
        fx.patch.handle_due_at = due
      }
      if (c.department_id) fx.notices.push({ users: await usersOfDepartment(tx, c.department_id), kind: 'case_update' })
      return
    }
    case 'add_assist': {
      const dept = await departmentOrFail(
        tx,
        need(input.departmentId, 'departmentId', 'the assisting department'),
        'departmentId',
      )
      if (dept === c.department_id || c.assisting_department_ids.includes(dept))
        throw new AppError('CONFLICT', 'that department already works on this case', 'departmentId')
      fx.patch.assisting_department_ids = [...c.assisting_department_ids, dept]
      fx.events[0]!.detail = { departmentId: dept }
      fx.notices.push({ users: await usersOfDepartment(tx, dept), kind: 'case_assist' })
      return
    }
    case 'reply':
      fx.patch.result = need(input.result, 'result', 'the result')
      fx.patch.replied_at = now
      fx.events[0]!.comment = input.result ?? null
      Object.assign(
        fx.patch,
        await startStage(
          tx,
          c.id,
          await currentSeq(tx, c.id),
          'verify',
          now,
          await workdaysFrom(tx, now, VERIFY_WORKDAYS, zone),
          now,
        ),
      )
      fx.notices.push({ users: await usersWithRoleOver(tx, ['grid_worker'], path), kind: 'case_update' })
      return
    case 'verify_pass':
      fx.patch.verified_at = now
      Object.assign(fx.patch, await stopClock(tx, c.id, now))
      fx.notices.push({ users: await triage(), kind: 'case_update' })
      return
    case 'verify_fail':
      need(input.comment, 'comment', 'what is still wrong')
      fx.patch.rework_count = c.rework_count + 1
      await handleStage()
      if (c.department_id) fx.notices.push({ users: await usersOfDepartment(tx, c.department_id), kind: 'case_update' })
      return
    case 'close':
      fx.patch.closed_at = now
      return
    case 'rate':
      if (c.rating) throw new AppError('CASE_ALREADY_RATED', 'this result has already been rated', 'rating')
      fx.patch.rating = need(input.rating, 'rating', 'a rating')
      fx.patch.rating_comment = input.comment ?? null
      fx.patch.rated_at = now
      fx.events[0]!.detail = { rating: input.rating }
      if (input.rating === 'unsatisfied') fx.notices.push({ users: await triage(), kind: 'case_update' })
      return
    case 'reopen':
      if (c.rating !== 'unsatisfied')
        throw new AppError('CONFLICT', 'only a result rated unsatisfied can be reopened', 'action')
      fx.patch.reopen_count = c.reopen_count + 1
      fx.patch.rating = null
      fx.patch.rating_comment = null
      fx.patch.rated_at = null
      fx.patch.closed_at = null
      fx.events[0]!.detail = { previousRating: c.rating }
      await handleStage()
      if (c.department_id) fx.notices.push({ users: await usersOfDepartment(tx, c.department_id), kind: 'case_update' })
      return
  }
}

async function currentSeq(tx: Tx, caseId: number): Promise<number> {
  const r = await tx.selectFrom('cases').select('stage_seq').where('id', '=', caseId).executeTakeFirstOrThrow()
  return r.stage_seq
}

/**
 * A case from a trusted reporter (a device's alarm or maintenance case: 自动立案) accepted by the
 * system at once, as triage's `accept` would: dispatched by the category's routing for the case's
 * area, else to `fallbackDepartmentId` (the device's owner), with 'accept' and 'dispatch' events by
 * 'system' and the department's users told. Without any department the case stays accepted for
 * triage to dispatch by hand. Runs in the caller's transaction (as the owner); answers the
 * department it went to, or null. A case no longer submitted is left alone.
 */
export async function acceptAsSystem(
  tx: Tx,
  caseId: number,
  now: Date,
  fallbackDepartmentId: number | null,
): Promise<number | null> {
  const c = await loadCaseRow(tx, caseId)
  if (c.state !== 'submitted') return c.department_id
  const fx: Effects = {
    patch: { state: 'accepted' },
    events: [{ action: 'accept', to: 'accepted', detail: { automatic: true }, system: true }],
    notices: [],
  }
  const dept = await dispatchOnAccept(tx, c, fx, fallbackDepartmentId)
  const updated = await tx
    .updateTable('cases')
    .set({ ...fx.patch, version: c.version + 1, updated_at: now })
    .where('id', '=', caseId)
    .where('version', '=', c.version)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1)
    throw new AppError('CASE_VERSION_CONFLICT', 'the case changed while it was being accepted', 'version')
  await writeSteps(tx, { actor: null, ip: 'system' }, c, 'submitted', 'accept', fx, now, 'system', [])
  await recordAudit(
    tx,
    { actor: null, ip: 'system' },
    {
      action: 'case.accept',
      entityType: 'case',
      entityId: caseId,
      areaId: c.area_id,
      detail: { from: 'submitted', to: dept ? 'dispatched' : 'accepted', automatic: true },
    },
  )
  return dept
}
