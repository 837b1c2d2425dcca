import { sql, type Updateable } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { FieldCipher } from '../core/crypto.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input } from '../core/http.js'
import { sha256Hex } from '../core/privacy.js'
import type { Tx } from '../core/db.js'
import type { DB } from '../core/schema.js'
import { body, text } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { routeDepartment } from './catalogue.js'
import {
  contactDue,
  replyDue,
  shelvingReviewTimer,
  startStage,
  stopClock,
  VERIFY_WORKDAYS,
  workdaysFrom,
} from './deadlines.js'
import { scheduleTimers } from '../core/scheduler.js'
import { notify, usersOfDepartment, usersWithRoleOver, type NotificationKind } from './notify.js'
import { queueSms } from '../notifications/messages.js'
import { attachPhotos, photoTokens } from './photos.js'
import { caseRolesOf, loadCaseRow, type CaseRow } from './queries.js'
import { caseRulesFor, type CaseRules, type Urgency, urgencies } from './rules.js'
import {
  caseActions,
  caseWorkflow,
  contactMethods,
  openStates,
  ratings,
  returnReasons,
  type Rating,
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
  urgency: { type: 'string', enum: urgencies, description: 'change_urgency: the new tier' },
  contactMethod: { type: 'string', enum: contactMethods, description: 'contact_requester: how' },
  reached: { type: 'boolean', description: 'contact_requester, callback: whether the requester was reached' },
  declined: { type: 'boolean', description: 'callback: the requester was reached but declined to answer (不参评)' },
  solved: { type: 'boolean', description: 'rate, callback: the requester’s answer to “was it solved?”' },
  returnReason: { type: 'string', enum: returnReasons, description: 'return: why it is not this department’s' },
})

/** An anonymous reporter rates the result with the token returned when the case was filed. */
export const ratingBody = body(['reporterToken', 'rating'], {
  reporterToken: text(100),
  rating: { type: 'string', enum: ratings },
  solved: { type: 'boolean', description: 'Was the problem solved? Without it: solved unless unsatisfied' },
  comment: text(2000),
})

export type ActionInput = Input<typeof actionBody> & Partial<Pick<Input<typeof ratingBody>, 'reporterToken'>>

/** Steps the requester took part in: no text message tells them of it afterwards. */
const withRequester: ReadonlySet<string> = new Set(['rate', 'contact_requester', 'callback'])

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
  // The leader who approved a shelving is reminded of its reviews.
  if (input.action === 'shelve') fx.patch.shelved_by = ctx.actor?.userId ?? null

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
  // Reporters without an account (hotline callers, anonymous residents) hear of it by text message,
  // except of the steps they took part in themselves (their rating, a contact, a call-back).
  if (!c.reporter_id && c.reporter_phone_enc && publicActions.has(input.action) && !withRequester.has(input.action)) {
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
  now: Date,
): Promise<number | null> {
  const dept =
    (await componentOwner(tx, c.component_id)) ??
    (await routeDepartment(tx, c.category_id, c.area_path)) ??
    fallbackDepartmentId
  if (!dept) return null
  fx.patch.state = 'dispatched'
  await dispatchTo(tx, c, fx, dept, now)
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

/** A case about a component goes to the component's owner (部件 have owners; 无主 ones follow routing). */
async function componentOwner(tx: Tx, componentId: number | null): Promise<number | null> {
  if (componentId === null) return null
  const { rows } = await sql<{ owner: number | null }>`
    select owner_department_id as owner from component where id = ${componentId}`.execute(tx)
  return rows[0]?.owner ?? null
}

/**
 * A dispatch to `dept`: the department, the dispatch time (the return window and the contact clock
 * count from it) and, while the requester waits for a first contact, when it is due.
 */
async function dispatchTo(tx: Tx, c: CaseRow, fx: Effects, dept: number, now: Date) {
  fx.patch.department_id = dept
  fx.patch.dispatched_at = now
  if (c.contact_required && !c.contacted_at)
    fx.patch.contact_due_at = contactDue(await caseRulesFor(tx, c.area_path), c.urgency as Urgency, now)
}

/** The working days of every approved extension of a case (they move its reply deadline). */
async function extendedWorkdays(tx: Tx, caseId: number): Promise<number> {
  const r = await tx
    .selectFrom('case_event')
    .select(sql<number>`coalesce(sum((detail->>'workdays')::int), 0)::int`.as('days'))
    .where('case_id', '=', caseId)
    .where('action', '=', 'decide_extension')
    .where(sql<boolean>`(detail->>'approve')::boolean`)
    .executeTakeFirstOrThrow()
  return r.days
}

async function effectsOf(tx: Tx, c: CaseRow, input: ActionInput, now: Date, zone: string, fx: Effects) {
  const path = c.area_path
  const category = await tx
    .selectFrom('case_category')
    .select(['handle_workdays', 'respond_hours'])
    .where('id', '=', c.category_id)
    .executeTakeFirstOrThrow()
  let loaded: CaseRules | null = null
  const rules = async () => (loaded ??= await caseRulesFor(tx, path))
  const triage = () => usersWithRoleOver(tx, ['staff'], path)
  const leaders = () => usersWithRoleOver(tx, ['leader'], path)
  const department = async () => (c.department_id ? await usersOfDepartment(tx, c.department_id) : [])
  /** The handling clock, from `start`, as long as the case's tier allows (plus `extraWorkdays`). */
  const handleStage = async (start = now, urgency = c.urgency as Urgency, extraWorkdays = 0) => {
    let due = await replyDue(tx, await rules(), urgency, category.handle_workdays, start, zone)
    if (extraWorkdays > 0) due = await workdaysFrom(tx, due, extraWorkdays, zone)
    Object.assign(fx.patch, await startStage(tx, c.id, c.stage_seq, 'handle', start, due, now))
    fx.patch.handle_due_at = due
  }
  const respondStage = async () => {
    const due = new Date(now.getTime() + category.respond_hours! * 3600_000)
    Object.assign(fx.patch, await startStage(tx, c.id, c.stage_seq, 'respond', now, due, now))
    fx.patch.response_due_at = due
  }
  const first = fx.events[0]!
  switch (input.action) {
    case 'confirm':
      // The grid worker's photo is the evidence that the problem is there.
      if (!input.photos?.length)
        throw new AppError('CASE_PHOTO_REQUIRED', 'confirming a report on site needs a photo of it', 'photos')
      await respondStage()
      fx.notices.push({ users: await triage(), kind: 'case_new' })
      return
    case 'invalidate':
      need(input.comment, 'comment', 'a reason the reporter will read')
      Object.assign(fx.patch, await stopClock(tx, c.id, now))
      return
    case 'accept':
      await dispatchOnAccept(tx, c, fx, null, now)
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
      if (!openStates.includes(target.state as CaseState) || ['submitted', 'verifying'].includes(target.state)) {
        throw new AppError('VALIDATION_FAILED', 'merge into a case that is accepted and still open', 'intoCaseId')
      }
      fx.patch.merged_into_id = into
      first.detail = { intoCaseId: into, intoTrackingCode: target.tracking_code }
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
    case 'answer_directly':
      // An enquiry the operator can answer at once (直接答复): closed without dispatch, still rated.
      fx.patch.result = need(input.result, 'result', 'the answer')
      fx.patch.direct_answer = true
      fx.patch.replied_at = now
      fx.patch.closed_at = now
      first.comment = input.result ?? null
      Object.assign(fx.patch, await stopClock(tx, c.id, now))
      return
    case 'change_urgency': {
      const urgency = need(input.urgency, 'urgency', 'the new urgency') as Urgency
      need(input.comment, 'comment', 'a reason')
      if (urgency === c.urgency) throw new AppError('VALIDATION_FAILED', `the case is already ${urgency}`, 'urgency')
      fx.patch.urgency = urgency
      first.detail = { from: c.urgency, to: urgency }
      // The deadlines still running move with the tier: the first contact and the reply.
      if (c.dispatched_at && c.contact_required && !c.contacted_at)
        fx.patch.contact_due_at = contactDue(await rules(), urgency, c.dispatched_at)
      if (c.stage === 'handle' && c.stage_started_at)
        await handleStage(c.stage_started_at, urgency, await extendedWorkdays(tx, c.id))
      return
    }
    case 'dispatch': {
      const dept =
        input.departmentId !== undefined
          ? await departmentOrFail(tx, input.departmentId, 'departmentId')
          : ((await componentOwner(tx, c.component_id)) ?? (await routeDepartment(tx, c.category_id, path)))
      if (!dept)
        throw new AppError(
          'VALIDATION_FAILED',
          'no department is responsible for this category here; choose one',
          'departmentId',
        )
      await dispatchTo(tx, c, fx, dept, now)
      first.departmentId = dept
      fx.notices.push({ users: await usersOfDepartment(tx, dept), kind: 'case_dispatched' })
      return
    }
    case 'department_accept':
      if (!c.responded_at) fx.patch.responded_at = now
      await handleStage()
      return
    case 'contact_requester': {
      const method = need(input.contactMethod, 'contactMethod', 'how the requester was contacted')
      const reached = need(input.reached, 'reached', 'whether the requester was reached')
      // The response clock stops at the first contact that reaches the requester.
      const firstContact = reached && !c.contacted_at
      if (firstContact) fx.patch.contacted_at = now
      first.detail = {
        method,
        reached,
        first: firstContact,
        onTime: firstContact && c.contact_due_at ? now <= c.contact_due_at : null,
      }
      return
    }
    case 'return': {
      const reason = need(input.returnReason, 'returnReason', 'the reason for the return')
      need(input.comment, 'comment', 'why it is not this department’s case')
      const window = (await rules()).returnWindowHours
      const since = c.dispatched_at ?? c.updated_at
      if (now.getTime() - since.getTime() > window * 3600_000)
        throw new AppError(
          'CASE_RETURN_WINDOW_CLOSED',
          `a case can be returned within ${window} hours of its dispatch (dispatched ${since.toISOString()})`,
          'action',
          {},
          { dispatchedAt: since.toISOString(), windowHours: window },
        )
      // The department's clock keeps running until triage decides.
      fx.patch.return_request = JSON.stringify({
        reason,
        comment: input.comment,
        at: now.toISOString(),
        departmentId: c.department_id,
      })
      fx.patch.return_count = c.return_count + 1
      first.detail = { reason }
      fx.notices.push({ users: await triage(), kind: 'case_return_requested' })
      return
    }
    case 'approve_return': {
      const req = c.return_request as { departmentId: number | null } | null
      fx.patch.return_request = null
      fx.patch.department_id = null
      fx.patch.dispatched_at = null
      fx.patch.contact_due_at = null
      first.detail = { returnedBy: req?.departmentId ?? null }
      const notices = await department()
      // The clock restarts for the next department.
      await respondStage()
      if (input.departmentId !== undefined) {
        const dept = await departmentOrFail(tx, input.departmentId, 'departmentId')
        if (dept === req?.departmentId)
          throw new AppError(
            'VALIDATION_FAILED',
            'choose a department other than the one that returned it',
            'departmentId',
          )
        fx.patch.state = 'dispatched'
        await dispatchTo(tx, c, fx, dept, now)
        fx.events.push({ action: 'dispatch', to: 'dispatched', departmentId: dept, detail: { afterReturn: true } })
        fx.notices.push({ users: await usersOfDepartment(tx, dept), kind: 'case_dispatched' })
      }
      fx.notices.push({ users: notices, kind: 'case_update' })
      return
    }
    case 'deny_return':
      need(input.comment, 'comment', 'why the department must handle it')
      fx.patch.return_request = null
      fx.patch.return_denied_count = c.return_denied_count + 1
      fx.notices.push({ users: await department(), kind: 'case_update' })
      return
    case 'request_extension': {
      const days = need(input.workdays, 'workdays', 'the number of extra working days')
      need(input.comment, 'comment', 'a reason')
      if (c.extension_request)
        throw new AppError('CONFLICT', 'an extension request is already waiting for a decision', 'workdays')
      fx.patch.extension_request = JSON.stringify({ workdays: days, comment: input.comment, at: now.toISOString() })
      first.detail = { workdays: days }
      fx.notices.push({ users: await leaders(), kind: 'case_extension_requested' })
      return
    }
    case 'decide_extension': {
      const approve = need(input.approve, 'approve', 'the decision')
      const req = c.extension_request as { workdays: number } | null
      if (!req) throw new AppError('CONFLICT', 'no extension request is waiting', 'approve')
      fx.patch.extension_request = null
      first.detail = { approve, workdays: req.workdays }
      if (approve && c.stage_due_at) {
        const due = await workdaysFrom(tx, c.stage_due_at, req.workdays, zone)
        Object.assign(fx.patch, await startStage(tx, c.id, c.stage_seq, 'handle', c.stage_started_at ?? now, due, now))
        fx.patch.handle_due_at = due
        fx.patch.extension_count = c.extension_count + 1
      }
      fx.notices.push({ users: await department(), kind: 'case_update' })
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
      first.detail = { departmentId: dept }
      fx.notices.push({ users: await usersOfDepartment(tx, dept), kind: 'case_assist' })
      return
    }
    case 'request_shelving':
      need(input.comment, 'comment', 'why it cannot be solved now')
      if (c.shelving_request)
        throw new AppError('CONFLICT', 'a shelving request is already waiting for a decision', 'comment')
      fx.patch.shelving_request = JSON.stringify({ comment: input.comment, at: now.toISOString() })
      fx.notices.push({ users: await leaders(), kind: 'case_shelving_requested' })
      return
    case 'shelve': {
      // A leader's decision is the approval (挂账 needs one): the case leaves the deadlines and the
      // overdue lists, and comes back for review on a schedule.
      need(input.comment, 'comment', 'why the case is shelved and what it waits for')
      const days = (await rules()).shelvingReviewDays
      const review = new Date(now.getTime() + days * 86_400_000)
      const seq = c.stage_seq + 1
      Object.assign(fx.patch, await stopClock(tx, c.id, now))
      fx.patch.stage_seq = seq
      fx.patch.shelving_request = null
      fx.patch.shelved_at = now
      fx.patch.shelve_review_at = review
      fx.patch.shelved_count = c.shelved_count + 1
      first.detail = { requested: !!c.shelving_request, reviewAt: review.toISOString() }
      await scheduleTimers(tx, [shelvingReviewTimer(c.id, seq, review)])
      fx.notices.push({ users: await department(), kind: 'case_update' })
      return
    }
    case 'decline_shelving':
      need(input.comment, 'comment', 'why the case must go on')
      if (!c.shelving_request) throw new AppError('CONFLICT', 'no shelving request is waiting', 'action')
      fx.patch.shelving_request = null
      fx.notices.push({ users: await department(), kind: 'case_update' })
      return
    case 'revive':
      fx.patch.shelve_review_at = null
      await handleStage()
      fx.notices.push({ users: await department(), kind: 'case_update' })
      return
    case 'reply':
      fx.patch.result = need(input.result, 'result', 'the result')
      fx.patch.replied_at = now
      first.comment = input.result ?? null
      Object.assign(
        fx.patch,
        await startStage(tx, c.id, c.stage_seq, 'verify', now, await workdaysFrom(tx, now, VERIFY_WORKDAYS, zone), now),
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
      fx.notices.push({ users: await department(), kind: 'case_update' })
      return
    case 'close':
      fx.patch.closed_at = now
      return
    case 'rate': {
      rateable(c, 'rating')
      if (c.rating_status === 'rated')
        throw new AppError('CASE_ALREADY_RATED', 'this result has already been rated', 'rating')
      const rating = need(input.rating, 'rating', 'a rating')
      answer(fx, rating, input.solved ?? rating !== 'unsatisfied', input.comment ?? null, now)
      first.detail = { rating, solved: fx.patch.solved }
      if (!fx.patch.solved || rating === 'unsatisfied') fx.notices.push({ users: await triage(), kind: 'case_update' })
      return
    }
    case 'callback': {
      // A hotline operator calls the requester back (回访) and records the answer, or the attempt.
      rateable(c, 'reached')
      if (c.rating_status)
        throw new AppError(
          'CASE_ALREADY_RATED',
          `the requester's answer is recorded already (${c.rating_status})`,
          'reached',
        )
      const reached = need(input.reached, 'reached', 'whether the requester was reached')
      const attempt = c.callback_attempts + 1
      fx.patch.callback_attempts = attempt
      if (reached && !input.declined) {
        const rating = need(input.rating, 'rating', 'the requester’s rating')
        const solved = need(input.solved, 'solved', 'whether the requester says it was solved')
        answer(fx, rating, solved, input.comment ?? null, now)
        first.to = 'rated'
        first.detail = { attempt, reached, rating, solved }
        if (!solved || rating === 'unsatisfied') fx.notices.push({ users: await triage(), kind: 'case_update' })
        return
      }
      // Declined, or unreachable after the area's number of attempts: not rated (不参评).
      const limit = (await rules()).callbackAttempts
      const notRated = !!(reached && input.declined) || attempt >= limit
      if (notRated) fx.patch.rating_status = 'not_rated'
      first.detail = { attempt, reached, declined: !!input.declined, notRated, attemptsAllowed: limit }
      return
    }
    case 'reopen':
      if (c.rating !== 'unsatisfied' && c.solved !== false)
        throw new AppError('CONFLICT', 'only a result rated unsatisfied or not solved can be reopened', 'action')
      fx.patch.reopen_count = c.reopen_count + 1
      fx.patch.rating = null
      fx.patch.rating_comment = null
      fx.patch.rated_at = null
      fx.patch.closed_at = null
      fx.patch.solved = null
      fx.patch.rating_status = null
      first.detail = { previousRating: c.rating, previousSolved: c.solved }
      await handleStage()
      fx.notices.push({ users: await department(), kind: 'case_update' })
      return
  }
}

/** Staff never rate their own reports, so patrol, proactive and device cases take no answer. */
function rateable(c: CaseRow, field: string) {
  if (!c.rateable)
    throw new AppError(
      'CASE_NOT_RATEABLE',
      `the requester's answer is not asked for a ${c.channel} case: staff do not rate their own reports`,
      field,
    )
}

/** The requester's answer, from the portal or a call-back: rated, solved or not, and how satisfied. */
function answer(fx: Effects, rating: Rating, solved: boolean, comment: string | null, now: Date) {
  fx.patch.state = 'rated'
  fx.patch.rating = rating
  fx.patch.rating_comment = comment
  fx.patch.rated_at = now
  fx.patch.solved = solved
  fx.patch.rating_status = 'rated'
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
  const dept = await dispatchOnAccept(tx, c, fx, fallbackDepartmentId, now)
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

export const phoneRevealBody = body(['purpose'], {
  purpose: { type: 'string', minLength: 4, maxLength: 500, description: 'Why the number is needed; audited' },
})

/**
 * The requester's phone in clear, for those who must call them: triage (the hotline's call-back)
 * and the handling department (the first contact). Stored only sealed; every reveal is audited
 * with its purpose.
 */
export async function revealReporterPhone(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  caseId: number,
  purpose: string,
): Promise<{ phone: string }> {
  const c = await loadCaseRow(tx, caseId)
  const roles = caseRolesOf(ctx, c)
  if (!roles.has('triage') && !roles.has('handler'))
    throw new AppError('FORBIDDEN', 'the requester’s phone is for the hotline and the handling department', 'id')
  if (!c.reporter_phone_enc) throw new AppError('CONFLICT', 'the requester left no phone number', 'id')
  const phone = cipher.decrypt(Buffer.from(c.reporter_phone_enc))
  await recordAudit(tx, ctx, {
    action: 'case.reveal_phone',
    entityType: 'case',
    entityId: caseId,
    areaId: c.area_id,
    purpose,
  })
  return { phone }
}
