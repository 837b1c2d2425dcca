import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { defineWorkflow } from '../core/workflow.js'
import { areaPathOf, areaRef, areaRefSchema } from '../jurisdiction/service.js'
import { isParticipationStaff, requireParticipationStaff, tellParticipants } from './common.js'
import { dayOf, isSittingMember, staffArea } from './councils.js'

// Deliberation meetings (议事会), hearings (听证会) and council sessions: an agenda, the proposals
// or consultations discussed, registration (with a capacity), attendance, minutes, and decisions
// put to a vote. Staff of the meeting's area run it; everyone on the area's branch of the tree
// reads it and may register. Who votes on a decision: registered people marked as attended, and
// the members of the meeting's council whose term runs that day. The result after the voting
// window: no_quorum when fewer people voted than the meeting's quorum; otherwise a simple majority
// adopts when votes for exceed votes against, a two-thirds majority when votes for are at least
// two thirds of all votes cast (for + against + abstain).

// ── States ─────────────────────────────────────────────────────────────────────────────────────

export const meetingKinds = ['deliberation', 'hearing', 'council'] as const
export const meetingStates = ['scheduled', 'held', 'cancelled'] as const
export type MeetingState = (typeof meetingStates)[number]
export const subjectKinds = ['proposal', 'consultation'] as const
export const majorities = ['simple', 'two_thirds'] as const
export type Majority = (typeof majorities)[number]
export const voteChoices = ['for', 'against', 'abstain'] as const
export const decisionResults = ['adopted', 'rejected', 'no_quorum'] as const

export const meetingWorkflow = defineWorkflow({
  name: 'meeting',
  states: meetingStates,
  illegalCode: 'MEETING_ILLEGAL_TRANSITION',
  actions: {
    hold: { from: ['scheduled'], to: 'held', by: ['staff'] },
    cancel: { from: ['scheduled'], to: 'cancelled', by: ['staff'] },
  },
})
export const meetingActions = ['hold', 'cancel'] as const

/** The rule a decision is counted by, as the answer and the docs state it. */
export function ruleOf(majority: Majority, quorum: number): string {
  const q = `at least ${quorum} ${quorum === 1 ? 'person' : 'people'} must vote (quorum), else no_quorum`
  return majority === 'simple'
    ? `simple majority: adopted when votes for exceed votes against; ${q}`
    : `two-thirds majority: adopted when votes for are at least two thirds of all votes cast (for + against + abstain); ${q}`
}

// ── Schemas ────────────────────────────────────────────────────────────────────────────────────

const subjectInput = body(['kind', 'id'], {
  kind: { type: 'string', enum: subjectKinds },
  id,
})

export const newMeetingBody = body(['areaId', 'kind', 'title', 'agenda', 'location', 'startsAt', 'endsAt', 'quorum'], {
  areaId: { ...id, description: 'The community or street holding the meeting; its branch of the tree is invited' },
  councilId: { ...id, description: 'The council meeting (required for kind council); its sitting members vote' },
  kind: { type: 'string', enum: meetingKinds },
  title: text(200),
  agenda: text(10000),
  location: text(300),
  startsAt: timestamp,
  endsAt: { ...timestamp, description: 'After startsAt' },
  capacity: { type: 'integer', minimum: 1, maximum: 100000, description: 'Most registrations accepted' },
  quorum: {
    type: 'integer',
    minimum: 1,
    maximum: 100000,
    description: 'A decision counts only when at least this many people voted on it',
  },
  subjects: {
    type: 'array',
    maxItems: 20,
    default: [],
    items: subjectInput,
    description: 'The proposals and consultations discussed (each must exist and be visible to you)',
  },
})
export type NewMeeting = Input<typeof newMeetingBody>

export const meetingActionBody = body(['action'], {
  action: { type: 'string', enum: meetingActions },
  minutes: { ...text(50000), description: 'hold: the minutes, when written at once' },
})
export const minutesBody = body(['minutes'], { minutes: text(50000) })
export const attendanceBody = body(['userIds', 'attended'], {
  userIds: { type: 'array', minItems: 1, maxItems: 500, uniqueItems: true, items: id },
  attended: { type: 'boolean' },
})
export const newDecisionBody = body(['title', 'text', 'majority', 'votingOpensAt', 'votingClosesAt'], {
  title: text(200),
  text: text(10000),
  majority: { type: 'string', enum: majorities },
  votingOpensAt: timestamp,
  votingClosesAt: { ...timestamp, description: 'After votingOpensAt; votes are taken until then' },
})
export const voteBody = body(['choice'], { choice: { type: 'string', enum: voteChoices } })

export const meetingListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'Meetings of this area and the areas below it' },
    councilId: id,
    when: {
      type: 'string',
      enum: ['upcoming', 'past'],
      description:
        'upcoming: not yet over (soonest first); past: over (latest first). Without: upcoming first, then past',
    },
    status: { type: 'string', enum: meetingStates },
  },
} as const
export type MeetingFilter = Input<typeof meetingListQuery>

export const decisionParams = {
  type: 'object',
  required: ['id', 'decisionId'],
  additionalProperties: false,
  properties: { id, decisionId: id },
} as const

const meetingCore = {
  id: { type: 'integer' },
  area: areaRefSchema,
  council: orNull(shape({ id: { type: 'integer' }, name: { type: 'string' } })),
  kind: { type: 'string', enum: meetingKinds },
  title: { type: 'string' },
  location: { type: 'string' },
  startsAt: timestamp,
  endsAt: timestamp,
  capacity: nullable('integer'),
  quorum: { type: 'integer' },
  status: { type: 'string', enum: meetingStates },
  registrationCount: { type: 'integer' },
  registered: { type: 'boolean', description: 'Whether the caller registered' },
  registrationOpen: { type: 'boolean', description: 'Scheduled, not started, and not full' },
} as const

export const meetingViewSchema = shape(meetingCore)
export type MeetingView = Output<typeof meetingViewSchema>

export const decisionSchema = shape({
  id: { type: 'integer' },
  title: { type: 'string' },
  text: { type: 'string' },
  majority: { type: 'string', enum: majorities },
  rule: { type: 'string', description: 'How the result is counted (majority and quorum)' },
  votingOpensAt: timestamp,
  votingClosesAt: timestamp,
  votingOpen: { type: 'boolean' },
  voters: { type: 'integer', description: 'How many have voted' },
  votesFor: { ...nullable('integer'), description: 'Shown once voting has closed' },
  votesAgainst: nullable('integer'),
  votesAbstain: nullable('integer'),
  result: { type: ['string', 'null'], enum: [...decisionResults, null] },
  myVote: { type: ['string', 'null'], enum: [...voteChoices, null] },
  mayVote: { type: 'boolean', description: 'The caller may vote now (eligible, window open, not voted yet)' },
  accountabilityId: { ...nullable('integer'), description: 'The "you said, we did" record following it' },
})
export type DecisionView = Output<typeof decisionSchema>

export const meetingDetailSchema = shape({
  ...meetingCore,
  agenda: { type: 'string' },
  minutes: nullable('string'),
  attendedCount: { type: 'integer' },
  myRegistration: orNull(shape({ registeredAt: timestamp, attended: { type: 'boolean' } })),
  mayVote: {
    type: 'boolean',
    description: 'The caller votes on this meeting’s decisions (attended, or a sitting council member)',
  },
  subjects: {
    type: 'array',
    items: shape({
      kind: { type: 'string', enum: subjectKinds },
      id: { type: 'integer' },
      title: { ...nullable('string'), description: 'Null when no longer visible to the caller' },
      status: nullable('string'),
    }),
  },
  decisions: { type: 'array', items: decisionSchema },
  registrants: {
    type: 'array',
    description: 'For the meeting’s staff (attendance); empty for everyone else',
    items: shape({
      userId: { type: 'integer' },
      name: nullable('string'),
      registeredAt: timestamp,
      attended: { type: 'boolean' },
    }),
  },
  canManage: { type: 'boolean' },
  allowedActions: { type: 'array', items: { type: 'string', enum: meetingActions } },
  createdAt: timestamp,
  updatedAt: timestamp,
})
export type MeetingDetail = Output<typeof meetingDetailSchema>

// ── Reading ────────────────────────────────────────────────────────────────────────────────────

const registrationCount = sql<number>`(select count(*)::int from meeting_registration r where r.meeting_id = m.id)`

function meetingBase(tx: Tx) {
  return tx
    .selectFrom('meeting as m')
    .innerJoin('area as a', 'a.id', 'm.area_id')
    .leftJoin('council as c', 'c.id', 'm.council_id')
}

const meetingColumns = (userId: number) =>
  [
    'm.id',
    'm.kind',
    'm.title',
    'm.location',
    'm.starts_at',
    'm.ends_at',
    'm.capacity',
    'm.quorum',
    'm.status',
    'm.council_id',
    'c.name as council_name',
    'a.id as area_id',
    'a.code as area_code',
    'a.name_zh as area_name_zh',
    'a.name_en as area_name_en',
    'a.path as area_path',
    registrationCount.as('registration_count'),
    sql<boolean>`exists (select 1 from meeting_registration r where r.meeting_id = m.id and r.user_id = ${userId})`.as(
      'registered',
    ),
  ] as const

type MeetingRowCore = {
  id: number
  kind: string
  title: string
  location: string
  starts_at: Date
  ends_at: Date
  capacity: number | null
  quorum: number
  status: string
  council_id: number | null
  council_name: string | null
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  registration_count: number
  registered: boolean
}

const registrationOpen = (m: MeetingRowCore, now: Date) =>
  m.status === 'scheduled' && now < m.starts_at && (m.capacity === null || m.registration_count < m.capacity)

const presentMeeting = (m: MeetingRowCore, now: Date): MeetingView => ({
  id: m.id,
  area: areaRef(m),
  council: m.council_id !== null && m.council_name !== null ? { id: m.council_id, name: m.council_name } : null,
  kind: m.kind as MeetingView['kind'],
  title: m.title,
  location: m.location,
  startsAt: m.starts_at.toISOString(),
  endsAt: m.ends_at.toISOString(),
  capacity: m.capacity,
  quorum: m.quorum,
  status: m.status as MeetingState,
  registrationCount: m.registration_count,
  registered: m.registered,
  registrationOpen: registrationOpen(m, now),
})

export async function listMeetings(tx: Tx, ctx: RequestContext, f: MeetingFilter, now: Date) {
  const actor = requireActor(ctx)
  let base = meetingBase(tx)
  if (f.areaId !== undefined) base = base.where('a.path', 'like', `${await areaPathOf(tx, f.areaId)}%`)
  if (f.councilId !== undefined) base = base.where('m.council_id', '=', f.councilId)
  if (f.status) base = base.where('m.status', '=', f.status)
  if (f.when === 'upcoming') base = base.where('m.ends_at', '>=', now)
  if (f.when === 'past') base = base.where('m.ends_at', '<', now)
  let q = base.select(meetingColumns(actor.userId))
  q =
    f.when === 'past'
      ? q.orderBy('m.starts_at', 'desc')
      : f.when === 'upcoming'
        ? q.orderBy('m.starts_at', 'asc')
        : q
            .orderBy(sql`m.ends_at < ${now}`)
            .orderBy(sql`case when m.ends_at >= ${now} then m.starts_at end`, 'asc')
            .orderBy('m.starts_at', 'desc')
  const [rows, count] = await Promise.all([
    q.orderBy('m.id', 'desc').limit(f.pageSize).offset(offsetOf(f)).execute(),
    tx
      .selectFrom(base.select('m.id').limit(countLimitOf(f)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return paginate(
    f,
    rows.map((r) => presentMeeting(r, now)),
    count.n,
  )
}

async function loadMeeting(tx: Tx, meetingId: number, userId: number) {
  const m = await meetingBase(tx)
    .select([...meetingColumns(userId), 'm.agenda', 'm.minutes', 'm.created_at', 'm.updated_at'])
    .where('m.id', '=', meetingId)
    .executeTakeFirst()
  if (!m) throw notFound('MEETING_NOT_FOUND', `meeting ${meetingId}`)
  return m
}
type MeetingRow = Awaited<ReturnType<typeof loadMeeting>>

/**
 * Stores the result of decisions whose voting has closed. Computed in the UPDATE itself, so a vote
 * committing at the same moment is either counted (its row version is the one updated) or refused
 * (the vote's counter update finds the result set and rolls back).
 */
export async function settleResults(tx: Tx, meetingId: number, quorum: number, now: Date): Promise<void> {
  await sql`
    update meeting_decision set result = case
        when votes_for + votes_against + votes_abstain < ${quorum}::int then 'no_quorum'
        when majority = 'simple' and votes_for > votes_against then 'adopted'
        when majority = 'two_thirds' and 3 * votes_for >= 2 * (votes_for + votes_against + votes_abstain) then 'adopted'
        else 'rejected' end
    where meeting_id = ${meetingId} and result is null and voting_closes_at <= ${now}`.execute(tx)
}

/** Whether the caller votes on this meeting: registered and marked attended, or a sitting council member. */
async function votesHere(tx: Tx, m: MeetingRow, userId: number, attended: boolean, now: Date): Promise<boolean> {
  if (attended) return true
  return m.council_id !== null && (await isSittingMember(tx, m.council_id, userId, dayOf(now)))
}

export async function meetingDetail(tx: Tx, ctx: RequestContext, meetingId: number, now: Date): Promise<MeetingDetail> {
  const actor = requireActor(ctx)
  const m = await loadMeeting(tx, meetingId, actor.userId)
  const staff = isParticipationStaff(actor, m.area_path)
  await settleResults(tx, m.id, m.quorum, now)
  const [subjects, counts, mine, decisions, registrants] = await Promise.all([
    tx
      .selectFrom('meeting_subject')
      .select(['subject_kind', 'subject_id'])
      .where('meeting_id', '=', m.id)
      .orderBy('subject_kind', 'desc')
      .orderBy('subject_id')
      .execute(),
    tx
      .selectFrom('meeting_registration')
      .select(sql<number>`count(*) filter (where attended)::int`.as('attended'))
      .where('meeting_id', '=', m.id)
      .executeTakeFirstOrThrow(),
    tx
      .selectFrom('meeting_registration')
      .select(['registered_at', 'attended'])
      .where('meeting_id', '=', m.id)
      .where('user_id', '=', actor.userId)
      .executeTakeFirst(),
    tx
      .selectFrom('meeting_decision as d')
      .leftJoin('meeting_vote as v', (j) => j.onRef('v.decision_id', '=', 'd.id').on('v.user_id', '=', actor.userId))
      .leftJoin('accountability_record as r', (j) =>
        j.onRef('r.source_id', '=', 'd.id').on('r.source_kind', '=', 'meeting_decision'),
      )
      .select([
        'd.id',
        'd.title',
        'd.text',
        'd.majority',
        'd.voting_opens_at',
        'd.voting_closes_at',
        'd.votes_for',
        'd.votes_against',
        'd.votes_abstain',
        'd.result',
        'v.choice',
        'r.id as accountability_id',
      ])
      .where('d.meeting_id', '=', m.id)
      .orderBy('d.voting_opens_at')
      .orderBy('d.id')
      .execute(),
    staff
      ? tx
          .selectFrom('meeting_registration as r')
          .leftJoin('app_user as u', 'u.id', 'r.user_id')
          .select(['r.user_id', 'u.display_name', 'r.registered_at', 'r.attended'])
          .where('r.meeting_id', '=', m.id)
          .orderBy('r.registered_at')
          .orderBy('r.user_id')
          .execute()
      : Promise.resolve([]),
  ])
  const titles = await subjectTitles(
    tx,
    subjects.map((s) => ({ kind: s.subject_kind, id: s.subject_id })),
  )
  const eligible = m.status !== 'cancelled' && (await votesHere(tx, m, actor.userId, !!mine?.attended, now))
  return {
    ...presentMeeting(m, now),
    agenda: m.agenda,
    minutes: m.minutes,
    attendedCount: counts.attended,
    myRegistration: mine ? { registeredAt: mine.registered_at.toISOString(), attended: mine.attended } : null,
    mayVote: eligible,
    subjects: subjects.map((s) => {
      const t = titles.get(`${s.subject_kind}:${s.subject_id}`)
      return {
        kind: s.subject_kind as (typeof subjectKinds)[number],
        id: s.subject_id,
        title: t?.title ?? null,
        status: t?.status ?? null,
      }
    }),
    decisions: decisions.map((d) => {
      const open = m.status !== 'cancelled' && d.result === null && d.voting_opens_at <= now && now < d.voting_closes_at
      const closed = d.result !== null
      return {
        id: d.id,
        title: d.title,
        text: d.text,
        majority: d.majority as Majority,
        rule: ruleOf(d.majority as Majority, m.quorum),
        votingOpensAt: d.voting_opens_at.toISOString(),
        votingClosesAt: d.voting_closes_at.toISOString(),
        votingOpen: open,
        voters: d.votes_for + d.votes_against + d.votes_abstain,
        votesFor: closed ? d.votes_for : null,
        votesAgainst: closed ? d.votes_against : null,
        votesAbstain: closed ? d.votes_abstain : null,
        result: d.result as DecisionView['result'],
        myVote: (d.choice ?? null) as DecisionView['myVote'],
        mayVote: open && eligible && !d.choice,
        accountabilityId: d.accountability_id ?? null,
      }
    }),
    registrants: registrants.map((r) => ({
      userId: r.user_id,
      name: r.display_name ?? null,
      registeredAt: r.registered_at.toISOString(),
      attended: r.attended,
    })),
    canManage: staff,
    // Holding is recorded once the meeting has begun.
    allowedActions: meetingWorkflow
      .allowed(m.status as MeetingState, new Set<'staff'>(staff ? ['staff'] : []))
      .filter((a) => a !== 'hold' || now >= m.starts_at),
    createdAt: m.created_at.toISOString(),
    updatedAt: m.updated_at.toISOString(),
  }
}

/** Titles and states of proposals and consultations, as far as the caller sees them. */
async function subjectTitles(tx: Tx, subjects: { kind: string; id: number }[]) {
  const out = new Map<string, { title: string; status: string; area_id: number }>()
  const ids = (kind: string) => subjects.filter((s) => s.kind === kind).map((s) => s.id)
  const proposals = ids('proposal')
  const consultations = ids('consultation')
  if (proposals.length)
    for (const r of await tx
      .selectFrom('proposal')
      .select(['id', 'title', 'status', 'area_id'])
      .where('id', 'in', proposals)
      .execute())
      out.set(`proposal:${r.id}`, r)
  if (consultations.length)
    for (const r of await tx
      .selectFrom('consultation')
      .select(['id', 'title', 'status', 'area_id'])
      .where('id', 'in', consultations)
      .execute())
      out.set(`consultation:${r.id}`, r)
  return out
}

// ── Staff: create, hold or cancel, minutes, attendance, decisions ──────────────────────────────

export async function createMeeting(tx: Tx, ctx: RequestContext, input: NewMeeting, now: Date): Promise<MeetingDetail> {
  const actor = requireActor(ctx)
  const areaPath = await staffArea(tx, ctx, input.areaId)
  const startsAt = new Date(input.startsAt)
  const endsAt = new Date(input.endsAt)
  if (!(endsAt > startsAt)) throw new AppError('VALIDATION_FAILED', 'the meeting must end after it starts', 'endsAt')
  if (input.kind === 'council' && input.councilId === undefined)
    throw new AppError('VALIDATION_FAILED', 'a council meeting names its council', 'councilId')
  if (input.councilId !== undefined) {
    const council = await tx
      .selectFrom('council as c')
      .innerJoin('area as a', 'a.id', 'c.area_id')
      .select(['c.id', 'a.path'])
      .where('c.id', '=', input.councilId)
      .executeTakeFirst()
    if (!council) throw notFound('COUNCIL_NOT_FOUND', `council ${input.councilId}`, 'councilId')
    if (!areaPath.startsWith(council.path))
      throw new AppError('VALIDATION_FAILED', 'the council must serve the meeting’s area', 'councilId')
  }
  const seen = new Set<string>()
  const subjects = input.subjects ?? []
  const titles = await subjectTitles(tx, subjects)
  for (const [i, s] of subjects.entries()) {
    const key = `${s.kind}:${s.id}`
    if (seen.has(key)) throw new AppError('VALIDATION_FAILED', 'this subject is listed twice', `subjects[${i}]`)
    seen.add(key)
    if (!titles.has(key))
      throw notFound(
        s.kind === 'proposal' ? 'PROPOSAL_NOT_FOUND' : 'CONSULTATION_NOT_FOUND',
        `${s.kind} ${s.id}`,
        `subjects[${i}].id`,
      )
  }
  const created = await tx
    .insertInto('meeting')
    .values({
      area_id: input.areaId,
      council_id: input.councilId ?? null,
      kind: input.kind,
      title: input.title,
      agenda: input.agenda,
      location: input.location,
      starts_at: startsAt,
      ends_at: endsAt,
      capacity: input.capacity ?? null,
      quorum: input.quorum,
      status: 'scheduled',
      minutes: null,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  if (subjects.length)
    await tx
      .insertInto('meeting_subject')
      .values(subjects.map((s) => ({ meeting_id: created.id, subject_kind: s.kind, subject_id: s.id })))
      .execute()
  await recordAudit(tx, ctx, {
    action: 'meeting.create',
    entityType: 'meeting',
    entityId: created.id,
    areaId: input.areaId,
    detail: { kind: input.kind, title: input.title, startsAt: input.startsAt, subjects: subjects.length },
  })
  return meetingDetail(tx, ctx, created.id, now)
}

async function registrantIds(tx: Tx, meetingId: number): Promise<number[]> {
  const rows = await tx
    .selectFrom('meeting_registration')
    .select('user_id')
    .where('meeting_id', '=', meetingId)
    .execute()
  return rows.map((r) => r.user_id)
}

/** Loads the meeting for a staff change: 404 when invisible, 403 unless staff of its area. */
async function staffMeeting(tx: Tx, ctx: RequestContext, meetingId: number) {
  const actor = requireActor(ctx)
  const m = await loadMeeting(tx, meetingId, actor.userId)
  requireParticipationStaff(ctx, m.area_path)
  return m
}

export async function performMeetingAction(
  tx: Tx,
  ctx: RequestContext,
  meetingId: number,
  input: Input<typeof meetingActionBody>,
  now: Date,
): Promise<void> {
  const actor = requireActor(ctx)
  const m = await loadMeeting(tx, meetingId, actor.userId)
  const roles = new Set<'staff'>(isParticipationStaff(actor, m.area_path) ? ['staff'] : [])
  const to = meetingWorkflow.check(m.status as MeetingState, input.action, roles)
  if (input.action === 'hold' && now < m.starts_at)
    throw new AppError(
      'MEETING_ILLEGAL_TRANSITION',
      'the meeting has not started yet: it is held once it has begun',
      'action',
      {},
      { state: m.status, allowedActions: ['cancel'] },
    )
  if (input.action === 'cancel' && input.minutes !== undefined)
    throw new AppError('VALIDATION_FAILED', 'a cancelled meeting has no minutes', 'minutes')
  const updated = await tx
    .updateTable('meeting')
    .set({ status: to, updated_at: now, ...(input.minutes !== undefined ? { minutes: input.minutes } : {}) })
    .where('id', '=', m.id)
    .where('status', '=', m.status)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1)
    throw new AppError('MEETING_ILLEGAL_TRANSITION', 'the meeting changed meanwhile; reload it', 'action')
  await recordAudit(tx, ctx, {
    action: `meeting.${input.action}`,
    entityType: 'meeting',
    entityId: m.id,
    areaId: m.area_id,
    detail: { from: m.status, to, minutes: input.minutes !== undefined },
  })
  await tellParticipants(tx, await registrantIds(tx, m.id), {
    subjectKind: 'meeting',
    subjectId: m.id,
    kind: input.action === 'hold' ? 'held' : 'cancelled',
    params: { title: m.title },
    at: now,
  })
}

export async function saveMinutes(
  tx: Tx,
  ctx: RequestContext,
  meetingId: number,
  minutes: string,
  now: Date,
): Promise<void> {
  const m = await staffMeeting(tx, ctx, meetingId)
  if (m.status !== 'held')
    throw new AppError(
      'MEETING_ILLEGAL_TRANSITION',
      `minutes are written for a held meeting; this one is ${m.status}`,
      'minutes',
      {},
      {
        state: m.status,
        allowedActions: meetingWorkflow.allowed(m.status as MeetingState, new Set(['staff'] as const)),
      },
    )
  await tx.updateTable('meeting').set({ minutes, updated_at: now }).where('id', '=', m.id).execute()
  await recordAudit(tx, ctx, {
    action: 'meeting.minutes',
    entityType: 'meeting',
    entityId: m.id,
    areaId: m.area_id,
    detail: { length: minutes.length, first: m.minutes === null },
  })
  if (m.minutes === null)
    await tellParticipants(tx, await registrantIds(tx, m.id), {
      subjectKind: 'meeting',
      subjectId: m.id,
      kind: 'minutes',
      params: { title: m.title },
      at: now,
    })
}

/** Marks registered people as present (or not); someone who did not register is named and refused. */
export async function markAttendance(
  tx: Tx,
  ctx: RequestContext,
  meetingId: number,
  input: Input<typeof attendanceBody>,
  now: Date,
): Promise<void> {
  const m = await staffMeeting(tx, ctx, meetingId)
  if (m.status === 'cancelled')
    throw new AppError(
      'MEETING_ILLEGAL_TRANSITION',
      'the meeting was cancelled',
      'attended',
      {},
      {
        state: m.status,
        allowedActions: [],
      },
    )
  const registered = new Set(
    (
      await tx
        .selectFrom('meeting_registration')
        .select('user_id')
        .where('meeting_id', '=', m.id)
        .where('user_id', 'in', input.userIds)
        .execute()
    ).map((r) => r.user_id),
  )
  const missing = input.userIds.findIndex((u) => !registered.has(u))
  if (missing >= 0)
    throw new AppError(
      'VALIDATION_FAILED',
      `user ${input.userIds[missing]} did not register for this meeting`,
      `userIds[${missing}]`,
    )
  await tx
    .updateTable('meeting_registration')
    .set({ attended: input.attended })
    .where('meeting_id', '=', m.id)
    .where('user_id', 'in', input.userIds)
    .execute()
  await tx.updateTable('meeting').set({ updated_at: now }).where('id', '=', m.id).execute()
  await recordAudit(tx, ctx, {
    action: 'meeting.attendance',
    entityType: 'meeting',
    entityId: m.id,
    areaId: m.area_id,
    detail: { userIds: input.userIds, attended: input.attended },
  })
}

export async function addDecision(
  tx: Tx,
  ctx: RequestContext,
  meetingId: number,
  input: Input<typeof newDecisionBody>,
  now: Date,
): Promise<number> {
  const m = await staffMeeting(tx, ctx, meetingId)
  if (m.status === 'cancelled')
    throw new AppError(
      'MEETING_ILLEGAL_TRANSITION',
      'the meeting was cancelled',
      'action',
      {},
      {
        state: m.status,
        allowedActions: [],
      },
    )
  const opens = new Date(input.votingOpensAt)
  const closes = new Date(input.votingClosesAt)
  if (!(closes > opens)) throw new AppError('VALIDATION_FAILED', 'voting must close after it opens', 'votingClosesAt')
  const d = await tx
    .insertInto('meeting_decision')
    .values({
      meeting_id: m.id,
      title: input.title,
      text: input.text,
      majority: input.majority,
      voting_opens_at: opens,
      voting_closes_at: closes,
      result: null,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await tx.updateTable('meeting').set({ updated_at: now }).where('id', '=', m.id).execute()
  await recordAudit(tx, ctx, {
    action: 'meeting.decision',
    entityType: 'meeting',
    entityId: m.id,
    areaId: m.area_id,
    detail: { decisionId: d.id, majority: input.majority, votingClosesAt: input.votingClosesAt },
  })
  const voters = await tx
    .selectFrom('meeting_registration')
    .select('user_id')
    .where('meeting_id', '=', m.id)
    .where('attended', '=', true)
    .execute()
  const members =
    m.council_id === null
      ? []
      : await tx
          .selectFrom('council_member')
          .select('user_id')
          .where('council_id', '=', m.council_id)
          .where('user_id', 'is not', null)
          .where('term_start', '<=', dayOf(now))
          .where('term_end', '>=', dayOf(now))
          .execute()
  await tellParticipants(
    tx,
    [...voters.map((v) => v.user_id), ...members.flatMap((x) => (x.user_id === null ? [] : [x.user_id]))],
    {
      subjectKind: 'meeting',
      subjectId: m.id,
      kind: 'vote_open',
      params: { title: m.title, decision: input.title, votingClosesAt: input.votingClosesAt },
      at: now,
    },
  )
  return d.id
}

// ── Residents: register, withdraw, vote ─────────────────────────────────────────────────────────

/**
 * Registers the caller. Registrations of one meeting are taken one at a time under a lock on the
 * meeting (a transaction-scoped advisory lock keyed by its id: residents may not lock the row
 * itself, which only its staff may update), so the capacity count cannot be raced; the primary
 * key makes a second registration a no-op.
 */
export async function register(tx: Tx, ctx: RequestContext, meetingId: number, now: Date): Promise<void> {
  const actor = requireActor(ctx)
  const m = await loadMeeting(tx, meetingId, actor.userId)
  if (m.status !== 'scheduled' || now >= m.starts_at)
    throw new AppError(
      'MEETING_ILLEGAL_TRANSITION',
      m.status === 'scheduled' ? 'registration has closed: the meeting has begun' : `the meeting is ${m.status}`,
      null,
      {},
      { state: m.status, allowedActions: [] },
    )
  await sql`select pg_advisory_xact_lock(46, ${m.id}::int)`.execute(tx)
  const existing = await tx
    .selectFrom('meeting_registration')
    .select('user_id')
    .where('meeting_id', '=', m.id)
    .where('user_id', '=', actor.userId)
    .executeTakeFirst()
  if (existing) return
  if (m.capacity !== null) {
    const { n } = await tx
      .selectFrom('meeting_registration')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('meeting_id', '=', m.id)
      .executeTakeFirstOrThrow()
    if (n >= m.capacity)
      throw new AppError('MEETING_FULL', `all ${m.capacity} places are taken`, null, {}, { capacity: m.capacity })
  }
  await tx
    .insertInto('meeting_registration')
    .values({ meeting_id: m.id, user_id: actor.userId, registered_at: now, attended: false })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

/** Withdraws the caller's registration before the meeting begins (nothing to withdraw is no error). */
export async function unregister(tx: Tx, ctx: RequestContext, meetingId: number, now: Date): Promise<void> {
  const actor = requireActor(ctx)
  const m = await loadMeeting(tx, meetingId, actor.userId)
  if (now >= m.starts_at)
    throw new AppError(
      'MEETING_ILLEGAL_TRANSITION',
      'the meeting has begun: a registration is withdrawn before it starts',
      null,
      {},
      { state: m.status, allowedActions: [] },
    )
  const mine = await tx
    .selectFrom('meeting_registration')
    .select('attended')
    .where('meeting_id', '=', m.id)
    .where('user_id', '=', actor.userId)
    .executeTakeFirst()
  if (mine?.attended)
    throw new AppError(
      'MEETING_ILLEGAL_TRANSITION',
      'you are marked present: the registration is the record that you came',
      null,
      {},
      { state: m.status, allowedActions: [] },
    )
  await tx
    .deleteFrom('meeting_registration')
    .where('meeting_id', '=', m.id)
    .where('user_id', '=', actor.userId)
    .execute()
}

/**
 * Records the caller's vote. Inside the window only (VOTING_CLOSED naming `choice`); only people
 * who attended or sitting members of the meeting's council (VOTE_NOT_ALLOWED); once per person by
 * the primary key: a second vote, concurrent or not, is a 409 CONFLICT and changes nothing.
 */
export async function castVote(
  tx: Tx,
  ctx: RequestContext,
  meetingId: number,
  decisionId: number,
  choice: (typeof voteChoices)[number],
  now: Date,
): Promise<void> {
  const actor = requireActor(ctx)
  const m = await loadMeeting(tx, meetingId, actor.userId)
  const d = await tx
    .selectFrom('meeting_decision')
    .select(['id', 'voting_opens_at', 'voting_closes_at', 'result'])
    .where('id', '=', decisionId)
    .where('meeting_id', '=', m.id)
    .executeTakeFirst()
  if (!d) throw notFound('DECISION_NOT_FOUND', `decision ${decisionId} of meeting ${meetingId}`)
  if (m.status === 'cancelled') throw new AppError('VOTING_CLOSED', 'the meeting was cancelled', 'choice')
  if (now < d.voting_opens_at)
    throw new AppError(
      'VOTING_CLOSED',
      `voting opens at ${d.voting_opens_at.toISOString()}`,
      'choice',
      {},
      {
        votingOpensAt: d.voting_opens_at.toISOString(),
      },
    )
  if (now >= d.voting_closes_at || d.result !== null)
    throw new AppError(
      'VOTING_CLOSED',
      `voting closed at ${d.voting_closes_at.toISOString()}`,
      'choice',
      {},
      {
        votingClosesAt: d.voting_closes_at.toISOString(),
      },
    )
  const mine = await tx
    .selectFrom('meeting_registration')
    .select('attended')
    .where('meeting_id', '=', m.id)
    .where('user_id', '=', actor.userId)
    .executeTakeFirst()
  if (!(await votesHere(tx, m, actor.userId, !!mine?.attended, now)))
    throw new AppError(
      'VOTE_NOT_ALLOWED',
      'only people marked as present at the meeting, and sitting members of its council, vote',
      'choice',
    )
  const cast = await tx
    .insertInto('meeting_vote')
    .values({ decision_id: d.id, user_id: actor.userId, choice, at: now })
    .onConflict((oc) => oc.doNothing())
    .returning('decision_id')
    .executeTakeFirst()
  if (!cast) throw new AppError('CONFLICT', 'you have already voted on this decision; a vote is final', 'choice')
  const counter = {
    for: { votes_for: sql<number>`votes_for + 1` },
    against: { votes_against: sql<number>`votes_against + 1` },
    abstain: { votes_abstain: sql<number>`votes_abstain + 1` },
  }[choice]
  const counted = await tx
    .updateTable('meeting_decision')
    .set(counter)
    .where('id', '=', d.id)
    .where('result', 'is', null)
    .executeTakeFirst()
  if (Number(counted.numUpdatedRows) !== 1)
    throw new AppError('VOTING_CLOSED', 'voting has closed and the result is counted', 'choice')
  await recordAudit(tx, ctx, {
    action: 'meeting.vote',
    entityType: 'meeting',
    entityId: m.id,
    areaId: m.area_id,
    detail: { decisionId: d.id },
  })
}
