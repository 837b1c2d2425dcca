import { Readable } from 'node:stream'
import { stringify as stringifyCsv } from 'csv-stringify/sync'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import { isDatabaseUnavailable, type Input, type Output } from '../core/http.js'
import { id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { asSystem, holds, inScope, type RequestContext, type Role } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { encodings, inspectFile, readRows, type FileHead } from '../registry/import.js'
import { credentialsChanged, deviceKeepers, hashDeviceSecret, newDeviceSecret } from './common.js'
import { buildingFor, checkOwner, codesTaken, deviceCode, placeDevice } from './registry.js'
import { deviceTypes, type DeviceType } from './types.js'

// Bulk registration of devices from CSV (UTF-8 or GBK/GB18030) or XLSX, on the registry's import
// jobs (import_job kind 'devices': progress, row errors). The upload starts the run at once; each
// batch of rows is validated and written as the uploader (row-level security) in one short
// transaction; a bad row is kept for the error report (its secret cell blanked) and never stops
// the good ones. A code already registered is updated, never duplicated. Rows without a `secret`
// get a generated one, kept encrypted on the job until the credentials are downloaded once.

/** Who imports devices: the keepers who may also write import jobs (the registry's import roles). */
export const deviceImporters: Role[] = deviceKeepers.filter((r) => r === 'admin' || r === 'staff')

export const columns = [
  'code',
  'type',
  'name',
  'lng',
  'lat',
  'building_code',
  'place',
  'owner_department_code',
  'owner_organisation',
  'secret',
] as const
type Column = (typeof columns)[number]

// Headings as they appear in installers' sheets; matched without case, spaces, '_' or '-'.
const aliases: Record<Column, string[]> = {
  code: ['code', '设备编码', '设备编号', '编码'],
  type: ['type', '设备类型', '类型'],
  name: ['name', '设备名称', '名称'],
  lng: ['lng', 'lon', 'longitude', '经度'],
  lat: ['lat', 'latitude', '纬度'],
  building_code: ['building_code', 'building', '楼栋编码', '建筑编码', '楼栋'],
  place: ['place', '安装位置', '位置'],
  owner_department_code: ['owner_department_code', 'owner_department', '维护部门编码', '维护部门', '部门编码'],
  owner_organisation: ['owner_organisation', 'owner_organization', '物业公司', '维护单位'],
  secret: ['secret', '密钥', '设备密钥'],
}
const squash = (s: string) => s.replace(/[\s_\-*（）()]/g, '').toLowerCase()

/** Which column holds which field, by the headings; required ones missing are an unreadable file. */
export function columnsOf(headers: string[]): Partial<Record<Column, number>> {
  const out: Partial<Record<Column, number>> = {}
  headers.forEach((h, i) => {
    const key = squash(h)
    const c = columns.find((f) => out[f] === undefined && aliases[f].some((a) => squash(a) === key))
    if (c) out[c] = i
  })
  const missing: string[] = (['code', 'type', 'name'] as const).filter((c) => out[c] === undefined)
  if ((out.lng === undefined || out.lat === undefined) && out.building_code === undefined) missing.push('lng,lat')
  if (out.owner_department_code === undefined && out.owner_organisation === undefined)
    missing.push('owner_department_code')
  if (missing.length)
    throw new AppError(
      'IMPORT_FILE_UNREADABLE',
      `the file has no column for ${missing.join(', ')}; columns: ${columns.join(', ')}`,
      'file',
    )
  return out
}

// ── Jobs ──────────────────────────────────────────────────────────────────────────────────────

export const deviceImportQuery = {
  type: 'object',
  required: ['areaId', 'fileName'],
  additionalProperties: false,
  properties: {
    areaId: { ...id, description: 'Every row must lie in this area (a community or a grid, usually)' },
    fileName: text(200),
    encoding: { type: 'string', enum: [...encodings, 'gbk'] },
  },
} as const
type NewDeviceImport = Input<typeof deviceImportQuery>

export const deviceImportJobSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  fileName: { type: 'string' },
  format: { type: 'string', enum: ['csv', 'xlsx'] },
  encoding: { type: 'string' },
  headers: { type: 'array', items: { type: 'string' } },
  status: { type: 'string', enum: ['pending', 'running', 'done', 'failed'] },
  byteSize: { type: 'integer' },
  processed: { type: 'integer', description: 'Rows read so far' },
  inserted: { type: 'integer' },
  updated: { type: 'integer' },
  unchanged: { type: 'integer' },
  failed: { type: 'integer' },
  error: nullable('string'),
  credentials: { type: 'integer', description: 'Secrets generated for rows without one' },
  credentialsAvailable: { type: 'boolean', description: 'Generated secrets wait to be downloaded (once)' },
  credentialsTakenAt: { type: ['string', 'null'], format: 'date-time' },
  createdAt: timestamp,
  finishedAt: { type: ['string', 'null'], format: 'date-time' },
})
type DeviceImportJob = Output<typeof deviceImportJobSchema>

export const errorsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: { type: 'integer', minimum: 0, maximum: 2147483647, description: 'The last row number of the page before' },
  },
} as const
export const deviceImportErrorsSchema = shape({
  items: {
    type: 'array',
    items: shape({
      row: { type: 'integer', description: 'The row of the file (the heading is row 1)' },
      field: nullable('string'),
      message: { type: 'string' },
      code: nullable('string'),
    }),
  },
  nextAfter: nullable('integer'),
})
type DeviceImportErrors = Output<typeof deviceImportErrorsSchema>
const ERRORS_PAGE = 200

const jobColumns = [
  'id',
  'area_id',
  'kind',
  'file_name',
  'format',
  'encoding',
  'headers',
  'status',
  'byte_size',
  'processed',
  'inserted',
  'updated',
  'unchanged',
  'failed',
  'error',
  'credentials_count',
  'credentials_taken_at',
  'created_at',
  'finished_at',
] as const

type JobRow = {
  id: number
  area_id: number
  kind: string
  file_name: string
  format: 'csv' | 'xlsx'
  encoding: string
  headers: string[]
  status: 'pending' | 'running' | 'done' | 'failed'
  byte_size: number
  processed: number
  inserted: number
  updated: number
  unchanged: number
  failed: number
  error: string | null
  credentials_count: number
  credentials_taken_at: Date | null
  created_at: Date
  finished_at: Date | null
}

const present = (j: JobRow): DeviceImportJob => ({
  id: j.id,
  areaId: j.area_id,
  fileName: j.file_name,
  format: j.format,
  encoding: j.encoding,
  headers: j.headers,
  status: j.status,
  byteSize: j.byte_size,
  processed: j.processed,
  inserted: j.inserted,
  updated: j.updated,
  unchanged: j.unchanged,
  failed: j.failed,
  error: j.error,
  credentials: j.credentials_count,
  credentialsAvailable: j.credentials_count > 0 && j.credentials_taken_at === null,
  credentialsTakenAt: j.credentials_taken_at?.toISOString() ?? null,
  createdAt: j.created_at.toISOString(),
  finishedAt: j.finished_at?.toISOString() ?? null,
})

async function jobRow(tx: Tx, jobId: number): Promise<JobRow> {
  const j = await tx
    .selectFrom('import_job')
    .select(jobColumns)
    .where('id', '=', jobId)
    .where('kind', '=', 'devices')
    .executeTakeFirst()
  if (!j) throw notFound('IMPORT_NOT_FOUND', `device import ${jobId}`)
  return j
}

export async function loadDeviceImport(tx: Tx, jobId: number): Promise<DeviceImportJob> {
  return present(await jobRow(tx, jobId))
}

/**
 * An upload's format, encoding and headings, with the columns the rows need (else
 * IMPORT_FILE_UNREADABLE naming `file`). Reads the file without the database: the route calls it
 * before opening the request's transaction (a 16 MiB XLSX must not hold PGlite's one connection).
 */
export async function inspectDeviceFile(
  data: Buffer,
  encoding: NewDeviceImport['encoding'],
): Promise<FileHead & { mapping: Partial<Record<Column, number>> }> {
  const head = await inspectFile(data, encoding)
  return { ...head, mapping: columnsOf(head.headers) }
}

/**
 * Takes an inspected upload (inspectDeviceFile) and opens a job that is running from now on (the
 * route starts the run after the commit). The file itself is not stored: a run cut short by a
 * restart is marked failed and the file imported again (a code already registered is updated, so
 * nothing doubles).
 */
export async function createDeviceImport(
  tx: Tx,
  ctx: RequestContext,
  input: NewDeviceImport,
  file: Awaited<ReturnType<typeof inspectDeviceFile>> & { byteSize: number },
  now: Date,
): Promise<DeviceImportJob> {
  const path = await areaPathOf(tx, input.areaId)
  if (!holds(ctx.actor, deviceImporters, path))
    throw new AppError(
      'FORBIDDEN',
      `importing devices requires one of the roles ${deviceImporters.join(', ')} over the area`,
    )
  const { format, encoding, headers, mapping } = file
  const job = await tx
    .insertInto('import_job')
    .values({
      area_id: input.areaId,
      kind: 'devices',
      file_name: input.fileName,
      format,
      encoding,
      headers: JSON.stringify(headers),
      mapping: JSON.stringify(Object.fromEntries(Object.entries(mapping).map(([c, i]) => [headers[i]!, c]))),
      status: 'running',
      file_enc: null,
      byte_size: file.byteSize,
      error: null,
      created_by: ctx.actor?.userId ?? null,
      created_at: now,
      started_at: now,
      finished_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'device.import.upload',
    entityType: 'import_job',
    entityId: job.id,
    areaId: input.areaId,
    detail: { fileName: input.fileName, format, encoding, bytes: file.byteSize },
  })
  return loadDeviceImport(tx, job.id)
}

// ── Rows ──────────────────────────────────────────────────────────────────────────────────────

interface ParsedRow {
  code: string
  type: DeviceType
  name: string
  location: { lng: number; lat: number } | null
  buildingCode: string | null
  place: string | null
  departmentCode: string | null
  organisation: string | null
  secret: string | null
}

interface Item {
  rowNumber: number
  cells: string[]
  parsed: ParsedRow | null
  error: { field: string | null; message: string } | null
}

const rowError = (field: string, message: string) => new AppError('VALIDATION_FAILED', message, field)
const codePattern = new RegExp(deviceCode.pattern)

function parseRow(cells: string[], cols: Partial<Record<Column, number>>, types: Map<string, DeviceType>): ParsedRow {
  const get = (c: Column) => {
    const i = cols[c]
    const v = i === undefined ? '' : (cells[i] ?? '').trim()
    return v === '' ? null : v
  }
  const code = get('code')
  if (!code) throw rowError('code', 'is required')
  if (!codePattern.test(code))
    throw rowError('code', 'has 3–64 letters, digits, “_”, “.” or “-”, starting with a letter or digit')
  const rawType = get('type')
  if (!rawType) throw rowError('type', 'is required')
  const type = types.get(rawType) ?? types.get(rawType.toLowerCase())
  if (!type) throw new AppError('DEVICE_TYPE_NOT_FOUND', `“${rawType}” is not a device type`, 'type')
  const name = get('name')
  if (!name) throw rowError('name', 'is required')
  if (name.length > 100) throw rowError('name', 'is longer than 100 characters')
  const lngText = get('lng')
  const latText = get('lat')
  let location: ParsedRow['location'] = null
  if (lngText !== null || latText !== null) {
    const lng = Number(lngText)
    const lat = Number(latText)
    if (lngText === null || !Number.isFinite(lng) || Math.abs(lng) > 180) throw rowError('lng', 'is not a longitude')
    if (latText === null || !Number.isFinite(lat) || Math.abs(lat) > 90) throw rowError('lat', 'is not a latitude')
    location = { lng, lat }
  }
  const buildingCode = get('building_code')
  if (!location && !buildingCode) throw rowError('lng', 'give lng and lat, or building_code')
  const place = get('place')
  if (place && place.length > 200) throw rowError('place', 'is longer than 200 characters')
  const departmentCode = get('owner_department_code')
  const organisation = get('owner_organisation')
  if ((departmentCode === null) === (organisation === null))
    throw new AppError(
      'DEVICE_OWNER_INVALID',
      'name exactly one owner: owner_department_code or owner_organisation',
      'owner_department_code',
    )
  const secret = get('secret')
  if (secret !== null) checkInstallerSecret(secret)
  return { code, type, name, location, buildingCode, place, departmentCode, organisation, secret }
}

/**
 * An installer's own secret must be as strong as a generated one: the stored hash uses few
 * PBKDF2 iterations (mosquitto's default), which is safe only for random secrets. So 32–128
 * characters of the base64/base64url alphabet (A–Z a–z 0–9 - _ + / and trailing '=' padding), e.g.
 * `openssl rand -base64 32`, with at least 10 different characters (no 'aaaa…' nor a short word repeated).
 */
export function checkInstallerSecret(secret: string): void {
  if (!/^[A-Za-z0-9_+/-]{32,128}={0,2}$/.test(secret) || secret.length > 128)
    throw rowError(
      'secret',
      'needs 32–128 random characters of A–Z, a–z, 0–9, “-”, “_”, “+”, “/” (e.g. openssl rand -base64 32); leave it empty to have one generated',
    )
  if (new Set(secret).size < 10)
    throw rowError(
      'secret',
      'is not random enough (fewer than 10 different characters); leave it empty to have one generated',
    )
}

interface Delta {
  processed: number
  inserted: number
  updated: number
  unchanged: number
  failed: number
  /** Devices registered, or known ones given the row's secret: told to the ingest once the batch has committed. */
  rekeyed: string[]
}

interface Run {
  jobId: number
  areaPath: string
  ctx: RequestContext
  cipher: FieldCipher
  cols: Partial<Record<Column, number>>
  now: () => Date
}

/** Writes one batch as the uploader; answers what it did (applied to the progress after commit). */
async function writeBatch(tx: Tx, run: Run, batch: Item[]): Promise<Delta> {
  const now = run.now()
  const delta: Delta = { processed: batch.length, inserted: 0, updated: 0, unchanged: 0, failed: 0, rekeyed: [] }
  const errors: { item: Item; field: string | null; message: string }[] = batch
    .filter((b) => b.error)
    .map((b) => ({ item: b, ...b.error! }))
  const credentials: [string, string][] = []
  const ready: { item: Item; row: ParsedRow; set: Record<string, unknown>; lng: number; lat: number }[] = []
  for (const item of batch) {
    const row = item.parsed
    if (!row) continue
    try {
      let building = null
      if (row.buildingCode) {
        building = await buildingFor(tx, { code: row.buildingCode })
        if (!building) throw new AppError('DEVICE_BUILDING_INVALID', `no building ${row.buildingCode}`, 'building_code')
      }
      const at = await placeDevice(tx, row.location, building, { location: 'lng', building: 'building_code' })
      if (!at.gridPath.startsWith(run.areaPath)) throw rowError('lng', 'lies outside the import’s area')
      if (!holds(run.ctx.actor, deviceKeepers, at.gridPath))
        throw new AppError('FORBIDDEN', 'you do not keep devices in this grid', 'lng')
      let departmentId: number | null = null
      let organisationId: number | null = null
      if (row.departmentCode) {
        const d = await tx
          .selectFrom('department')
          .select('id')
          .where('code', '=', row.departmentCode)
          .executeTakeFirst()
        if (!d)
          throw new AppError('DEVICE_OWNER_INVALID', `no department ${row.departmentCode}`, 'owner_department_code')
        departmentId = d.id
      } else {
        const o = await tx
          .selectFrom('organisation')
          .select('id')
          .where((eb) => eb.or([eb('uscc', '=', row.organisation!), eb('name', '=', row.organisation!)]))
          .orderBy('id')
          .limit(2)
          .execute()
        if (o.length !== 1)
          throw new AppError(
            'DEVICE_OWNER_INVALID',
            o.length
              ? `“${row.organisation}” names more than one organisation: use its USCC`
              : `no organisation ${row.organisation}`,
            'owner_organisation',
          )
        organisationId = o[0]!.id
      }
      await checkOwner(tx, { departmentId, organisationId })
      ready.push({
        item,
        row,
        lng: at.lng,
        lat: at.lat,
        set: {
          name: row.name,
          area_id: at.gridId,
          district_id: at.districtId,
          building_id: at.buildingId,
          place: row.place,
          owner_department_id: departmentId,
          owner_organisation_id: organisationId,
        },
      })
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      errors.push({ item, field: err.field, message: err.message })
    }
  }
  // The same code twice in one batch: the later row wins, as if imported one after the other.
  const byCode = new Map(ready.map((r) => [r.row.code, r]))
  delta.unchanged += ready.length - byCode.size
  const codes = [...byCode.keys()]
  const existing = codes.length
    ? (
        await sql<{
          id: number
          code: string
          type: string
          state: string
          version: number
          name: string
          area_id: number
          building_id: number | null
          place: string | null
          owner_department_id: number | null
          owner_organisation_id: number | null
          lng: number
          lat: number
        }>`
          select id, code, type, state, version, name, area_id, building_id, place, owner_department_id,
            owner_organisation_id, ST_X(location) as lng, ST_Y(location) as lat
          from device where code = any(${codes}::text[])`.execute(tx)
      ).rows
    : []
  const known = new Map(existing.map((e) => [e.code, e]))
  const taken = await codesTaken(
    tx,
    codes.filter((c) => !known.has(c)),
  )
  for (const r of byCode.values()) {
    const before = known.get(r.row.code)
    if (before) {
      if (before.type !== r.row.type) {
        errors.push({
          item: r.item,
          field: 'type',
          message: `device ${r.row.code} is a ${before.type}; a type cannot change`,
        })
        continue
      }
      if (before.state === 'retired') {
        errors.push({ item: r.item, field: 'code', message: `device ${r.row.code} is retired; reactivate it first` })
        continue
      }
      const same =
        before.name === r.set.name &&
        before.area_id === r.set.area_id &&
        before.building_id === r.set.building_id &&
        before.place === r.set.place &&
        before.owner_department_id === r.set.owner_department_id &&
        before.owner_organisation_id === r.set.owner_organisation_id &&
        Math.abs(before.lng - r.lng) < 1e-9 &&
        Math.abs(before.lat - r.lat) < 1e-9
      if (same && !r.row.secret) {
        delta.unchanged++
        continue
      }
      await tx
        .updateTable('device')
        .set({
          ...r.set,
          location: sql<string>`ST_SetSRID(ST_MakePoint(${r.lng}, ${r.lat}), 4326)`,
          ...(r.row.secret ? { secret_hash: hashDeviceSecret(r.row.secret), secret_rotated_at: now } : {}),
          updated_at: now,
          version: before.version + 1,
        })
        .where('id', '=', before.id)
        .execute()
      delta.updated++
      if (r.row.secret) delta.rekeyed.push(r.row.code)
      continue
    }
    if (taken.has(r.row.code)) {
      errors.push({
        item: r.item,
        field: 'code',
        message: `a device with code ${r.row.code} is registered in an area you do not keep`,
      })
      continue
    }
    const secret = r.row.secret ?? newDeviceSecret()
    await tx
      .insertInto('device')
      .values({
        code: r.row.code,
        type: r.row.type,
        name: r.set.name as string,
        area_id: r.set.area_id as number,
        district_id: r.set.district_id as number,
        location: sql<string>`ST_SetSRID(ST_MakePoint(${r.lng}, ${r.lat}), 4326)`,
        building_id: r.set.building_id as number | null,
        place: r.set.place as string | null,
        owner_department_id: r.set.owner_department_id as number | null,
        owner_organisation_id: r.set.owner_organisation_id as number | null,
        secret_hash: hashDeviceSecret(secret),
        secret_rotated_at: now,
        created_by: run.ctx.actor?.userId ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute()
    if (!r.row.secret) credentials.push([r.row.code, secret])
    delta.rekeyed.push(r.row.code)
    delta.inserted++
  }
  if (errors.length) {
    const secretAt = run.cols.secret
    await tx
      .insertInto('import_row_error')
      .values(
        errors.map((e) => ({
          job_id: run.jobId,
          row_number: e.item.rowNumber,
          field: e.field,
          message: e.message,
          // The installer's secret never reaches the error report.
          row_enc: run.cipher.encrypt(JSON.stringify(e.item.cells.map((c, i) => (i === secretAt ? '' : c)))),
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute()
  }
  delta.failed += errors.length
  const job = await jobRow(tx, run.jobId)
  let credentialsEnc: Buffer | undefined
  if (credentials.length) {
    const prior = await tx
      .selectFrom('import_job')
      .select('credentials_enc')
      .where('id', '=', run.jobId)
      .executeTakeFirstOrThrow()
    const enc = prior.credentials_enc
    const text = (enc ? run.cipher.decrypt(enc) : '') + stringifyCsv(credentials)
    credentialsEnc = run.cipher.encrypt(text)
  }
  await tx
    .updateTable('import_job')
    .set({
      processed: job.processed + delta.processed,
      inserted: job.inserted + delta.inserted,
      updated: job.updated + delta.updated,
      unchanged: job.unchanged + delta.unchanged,
      failed: job.failed + delta.failed,
      ...(credentialsEnc
        ? { credentials_enc: credentialsEnc, credentials_count: job.credentials_count + credentials.length }
        : {}),
    })
    .where('id', '=', run.jobId)
    .execute()
  await recordAudit(tx, run.ctx, {
    action: 'device.import',
    entityType: 'import_job',
    entityId: run.jobId,
    areaId: job.area_id,
    detail: { rows: batch.length, inserted: delta.inserted, updated: delta.updated, failed: delta.failed },
  })
  return delta
}

/** The device types by code and by their Chinese and English names. */
async function typeNames(db: Db): Promise<Map<string, DeviceType>> {
  const rows = await asSystem(db, (tx) => tx.selectFrom('device_type').select(['code', 'name_zh', 'name_en']).execute())
  const out = new Map<string, DeviceType>()
  for (const r of rows) {
    if (!(deviceTypes as readonly string[]).includes(r.code)) continue
    const t = r.code as DeviceType
    out.set(r.code, t)
    out.set(r.name_zh, t)
    out.set(r.name_en.toLowerCase(), t)
  }
  return out
}

/** Runs a started device import to its end, batch by batch as the uploader; marks it done or failed. */
export async function runDeviceImport(
  db: Db,
  cipher: FieldCipher,
  jobId: number,
  ctx: RequestContext,
  data: Buffer,
  now: () => Date,
  batchSize = 200,
): Promise<void> {
  try {
    const job = await inScope(db, ctx, async (tx) => {
      const j = await jobRow(tx, jobId)
      return { ...j, path: await areaPathOf(tx, j.area_id) }
    })
    const types = await typeNames(db)
    const rows = readRows(Readable.from([data]), job.format, job.encoding as (typeof encodings)[number])
    const first = await rows.next()
    if (first.done) throw new AppError('IMPORT_FILE_UNREADABLE', 'the file is empty', 'file')
    const run: Run = { jobId, areaPath: job.path, ctx, cipher, cols: columnsOf(first.value), now }
    let rowNumber = 1
    let batch: Item[] = []
    // A device whose secret the file replaced drops its connections and cached checks now; an
    // external broker's password file gets the new and the re-keyed devices.
    const committed = (delta: Delta) => {
      for (const code of delta.rekeyed) credentialsChanged(code)
    }
    const flush = async () => {
      if (batch.length === 0) return
      const current = batch
      batch = []
      try {
        committed(await inScope(db, ctx, (tx) => writeBatch(tx, run, current)))
      } catch (err) {
        if (current.length === 1 || isDatabaseUnavailable(err)) throw err
        // One row the checks could not foresee must not sink its batch: one by one, and the rows
        // that still fail are reported.
        for (const item of current) {
          try {
            committed(await inScope(db, ctx, (tx) => writeBatch(tx, run, [item])))
          } catch (rowErr) {
            if (isDatabaseUnavailable(rowErr)) throw rowErr
            const failed: Item = {
              ...item,
              parsed: null,
              error: { field: null, message: `could not be stored: ${(rowErr as Error).message}` },
            }
            await inScope(db, ctx, (tx) => writeBatch(tx, run, [failed]))
          }
        }
      }
    }
    for await (const cells of rows) {
      rowNumber++
      if (cells.every((c) => c === '')) continue
      try {
        batch.push({ rowNumber, cells, parsed: parseRow(cells, run.cols, types), error: null })
      } catch (err) {
        if (!(err instanceof AppError)) throw err
        batch.push({ rowNumber, cells, parsed: null, error: { field: err.field, message: err.message } })
      }
      if (batch.length >= batchSize) await flush()
    }
    await flush()
    await finish(db, jobId, 'done', null, now())
  } catch (err) {
    await finish(db, jobId, 'failed', (err as Error).message.slice(0, 500), now())
    throw err
  }
}

async function finish(db: Db, jobId: number, status: 'done' | 'failed', error: string | null, at: Date) {
  await asSystem(db, (tx) =>
    tx
      .updateTable('import_job')
      .set({ status, error, finished_at: at, bytes_read: sql<number>`byte_size` })
      .where('id', '=', jobId)
      .execute(),
  )
}

/**
 * Device imports a previous server process left running: their file was never stored, so they
 * are marked failed (import the file again: known codes are updated, nothing doubles). For
 * main.ts at start-up.
 */
export async function failInterruptedDeviceImports(db: Db, at: Date): Promise<number> {
  const rows = await asSystem(db, (tx) =>
    tx
      .updateTable('import_job')
      .set({ status: 'failed', error: 'interrupted by a restart; import the file again', finished_at: at })
      .where('kind', '=', 'devices')
      .where('status', '=', 'running')
      .returning('id')
      .execute(),
  )
  return rows.length
}

/** The rejected rows, by row number: field, reason and the row's device code. */
export async function deviceImportErrors(
  tx: Tx,
  cipher: FieldCipher,
  jobId: number,
  after: number,
): Promise<DeviceImportErrors> {
  const job = await jobRow(tx, jobId)
  const codeAt = columnsOfSafe(job.headers).code
  const rows = await tx
    .selectFrom('import_row_error')
    .select(['row_number', 'field', 'message', 'row_enc'])
    .where('job_id', '=', jobId)
    .where('row_number', '>', after)
    .orderBy('row_number')
    .limit(ERRORS_PAGE + 1)
    .execute()
  const page = rows.slice(0, ERRORS_PAGE)
  return {
    items: page.map((r) => {
      const cells = JSON.parse(cipher.decrypt(r.row_enc)) as string[]
      const code = codeAt === undefined ? null : (cells[codeAt] ?? '').trim() || null
      return { row: r.row_number, field: r.field, message: r.message, code }
    }),
    nextAfter: rows.length > ERRORS_PAGE ? page[page.length - 1]!.row_number : null,
  }
}

function columnsOfSafe(headers: string[]): Partial<Record<Column, number>> {
  try {
    return columnsOf(headers)
  } catch {
    return {}
  }
}

/**
 * The generated secrets as CSV (code,secret), once: they are erased in the same transaction and
 * the download is audited. 409 while the import runs, when none were generated, or after.
 */
export async function credentialsCsv(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  jobId: number,
  now: Date,
): Promise<string> {
  const job = await jobRow(tx, jobId)
  if (job.status === 'running' || job.status === 'pending')
    throw new AppError('CONFLICT', 'the import is still running; download the credentials when it is done', null)
  if (job.credentials_taken_at)
    throw new AppError(
      'CONFLICT',
      `the credentials were downloaded at ${job.credentials_taken_at.toISOString()}; rotate a device’s secret if one was lost`,
      null,
    )
  if (job.credentials_count === 0)
    throw new AppError('CONFLICT', 'the import generated no secrets (every row brought its own or none was new)', null)
  const row = await tx
    .selectFrom('import_job')
    .select('credentials_enc')
    .where('id', '=', jobId)
    .executeTakeFirstOrThrow()
  const enc = row.credentials_enc
  if (!enc) throw new AppError('CONFLICT', 'the credentials are no longer stored', null)
  await tx
    .updateTable('import_job')
    .set({ credentials_enc: null, credentials_taken_at: now })
    .where('id', '=', jobId)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'device.import.credentials',
    entityType: 'import_job',
    entityId: jobId,
    areaId: job.area_id,
    detail: { devices: job.credentials_count },
  })
  return `code,secret\n${cipher.decrypt(enc)}`
}
