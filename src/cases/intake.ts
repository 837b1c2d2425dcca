import { randomBytes } from 'node:crypto'
import { sql, type Expression } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { AppError, notFound } from '../core/errors.js'
import { sha256Hex } from '../core/privacy.js'
import type { Tx } from '../core/db.js'
import { holds, type RequestContext } from '../core/scope.js'
import { gridAt } from '../jurisdiction/geometry.js'
import { sealPhone, type FieldCipher } from '../core/crypto.js'
import { checkAttributes, leafCategory } from './catalogue.js'
import { scheduleStageTimers, stageClock, stageTimers, workdaysFrom } from './deadlines.js'
import { notifyRoleOver } from './notify.js'
import { queueSms } from '../notifications/messages.js'
import type { Input, Output } from '../core/http.js'
import { nullable, point, shape, text } from '../core/schemas.js'
import { attachPhotos, photoTokens } from './photos.js'
import { caseDetail, caseDetailSchema, duplicateSchema, possibleDuplicates } from './queries.js'
import { channels, publicChannels, staffChannels, type Channel } from './workflow.js'
import { caseRulesFor, urgencies } from './rules.js'
import { componentForCase } from './components.js'

// Open311 files cases through createCase with its own channel.
export type { Channel }

export const newCaseBody = {
  type: 'object',
  required: ['description'],
  additionalProperties: false,
  properties: {
    categoryCode: { type: 'string', maxLength: 20 },
    categoryId: { type: 'integer', minimum: 1 },
    location: point,
    areaId: { type: 'integer', minimum: 1, description: 'A grid, when the report has an address but no location' },
    address: text(300),
    description: text(4000),
    attributes: {
      type: 'object',
      maxProperties: 50,
      additionalProperties: true,
      description: 'Values of the category’s extra attributes, by attribute code',
    },
    photos: photoTokens,
    channel: { type: 'string', enum: channels },
    urgency: {
      type: 'string',
      enum: urgencies,
      description: 'Staff set it at intake; otherwise the category’s default (triage may change it later)',
    },
    componentId: {
      type: 'integer',
      minimum: 1,
      maximum: 2147483647,
      description:
        'The component (部件) the report is about: the case links to it, takes its location when none is given, and goes to its owner',
    },
    reporterName: text(100),
    reporterPhone: { type: 'string', pattern: '^\\+?[0-9 -]{5,20}$' },
  },
  oneOf: [{ required: ['categoryCode'] }, { required: ['categoryId'] }],
} as const

export type NewCase = Input<typeof newCaseBody>

export const newCaseResultSchema = shape({
  case: {
    ...caseDetailSchema,
    type: ['object', 'null'],
    description: 'Null for an anonymous reporter, who cannot read the case back',
  },
  id: { type: 'integer' },
  trackingCode: { type: 'string' },
  reporterToken: {
    ...nullable('string'),
    description: 'For an anonymous reporter: the proof to rate the result with, shown only this once',
  },
  possibleDuplicates: {
    type: 'array',
    items: duplicateSchema,
    description: 'Open cases nearby of the same category, for staff and grid workers of the area',
  },
})

// Crockford's base32 without look-alikes: codes are read out over the phone.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
function trackingCode(now: Date): string {
  const bytes = randomBytes(6)
  const tail = Array.from(bytes, (b) => ALPHABET[b % 32]).join('')
  const ymd = now.toISOString().slice(2, 10).replace(/-/g, '')
  return `${ymd}-${tail}`
}

/** Which intake channel a caller may use; staff enter hotline calls, grid workers patrol reports. */
function channelFor(ctx: RequestContext, requested: Channel | undefined, areaPath: string): Channel {
  const staff = holds(ctx.actor, ['staff', 'admin', 'leader'], areaPath)
  const gridWorker = holds(ctx.actor, ['grid_worker'], areaPath)
  const fallback: Channel = gridWorker ? 'patrol' : staff ? 'hotline' : 'portal'
  const channel = requested ?? fallback
  const allowed: Record<Channel, boolean> = {
    portal: true,
    patrol: gridWorker,
    hotline: staff,
    api: staff,
    open311: false,
    device: false,
    proactive: staff || gridWorker,
  }
  if (!allowed[channel])
    throw new AppError('FORBIDDEN', `you cannot report through the ${channel} channel here`, 'channel')
  return channel
}

/** When the grid worker must have verified a report on site: working days in the grid's time zone. */
async function checkDue(tx: Tx, grid: { id: number; path: string }, now: Date): Promise<Date> {
  const { timezone } = await tx
    .selectFrom('area')
    .select('timezone')
    .where('id', '=', grid.id)
    .executeTakeFirstOrThrow()
  return workdaysFrom(tx, now, (await caseRulesFor(tx, grid.path)).checkWorkdays, timezone)
}

/**
 * Files a case: locates it into its grid, checks category, attributes and photos, starts the
 * response clock, tells the triage staff, and suggests possible duplicates.
 */
export async function createCase(
  tx: Tx,
  ctx: RequestContext,
  input: NewCase,
  now: Date,
  internal: { cipher: FieldCipher; channel?: Channel; mediaUrl?: string },
): Promise<Output<typeof newCaseResultSchema>> {
  const category = await leafCategory(
    tx,
    { code: input.categoryCode, id: input.categoryId },
    input.categoryCode !== undefined ? 'categoryCode' : 'categoryId',
  )
  // A report about a component is located where the component stands, unless it says otherwise.
  const component = input.componentId !== undefined ? await componentForCase(tx, input.componentId) : null
  if (component && !input.location && input.areaId === undefined) input = { ...input, location: component.location }
  let grid: { id: number; path: string } | null = null
  if (input.location) {
    grid = await gridAt(tx, input.location.lng, input.location.lat)
    if (!grid) throw new AppError('AREA_OUTSIDE_ALL_GRIDS', 'the location lies outside every grid', 'location')
  } else if (input.areaId !== undefined) {
    const a = await tx
      .selectFrom('area')
      .select(['id', 'path', 'level'])
      .where('id', '=', input.areaId)
      .where('retired_at', 'is', null)
      .executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
    if (a.level !== 'grid') throw new AppError('VALIDATION_FAILED', 'areaId must be a grid', 'areaId')
    if (!input.address)
      throw new AppError('VALIDATION_FAILED', 'an address is needed when no location is given', 'address')
    grid = a
  } else {
    throw new AppError('VALIDATION_FAILED', 'give a location, or a grid and an address', 'location')
  }
  const attributes = checkAttributes(category, input.attributes)
  const channel = internal.channel ?? channelFor(ctx, input.channel, grid.path)
  // Open311 clients send a photo as media_url, which stands in for an uploaded one. A generic Open311
  // client cannot know that a category wants a photo (services.json has no field for it), so its
  // report without one is accepted and verified on site first, where the grid worker takes the photo.
  const photoMissing = category.photoRequired && !input.photos?.length && !internal.mediaUrl
  if (photoMissing && channel !== 'open311')
    throw new AppError('CASE_PHOTO_REQUIRED', `category ${category.code} needs at least one photo`, 'photos')
  const districtId = Number(grid.path.split('/').filter(Boolean)[1] ?? grid.id)
  // Stored only encrypted; text messages are queued with the ciphertext and opened by the sender.
  const phone = sealPhone(internal.cipher, input.reporterPhone ? input.reporterPhone.replace(/[\s-]/g, '') : null)

  const code = trackingCode(now)
  const reporterToken = ctx.actor ? null : randomBytes(18).toString('base64url')
  const reporterIsCaller = ctx.actor !== null && channel !== 'hotline'
  const staffOwn = staffChannels.has(channel)
  if (input.urgency !== undefined && !holds(ctx.actor, ['staff', 'admin', 'leader'], grid.path))
    throw new AppError('FORBIDDEN', 'the urgency is set by staff at intake or by triage', 'urgency')
  const urgency = input.urgency ?? category.defaultUrgency
  // Reports from the public in some categories are checked on site before they are filed (核实).
  const verifying = (category.verifyBeforeFiling && publicChannels.has(channel)) || photoMissing
  const responseDue = new Date(now.getTime() + category.respondHours! * 3600_000)
  // A new case has no timers to cancel: its clock is computed here and its timers follow the row.
  const clock = verifying
    ? stageClock(0, 'check', now, await checkDue(tx, grid, now))
    : stageClock(0, 'respond', now, responseDue)
  const state = verifying ? 'verifying' : 'submitted'
  const actorName = ctx.actor?.displayName ?? input.reporterName ?? null
  const actorRole = channel === 'patrol' ? 'grid_worker' : channel === 'hotline' ? 'hotline' : 'reporter'
  const row = (caseId: Expression<number> | number) => ({
    id: caseId,
    tracking_code: code,
    category_id: category.id,
    area_id: grid.id,
    district_id: districtId,
    channel,
    state,
    urgency,
    component_id: component?.id ?? null,
    // Someone to call back: a signed-in resident, or a phone left with the report; never staff's own report.
    contact_required: !staffOwn && (reporterIsCaller || !!phone.enc),
    rateable: !staffOwn,
    location: input.location
      ? sql<string>`ST_SetSRID(ST_MakePoint(${input.location.lng}, ${input.location.lat}), 4326)`
      : null,
    address: input.address ?? null,
    description: input.description,
    attributes: JSON.stringify(attributes),
    reporter_id: reporterIsCaller ? ctx.actor!.userId : null,
    reporter_name: input.reporterName ?? (reporterIsCaller ? ctx.actor!.displayName : null),
    reporter_phone_enc: phone.enc,
    reporter_phone_masked: phone.masked,
    // The blind index lets the early warning find repeated complaints by one caller without decrypting.
    reporter_phone_bidx: phone.bidx,
    reporter_token_hash: reporterToken ? sha256Hex(reporterToken) : null,
    submitted_at: now,
    response_due_at: responseDue,
    updated_at: now,
    ...clock,
  })
  const submitEvent = (caseId: Expression<number> | number, photoIds: number[]) => ({
    case_id: caseId,
    at: now,
    action: 'submit',
    from_state: null,
    to_state: state,
    actor_id: ctx.actor?.userId ?? null,
    actor_name: actorName,
    actor_role: actorRole,
    department_id: null,
    comment: null,
    photo_ids: photoIds,
    detail: JSON.stringify({ channel }),
  })
  // A report to verify goes to the grid's workers first; triage hears of it once it is confirmed.
  const staffNotice = {
    kind: verifying ? ('case_verification' as const) : ('case_new' as const),
    params: { trackingCode: code, categoryCode: category.code },
    at: now,
  }
  const noticeRole = verifying ? 'grid_worker' : 'staff'
  let id: number
  let photoIds: number[] = []
  let eventId: number | null = null
  if (!input.photos?.length) {
    // One statement files the case with its timers, its first event and the staff's notices: each
    // round trip to the database costs more than the SQL here. The id is drawn in the statement,
    // (with the event's), since INSERT … RETURNING would need the caller to see rows the same
    // statement inserts, which row-level security does not show it.
    const newId = sql<number>`(select id from i)`
    const filed = await tx
      .with('i', (db) =>
        db.selectNoFrom([
          sql<number>`nextval('cases_id_seq')::int`.as('id'),
          sql<number>`nextval('case_event_id_seq')::int`.as('event_id'),
        ]),
      )
      .with('c', (db) => db.insertInto('cases').values(row(newId)))
      .with('t', (db) =>
        db
          .insertInto('workflow_timer')
          .values(stageTimers(newId, clock))
          .onConflict((oc) => oc.doNothing()),
      )
      .with('e', (db) =>
        db.insertInto('case_event').values({ id: sql<number>`(select event_id from i)`, ...submitEvent(newId, []) }),
      )
      .with('n', (db) =>
        db
          .insertInto('notification')
          .columns(['user_id', 'case_id', 'kind', 'params', 'created_at'])
          .expression(
            sql`select distinct u, (select id from i), ${staffNotice.kind}, ${JSON.stringify(staffNotice.params)}::jsonb, ${now}::timestamptz from app_users_with_role_over(${[noticeRole]}::text[], ${grid.path}) as u`,
          ),
      )
      .selectFrom('i')
      .select(['i.id', 'i.event_id'])
      .executeTakeFirstOrThrow()
    id = filed.id
    eventId = filed.event_id
  } else {
    // With photos: the case must exist before its photos are attached, and the event lists them.
    id = (await sql<{ id: number }>`select nextval('cases_id_seq')::int as id`.execute(tx)).rows[0]!.id
    await tx.insertInto('cases').values(row(id)).execute()
    await scheduleStageTimers(tx, id, clock)
    photoIds = await attachPhotos(tx, id, input.photos, 'photos')
    const insert = tx.insertInto('case_event').values(submitEvent(id, photoIds))
    // An anonymous reporter may not read the event back (row-level security), so it is not returned.
    if (ctx.actor) eventId = (await insert.returning('id').executeTakeFirstOrThrow()).id
    else await insert.execute()
    await notifyRoleOver(tx, [noticeRole], grid.path, { ...staffNotice, caseId: id })
  }
  if (input.reporterPhone && !reporterIsCaller) {
    await queueSms(tx, {
      caseId: id,
      to: phone.enc!,
      templateKey: 'case.received',
      params: { trackingCode: code },
      at: now,
    })
  }
  await recordAudit(tx, ctx, {
    action: 'case.create',
    entityType: 'case',
    entityId: id,
    areaId: grid.id,
    detail: { channel, category: category.code },
  })
  // Under row-level security an anonymous reporter cannot read the case back: answer from what we know.
  if (!ctx.actor) return { case: null, id, trackingCode: code, reporterToken, possibleDuplicates: [] }
  const duplicates = await possibleDuplicates(tx, id, now)
  // The answer is read back in one query; its one event and photos are known already.
  const submitted = {
    id: eventId!,
    at: now.toISOString(),
    action: 'submit',
    fromState: null,
    toState: state,
    actorName,
    actorRole,
    department: null,
    comment: null,
    photoIds,
    detail: { channel },
    isPublic: true,
  }
  const detail = await caseDetail(tx, ctx, id, now, photoIds.length ? undefined : { timeline: [submitted] })
  return {
    case: detail,
    id,
    trackingCode: detail.trackingCode,
    reporterToken,
    possibleDuplicates: holds(ctx.actor, ['staff', 'admin', 'grid_worker', 'leader'], grid.path) ? duplicates : [],
  }
}
