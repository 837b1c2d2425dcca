import { sql } from 'kysely'
import { DateTime } from 'luxon'
import { notifyRoleOver } from '../cases/notify.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, pageSchema, paginate } from '../core/paging.js'
import { startPeriodic } from '../core/scheduler.js'
import { body, id, shape, timestamp } from '../core/schemas.js'
import { holds, inScope, type RequestContext, type Role } from '../core/scope.js'
import { dataVersion, gatherFacts, loadArea, monthBounds, type AreaInfo, type ReportFacts } from './report-facts.js'
import { type ReportLocale, reportLocales } from './report-labels.js'
import { reportPdf } from './report-pdf.js'
import { reportSections } from './report-sections.js'
import { reportXlsx } from './report-xlsx.js'

/*
 * Monthly reports (月度报告): a job per area, month, locale and data version, rendered in the
 * background into a PDF and an XLSX (report-pdf.ts, report-xlsx.ts) from facts gathered by
 * report-facts.ts.
 *
 * Request. POST /api/v1/reports/monthly by an admin, leader or staff over the area. The month must
 * have begun in the area's time zone; one not yet ended is allowed and the report is marked
 * provisional. The data version is a digest of the month's headline figures now; a job for the
 * same area, month, locale and version that has not failed is returned instead of a new one (and
 * an Idempotency-Key replays the first answer).
 *
 * Rendering. The worker claims a job (FOR UPDATE SKIP LOCKED, a lease of LEASE_MS), gathers the
 * facts part by part as a leader of the area would see them (row-level security with a leader's
 * grant on the area), storing progress after each part (0–80), draws the PDF (90) and the XLSX
 * (95) and stores both with progress 100 in one statement. A job whose lease ran out (its process
 * died) is claimed again; a failure is retried up to MAX_ATTEMPTS times, then the job is failed
 * with its error. The route that creates a job starts the worker at once; every process also runs
 * it periodically.
 *
 * Schedule. On the 1st of each month (the area's time zone), or at the first run after it, every
 * street and district gets last month's report (zh-CN), once: the job is unique per area and month
 * among scheduled jobs, so several processes running the sweep make one. When it is done its
 * leaders (role leader over the area) get a 'monthly_report' notice, in the transaction that
 * stores the files, so exactly once.
 */

export const reportRoles: readonly Role[] = ['admin', 'leader', 'staff']
const LEASE_MS = 10 * 60_000
const MAX_ATTEMPTS = 3

export const monthPattern = '^20[0-9]{2}-(0[1-9]|1[0-2])$'

export const newReportBody = body(['areaId', 'month'], {
  areaId: id,
  month: { type: 'string', pattern: monthPattern, description: 'YYYY-MM, in the area’s time zone' },
  locale: { type: 'string', enum: reportLocales, default: 'zh-CN' },
})
export type NewReport = Input<typeof newReportBody>

export const reportListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: id,
    month: { type: 'string', pattern: monthPattern },
  },
} as const

export const reportSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  areaCode: { type: 'string' },
  areaNameZh: { type: 'string' },
  areaNameEn: { type: 'string' },
  month: { type: 'string' },
  locale: { type: 'string', enum: reportLocales },
  dataVersion: { type: 'string' },
  provisional: { type: 'boolean', description: 'the month had not ended when the figures were taken' },
  scheduled: { type: 'boolean', description: 'made by the monthly schedule (else requested)' },
  state: { type: 'string', enum: ['queued', 'rendering', 'done', 'failed'] },
  progress: { type: 'integer', minimum: 0, maximum: 100 },
  asOf: timestamp,
  createdAt: timestamp,
  startedAt: { type: ['string', 'null'], format: 'date-time' },
  finishedAt: { type: ['string', 'null'], format: 'date-time' },
  error: { type: ['string', 'null'] },
  pdfBytes: { type: ['integer', 'null'] },
  xlsxBytes: { type: ['integer', 'null'] },
})
export const reportPageSchema = pageSchema(reportSchema)
type ReportView = Output<typeof reportSchema>

const viewColumns = sql`r.id, r.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
  r.month, r.locale, r.data_version, r.provisional, r.scheduled, r.state, r.progress, r.as_of, r.created_at,
  r.started_at, r.finished_at, r.error, r.pdf_bytes, r.xlsx_bytes`

interface ViewRow {
  id: number
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  month: string
  locale: string
  data_version: string
  provisional: boolean
  scheduled: boolean
  state: string
  progress: number
  as_of: Date
  created_at: Date
  started_at: Date | null
  finished_at: Date | null
  error: string | null
  pdf_bytes: number | null
  xlsx_bytes: number | null
}

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString())

function present(r: ViewRow): ReportView {
  return {
    id: Number(r.id),
    areaId: r.area_id,
    areaCode: r.area_code,
    areaNameZh: r.area_name_zh,
    areaNameEn: r.area_name_en,
    month: r.month,
    locale: r.locale as ReportLocale,
    dataVersion: r.data_version,
    provisional: r.provisional,
    scheduled: r.scheduled,
    state: r.state as ReportView['state'],
    progress: r.progress,
    asOf: new Date(r.as_of).toISOString(),
    createdAt: new Date(r.created_at).toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    error: r.error,
    pdfBytes: r.pdf_bytes,
    xlsxBytes: r.xlsx_bytes,
  }
}

async function viewOf(tx: Tx | Db, reportId: number): Promise<ReportView | null> {
  const { rows } = await sql<ViewRow>`select ${viewColumns} from monthly_report r join area a on a.id = r.area_id
    where r.id = ${reportId}`.execute(tx)
  return rows[0] ? present(rows[0]) : null
}

/** The scope the report is drawn in: a leader over the area (row-level security as for the area's leaders). */
export function reportContext(area: Pick<AreaInfo, 'id' | 'path'>): RequestContext {
  return {
    actor: {
      userId: 0,
      username: 'monthly-report',
      displayName: 'monthly report',
      grants: [{ role: 'leader', areaId: area.id, path: area.path }],
    },
    ip: 'report',
  }
}

/** Creates (or finds) the job of an area, month, locale and data version. */
export async function requestReport(tx: Tx, ctx: RequestContext, input: NewReport, now: Date): Promise<ReportView> {
  const area = await loadArea(tx, input.areaId)
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
  if (!holds(ctx.actor, reportRoles, area.path))
    throw new AppError('FORBIDDEN', 'requires the admin, leader or staff role over this area', 'areaId')
  const b = monthBounds(input.month, area.timezone)
  if (b.start.toMillis() > now.getTime())
    throw new AppError('REPORT_MONTH_NOT_BEGUN', `${input.month} has not begun in ${area.timezone}`, 'month')
  const locale = (input.locale ?? 'zh-CN') as ReportLocale
  const version = await dataVersion(tx, ctx, area, input.month, now)
  const existing = await tx
    .selectFrom('monthly_report')
    .select('id')
    .where('area_id', '=', area.id)
    .where('month', '=', input.month)
    .where('locale', '=', locale)
    .where('data_version', '=', version)
    .where('state', '<>', 'failed')
    .orderBy('id')
    .executeTakeFirst()
  if (existing) return (await viewOf(tx, existing.id))!
  const inserted = await tx
    .insertInto('monthly_report')
    .values({
      area_id: area.id,
      month: input.month,
      locale,
      data_version: version,
      provisional: now.getTime() < b.end.toMillis(),
      scheduled: false,
      as_of: now,
      requested_by: ctx.actor?.userId ?? null,
      created_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(['area_id', 'month', 'locale', 'data_version'])
        .where(sql<boolean>`not scheduled and state <> 'failed'`)
        .doNothing(),
    )
    .returning('id')
    .executeTakeFirst()
  if (inserted) return (await viewOf(tx, inserted.id))!
  // A concurrent request made it first.
  const other = await tx
    .selectFrom('monthly_report')
    .select('id')
    .where('area_id', '=', area.id)
    .where('month', '=', input.month)
    .where('locale', '=', locale)
    .where('data_version', '=', version)
    .where('state', '<>', 'failed')
    .executeTakeFirstOrThrow()
  return (await viewOf(tx, other.id))!
}

export async function getReport(tx: Tx, reportId: number): Promise<ReportView> {
  const v = await viewOf(tx, reportId)
  if (!v) throw notFound('REPORT_NOT_FOUND', `report ${reportId}`, 'id')
  return v
}

export async function listReports(tx: Tx, q: Input<typeof reportListQuery>) {
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  const where = sql`true ${q.areaId !== undefined ? sql`and r.area_id = ${q.areaId}` : sql``}
    ${q.month !== undefined ? sql`and r.month = ${q.month}` : sql``}`
  const { rows } = await sql<ViewRow>`select ${viewColumns} from monthly_report r join area a on a.id = r.area_id
    where ${where} order by r.month desc, r.id desc limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  const { rows: n } = await sql<{ n: number }>`select count(*)::int as n from monthly_report r where ${where}`.execute(
    tx,
  )
  return paginate(page, rows.map(present), n[0]?.n ?? 0)
}

/** The file of a finished report, with its name; 409 while it is still being drawn. */
export async function reportFile(tx: Tx, reportId: number, kind: 'pdf' | 'xlsx') {
  const r = await tx
    .selectFrom('monthly_report as r')
    .innerJoin('area as a', 'a.id', 'r.area_id')
    .select(['r.id', 'r.state', 'r.month', 'r.locale', 'a.code', kind === 'pdf' ? 'r.pdf as file' : 'r.xlsx as file'])
    .where('r.id', '=', reportId)
    .executeTakeFirst()
  if (!r) throw notFound('REPORT_NOT_FOUND', `report ${reportId}`, 'id')
  if (r.state !== 'done' || !r.file)
    throw new AppError('REPORT_NOT_READY', `report ${reportId} is ${r.state}`, 'id', {}, { state: r.state })
  return { bytes: Buffer.from(r.file), name: `report-${r.code}-${r.month}-${r.locale}.${kind}` }
}

// ── The worker ─────────────────────────────────────────────────────────────────────────────────

interface Claimed {
  id: number
  area_id: number
  month: string
  locale: string
  as_of: Date
  scheduled: boolean
}

async function claim(db: Db, now: Date): Promise<Claimed | null> {
  const { rows } = await sql<Claimed>`
    update monthly_report set state = 'rendering', progress = 0, started_at = ${now},
           lease_until = ${new Date(now.getTime() + LEASE_MS)}, attempts = attempts + 1
    where id = (select id from monthly_report
                where state = 'queued' or (state = 'rendering' and lease_until < ${now})
                order by id limit 1 for update skip locked)
    returning id, area_id, month, locale, as_of, scheduled`.execute(db)
  return rows[0] ?? null
}

async function setProgress(db: Db, reportId: number, progress: number): Promise<void> {
  await db
    .updateTable('monthly_report')
    .set({ progress })
    .where('id', '=', reportId)
    .where('state', '=', 'rendering')
    .execute()
}

/** Draws one claimed job; returns its facts (the tests compare them with the files). */
export async function renderJob(db: Db, job: Claimed, now: () => Date): Promise<ReportFacts> {
  const area = await loadArea(db, job.area_id)
  if (!area) throw new Error(`area ${job.area_id} is gone`)
  const ctx = reportContext(area)
  const locale = job.locale as ReportLocale
  const facts = await gatherFacts(
    (fn) => inScope(db, ctx, fn),
    ctx,
    area,
    job.month,
    new Date(job.as_of),
    (part, of) => setProgress(db, job.id, Math.floor((80 * part) / of)),
    reportSections,
  )
  const pdf = await reportPdf(facts, locale)
  await setProgress(db, job.id, 90)
  const xlsx = await reportXlsx(facts, locale)
  await setProgress(db, job.id, 95)
  await db.transaction().execute(async (tx) => {
    const done = await tx
      .updateTable('monthly_report')
      .set({
        state: 'done',
        progress: 100,
        pdf,
        xlsx,
        pdf_bytes: pdf.length,
        xlsx_bytes: xlsx.length,
        finished_at: now(),
        lease_until: null,
        error: null,
      })
      .where('id', '=', job.id)
      .where('state', '=', 'rendering')
      .returning('id')
      .executeTakeFirst()
    // Only the renderer that stored the files tells the leaders (a job taken over after a lapsed
    // lease may finish twice; the second finds it done).
    if (done && job.scheduled)
      await notifyRoleOver(tx, ['leader'], area.path, {
        kind: 'monthly_report',
        caseId: null,
        params: {
          reportId: job.id,
          areaId: area.id,
          areaName: area.nameZh,
          areaNameEn: area.nameEn,
          month: job.month,
        },
        at: now(),
      })
  })
  return facts
}

/** Renders every queued job (and any whose renderer died), one after another. */
export async function renderQueuedReports(db: Db, now: () => Date, onError: (err: unknown, id: number) => void) {
  let rendered = 0
  for (;;) {
    const job = await claim(db, now())
    if (!job) return rendered
    try {
      await renderJob(db, job, now)
      rendered++
    } catch (err) {
      onError(err, job.id)
      const { rows } = await sql<{
        attempts: number
      }>`select attempts from monthly_report where id = ${job.id}`.execute(db)
      const last = (rows[0]?.attempts ?? MAX_ATTEMPTS) >= MAX_ATTEMPTS
      await db
        .updateTable('monthly_report')
        .set({
          state: last ? 'failed' : 'queued',
          lease_until: null,
          error: String(err instanceof Error ? err.message : err).slice(0, 2000),
        })
        .where('id', '=', job.id)
        .where('state', '=', 'rendering')
        .execute()
      // Claimed again at once while attempts remain (a passing failure); then failed for good.
    }
  }
}

/**
 * The schedule: last month's report for every street and district that has none yet (last month
 * in the area's own time zone). Returns the jobs it queued.
 */
export async function scheduleMonthlyReports(db: Db, now: Date): Promise<number> {
  const areas = await db
    .selectFrom('area')
    .select(['id', 'path', 'code', 'name_zh', 'name_en', 'level', 'timezone'])
    .where('level', 'in', ['street', 'district'])
    .where('retired_at', 'is', null)
    .orderBy('path')
    .execute()
  let queued = 0
  for (const a of areas) {
    const month = DateTime.fromJSDate(now).setZone(a.timezone).minus({ months: 1 }).toFormat('yyyy-MM')
    const has = await db
      .selectFrom('monthly_report')
      .select('id')
      .where('area_id', '=', a.id)
      .where('month', '=', month)
      .where('scheduled', '=', true)
      .executeTakeFirst()
    if (has) continue
    const area: AreaInfo = {
      id: a.id,
      path: a.path,
      code: a.code,
      nameZh: a.name_zh,
      nameEn: a.name_en,
      level: a.level,
      timezone: a.timezone,
    }
    const ctx = reportContext(area)
    const version = await inScope(db, ctx, (tx) => dataVersion(tx, ctx, area, month, now))
    const row = await db
      .insertInto('monthly_report')
      .values({
        area_id: a.id,
        month,
        locale: 'zh-CN',
        data_version: version,
        provisional: false,
        scheduled: true,
        as_of: now,
        requested_by: null,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['area_id', 'month']).where(sql<boolean>`scheduled`).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (row) queued++
  }
  return queued
}

const running = new WeakMap<Db, { again: boolean }>()

/**
 * Starts rendering in this process unless it already runs (then it looks again when done):
 * called by the route after its job is committed, and by the periodic worker.
 */
export function kickReports(db: Db, now: () => Date, onError: (err: unknown, id: number | null) => void) {
  const active = running.get(db)
  if (active) {
    active.again = true
    return
  }
  const state = { again: false }
  running.set(db, state)
  void (async () => {
    try {
      do {
        state.again = false
        await renderQueuedReports(db, now, onError)
      } while (state.again)
    } catch (err) {
      onError(err, null)
    } finally {
      running.delete(db)
    }
  })()
}

/** The periodic worker: the schedule, then every queued job. The first run comes soon after the start. */
export function startReportWorker(db: Db, now: () => Date, intervalMs: number, onError: (err: unknown) => void) {
  let busy = false
  const work = async () => {
    if (busy) return
    busy = true
    try {
      await scheduleMonthlyReports(db, now())
      await renderQueuedReports(db, now, (err) => onError(err))
    } finally {
      busy = false
    }
  }
  const first = setTimeout(() => work().catch(onError), Math.min(intervalMs, 5_000))
  first.unref()
  const periodic = startPeriodic(work, intervalMs, onError)
  return {
    async stop() {
      clearTimeout(first)
      await periodic.stop()
    },
  }
}
