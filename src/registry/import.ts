import { createReadStream, statSync } from 'node:fs'
import { areaPathOf } from '../jurisdiction/service.js'
import { PassThrough, Readable } from 'node:stream'
import { parse as parseCsv } from 'csv-parse'
import { stringify as stringifyCsv } from 'csv-stringify/sync'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { sql } from 'kysely'
import { actorForUser } from '../accounts/service.js'
import { recordAudit } from '../audit/service.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, invalid, notFound } from '../core/errors.js'
import { isDatabaseUnavailable, type Input, type Output } from '../core/http.js'
import { offsetOf, paginate, type Page, type PageRequest } from '../core/paging.js'
import { body, id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { asSystem, holds, inScope, type RequestContext } from '../core/scope.js'
import { checkDate, normalisePhone, type IdType, idTypes } from './identity.js'
import { requireTagsFit } from './care-tags.js'
import { careTags, checkIdentity, idsTaken, residenceStatuses, sealIdNumber, sealPhone, today } from './people.js'
import { districtOf, importRoles } from './records.js'
import { relations } from './places.js'
import { iso, isoOrNull, strings, timestampOrNull } from './schemas.js'

// Imports of people from CSV (UTF-8 or GBK/GB18030) and XLSX, streamed row by row: each batch of
// rows is validated and upserted by ID number (blind index) in one short transaction; bad rows
// are kept (encrypted) for the error report and never stop the good ones.

export const importFields = [
  'name',
  'idType',
  'idNumber',
  'sex',
  'birthDate',
  'phone',
  'registeredPlace',
  'residenceStatus',
  'address',
  'movedInOn',
  'tags',
  'areaCode',
  'householdCode',
  'relation',
] as const
export type ImportField = (typeof importFields)[number]
const requiredFields: ImportField[] = ['name', 'idNumber']

// Column headings as they appear in the spreadsheets streets keep, and in our own exports.
const headerAliases: Record<ImportField, string[]> = {
  name: ['name', '姓名'],
  idType: ['idtype', '证件类型'],
  idNumber: ['idnumber', '身份证号', '身份证号码', '公民身份号码', '证件号码', '证件号'],
  sex: ['sex', 'gender', '性别'],
  birthDate: ['birthdate', '出生日期', '生日'],
  phone: ['phone', 'mobile', '手机', '手机号', '手机号码', '联系电话', '电话'],
  registeredPlace: ['registeredplace', '户籍地', '户籍地址', '户籍所在地'],
  residenceStatus: ['residencestatus', '人口类型', '居住状态', '户籍类型'],
  address: ['address', '现住址', '居住地址', '住址', '现居住地址'],
  movedInOn: ['movedinon', '迁入日期', '入住日期', '登记日期'],
  tags: ['tags', '标签', '人员类别', '重点人群', '特殊人群'],
  areaCode: ['areacode', '网格编码', '所属网格', '社区编码', '区域编码'],
  householdCode: ['householdcode', '户号', '户编号'],
  relation: ['relation', '与户主关系', '关系'],
}

const valueAliases: Record<string, Record<string, string>> = {
  sex: { 男: 'male', 女: 'female', 未知: 'unknown', m: 'male', f: 'female' },
  residenceStatus: {
    户籍: 'registered',
    户籍人口: 'registered',
    常住: 'registered',
    流动: 'floating',
    流动人口: 'floating',
    境外: 'abroad',
    境外人员: 'abroad',
  },
  relation: {
    户主: 'head',
    本人: 'head',
    配偶: 'spouse',
    妻: 'spouse',
    夫: 'spouse',
    子: 'child',
    女: 'child',
    子女: 'child',
    儿子: 'child',
    女儿: 'child',
    父亲: 'parent',
    母亲: 'parent',
    父母: 'parent',
    孙子: 'grandchild',
    孙女: 'grandchild',
    孙子女: 'grandchild',
    祖父: 'grandparent',
    祖母: 'grandparent',
    兄弟姐妹: 'sibling',
    兄: 'sibling',
    弟: 'sibling',
    姐: 'sibling',
    妹: 'sibling',
    其他: 'other',
  },
  tags: {
    独居老人: 'elderly_alone',
    老年人: 'elderly',
    残疾人: 'disabled',
    低保: 'low_income',
    低收入: 'low_income',
    低保户: 'low_income',
    留守儿童: 'left_behind_child',
    重点关爱: 'key_care',
    重点关爱人员: 'key_care',
    退役军人: 'veteran',
    孕产妇: 'pregnant',
  },
  idType: {
    居民身份证: 'resident_id',
    身份证: 'resident_id',
    护照: 'passport',
    港澳居民来往内地通行证: 'hk_macao_permit',
    台湾居民来往大陆通行证: 'taiwan_permit',
    外国人永久居留身份证: 'foreign_permanent_id',
    其他: 'other',
  },
}

const squash = (s: string) => s.replace(/[\s_\-*（）()]/g, '').toLowerCase()

/** The field each column most likely holds, by its heading. */
export function suggestMapping(headers: string[]): Record<string, ImportField> {
  const out: Record<string, ImportField> = {}
  const taken = new Set<ImportField>()
  for (const h of headers) {
    const key = squash(h)
    const field = importFields.find((f) => !taken.has(f) && headerAliases[f].some((a) => squash(a) === key))
    if (field) {
      out[h] = field
      taken.add(field)
    }
  }
  return out
}

// ── Reading files ─────────────────────────────────────────────────────────────────────────────

export type FileFormat = 'csv' | 'xlsx'
export const encodings = ['utf-8', 'gb18030'] as const

/** XLSX is a ZIP archive; anything else is read as delimited text. */
export const formatOf = (head: Uint8Array): FileFormat =>
  head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04 ? 'xlsx' : 'csv'

/**
 * The text encoding of a CSV file from its first bytes: UTF-8 when they decode as UTF-8 (a BOM or
 * strict decoding), else GB18030 (a superset of GBK and GB2312, what Chinese Excel saves) when
 * that decodes cleanly; otherwise the caller must name it.
 */
export function detectEncoding(head: Uint8Array): (typeof encodings)[number] {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8'
  try {
    // Streaming mode: a character cut at the end of the sample is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true })
    return 'utf-8'
  } catch {
    const text = iconv.decode(Buffer.from(head), 'gb18030')
    if (!text.slice(0, -2).includes('\uFFFD')) return 'gb18030'
  }
  throw new AppError(
    'IMPORT_FILE_UNREADABLE',
    'the file is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 CSV or XLSX, or name its encoding',
    'encoding',
  )
}

/** Rows of the first worksheet (XLSX) or of the text (CSV), each as an array of cell strings. */
export async function* readRows(
  source: Readable,
  format: FileFormat,
  encoding: (typeof encodings)[number],
): AsyncGenerator<string[]> {
  if (format === 'csv') {
    const text = encoding === 'utf-8' ? source : source.pipe(iconv.decodeStream('gb18030'))
    // Lines starting with '#' are the provenance notes of our own exports; '#' inside a cell (3#楼) is data.
    const parser = text.pipe(
      parseCsv({
        bom: true,
        relax_column_count: true,
        skip_empty_lines: true,
        comment: '#',
        comment_no_infix: true,
        trim: true,
      }),
    )
    for await (const record of parser) yield record as string[]
    return
  }
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    sharedStrings: 'cache',
    worksheets: 'emit',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  })
  for await (const sheet of reader) {
    for await (const row of sheet) {
      const values = (row.values as unknown[]).slice(1)
      yield values.map(cellText)
    }
    return // the first worksheet only
  }
}

function cellText(v: unknown): string {
  if (v == null) return ''
  if (v instanceof Date) return v.toISOString().slice(0, 10)
  if (typeof v === 'object') {
    const o = v as { text?: unknown; richText?: { text: string }[]; result?: unknown }
    if (o.richText)
      return o.richText
        .map((r) => r.text)
        .join('')
        .trim()
    if (o.text !== undefined) return String(o.text).trim()
    if (o.result !== undefined) return cellText(o.result)
    return ''
  }
  return String(v).trim()
}

// ── Rows ──────────────────────────────────────────────────────────────────────────────────────

interface ParsedRow {
  rowNumber: number
  name: string
  idType: IdType
  idNumber: string
  sex: string
  birthDate: string | null
  phone: string | null
  registeredPlace: string | null
  residenceStatus: string
  address: string | null
  movedInOn: string | null
  tags: string[]
  areaCode: string | null
  householdCode: string | null
  relation: string | null
}

function mapValue(field: string, raw: string, allowed: readonly string[]): string {
  const v = valueAliases[field]?.[raw] ?? valueAliases[field]?.[raw.toLowerCase()] ?? raw
  if (!allowed.includes(v)) throw invalid(field, `“${raw}” is not one of ${allowed.join(', ')}`)
  return v
}

/** Accepts 2024-03-05, 2024/3/5, 2024.3.5 and 20240305. */
function dateCell(raw: string, field: string, day: string): string {
  const m = raw.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/) ?? raw.match(/^(\d{4})(\d{2})(\d{2})$/)
  if (!m) throw invalid(field, 'is not a date (YYYY-MM-DD)')
  return checkDate(`${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`, field, day)
}

function parseRow(cells: string[], columns: Map<ImportField, number>, rowNumber: number, now: Date): ParsedRow {
  const get = (f: ImportField) => {
    const i = columns.get(f)
    const v = i === undefined ? '' : (cells[i] ?? '').trim()
    return v === '' ? null : v
  }
  const day = today(now)
  const name = get('name')
  if (!name) throw invalid('name', 'is required')
  if (name.length > 100) throw invalid('name', 'is longer than 100 characters')
  const rawId = get('idNumber')
  if (!rawId) throw invalid('idNumber', 'is required')
  const idType = get('idType') ? (mapValue('idType', get('idType')!, idTypes) as IdType) : 'resident_id'
  const sexRaw = get('sex')
  const birthRaw = get('birthDate')
  const identity = checkIdentity(
    {
      idType,
      idNumber: rawId,
      ...(sexRaw ? { sex: mapValue('sex', sexRaw, ['male', 'female', 'unknown']) as 'male' } : {}),
      ...(birthRaw ? { birthDate: dateCell(birthRaw, 'birthDate', day) } : {}),
    },
    now,
  )
  const tagsRaw = get('tags')
  const tags = tagsRaw
    ? [
        ...new Set(
          tagsRaw
            .split(/[;；,，、|\s]+/)
            .filter(Boolean)
            .map((t) => mapValue('tags', t, careTags)),
        ),
      ].sort()
    : []
  requireTagsFit(tags, identity.birthDate, identity.sex, day)
  const householdCode = get('householdCode')
  if (householdCode && !/^[A-Za-z0-9-]{1,40}$/.test(householdCode))
    throw invalid('householdCode', 'has 1–40 letters, digits or hyphens')
  const text = (f: ImportField, max: number) => {
    const v = get(f)
    if (v && v.length > max) throw invalid(f, `is longer than ${max} characters`)
    return v
  }
  return {
    rowNumber,
    name,
    idType: identity.type,
    idNumber: identity.number,
    sex: identity.sex,
    birthDate: identity.birthDate,
    phone: get('phone') ? normalisePhone(get('phone')!) : null,
    registeredPlace: text('registeredPlace', 300),
    residenceStatus: get('residenceStatus')
      ? mapValue('residenceStatus', get('residenceStatus')!, residenceStatuses)
      : 'registered',
    address: text('address', 300),
    movedInOn: get('movedInOn') ? dateCell(get('movedInOn')!, 'movedInOn', day) : null,
    tags,
    areaCode: get('areaCode'),
    householdCode,
    relation: get('relation') ? mapValue('relation', get('relation')!, relations) : householdCode ? 'other' : null,
  }
}

// ── Running an import ─────────────────────────────────────────────────────────────────────────

export interface ImportProgress {
  processed: number
  inserted: number
  updated: number
  unchanged: number
  failed: number
  bytesRead: number
  totalBytes: number
}

export interface ImportRun {
  db: Db
  cipher: FieldCipher
  jobId: number
  /** The caller the rows are written as; null: the system (the CLI on the server's machine). */
  ctx: RequestContext | null
  areaPath: string
  source: Readable
  totalBytes: number
  format: FileFormat
  encoding: (typeof encodings)[number]
  mapping: Record<string, string>
  now: () => Date
  batchSize?: number
  onProgress?: (p: ImportProgress) => void
}

interface Delta {
  processed: number
  inserted: number
  updated: number
  unchanged: number
  failed: number
}

type Batch = {
  cells: string[]
  parsed: ParsedRow | null
  error: { field: string | null; message: string } | null
  rowNumber: number
}[]

const tracked = [
  'name',
  'id_type',
  'sex',
  'birth_date',
  'phone_bidx',
  'registered_place',
  'residence_status',
  'address',
  'moved_in_on',
  'tags',
  'area_id',
] as const

/** Streams the file through validation and upsert; returns the final counts. */
export async function runPeopleImport(run: ImportRun): Promise<ImportProgress> {
  const progress: ImportProgress = {
    processed: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    bytesRead: 0,
    totalBytes: run.totalBytes,
  }
  const counter = new PassThrough()
  counter.on('data', (chunk: Buffer) => (progress.bytesRead += chunk.length))
  run.source.on('error', (err) => counter.destroy(err))
  run.source.pipe(counter)
  const rows = readRows(counter, run.format, run.encoding)
  const first = await rows.next()
  if (first.done) throw new AppError('IMPORT_FILE_UNREADABLE', 'the file is empty', 'file')
  const headers = first.value
  const columns = new Map<ImportField, number>()
  for (const [header, field] of Object.entries(run.mapping)) {
    const i = headers.indexOf(header)
    if (i >= 0) columns.set(field as ImportField, i)
  }
  const areaCache = new Map<string, { id: number; path: string; level: string } | null>()
  let rowNumber = 1
  let batch: Batch = []
  const size = run.batchSize ?? 500
  const inTx = <T>(work: (tx: Tx) => Promise<T>) => (run.ctx ? inScope(run.db, run.ctx, work) : asSystem(run.db, work))
  const apply = (d: Delta) => {
    for (const k of ['processed', 'inserted', 'updated', 'unchanged', 'failed'] as const) progress[k] += d[k]
  }
  const flush = async () => {
    if (batch.length === 0) return
    const current = batch
    batch = []
    try {
      apply(await inTx((tx) => writeBatch(tx, run, current, areaCache, progress)))
    } catch (err) {
      if (current.length === 1 || isDatabaseUnavailable(err)) throw err
      // One row the checks could not foresee (a concurrent writer, a constraint) must not sink
      // its batch: write the rows one by one and report the ones that still fail.
      for (const item of current) {
        try {
          apply(await inTx((tx) => writeBatch(tx, run, [item], areaCache, progress)))
        } catch (rowErr) {
          if (isDatabaseUnavailable(rowErr)) throw rowErr
          const failed = {
            ...item,
            parsed: null,
            error: { field: null, message: `could not be stored: ${(rowErr as Error).message}` },
          }
          apply(await inTx((tx) => writeBatch(tx, run, [failed], areaCache, progress)))
        }
      }
    }
    run.onProgress?.({ ...progress })
  }
  for await (const cells of rows) {
    rowNumber++
    if (cells.every((c) => c === '')) continue
    try {
      batch.push({ cells, parsed: parseRow(cells, columns, rowNumber, run.now()), error: null, rowNumber })
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      batch.push({ cells, parsed: null, error: { field: err.field, message: err.message }, rowNumber })
    }
    if (batch.length >= size) await flush()
  }
  await flush()
  progress.bytesRead = progress.totalBytes
  return progress
}

/** Writes one batch in the caller's transaction; returns what it did (applied by the caller after commit). */
async function writeBatch(
  tx: Tx,
  run: ImportRun,
  batch: Batch,
  areaCache: Map<string, { id: number; path: string; level: string } | null>,
  progress: ImportProgress,
): Promise<Delta> {
  const delta: Delta = { processed: batch.length, inserted: 0, updated: 0, unchanged: 0, failed: 0 }
  const now = run.now()
  const errors: { rowNumber: number; field: string | null; message: string; cells: string[] }[] = batch
    .filter((b) => b.error)
    .map((b) => ({ rowNumber: b.rowNumber, ...b.error!, cells: b.cells }))
  const jobArea = await tx
    .selectFrom('import_job')
    .select('area_id')
    .where('id', '=', run.jobId)
    .executeTakeFirstOrThrow()
  // The row's area: its own area code (inside the import's area), else the import's area.
  const good: (ParsedRow & { areaId: number; districtId: number; bidx: string })[] = []
  for (const b of batch) {
    if (!b.parsed) continue
    let areaId = jobArea.area_id
    let path = run.areaPath
    if (b.parsed.areaCode) {
      if (!areaCache.has(b.parsed.areaCode)) {
        areaCache.set(
          b.parsed.areaCode,
          (await tx
            .selectFrom('area')
            .select(['id', 'path', 'level'])
            .where('code', '=', b.parsed.areaCode)
            .where('retired_at', 'is', null)
            .executeTakeFirst()) ?? null,
        )
      }
      const a = areaCache.get(b.parsed.areaCode)
      if (!a?.path.startsWith(run.areaPath) || (a.level !== 'grid' && a.level !== 'community')) {
        errors.push({
          rowNumber: b.rowNumber,
          field: 'areaCode',
          message: `no community or grid with code ${b.parsed.areaCode} inside the import's area`,
          cells: b.cells,
        })
        continue
      }
      areaId = a.id
      path = a.path
    }
    good.push({
      ...b.parsed,
      areaId,
      districtId: districtOf(path, areaId),
      bidx: run.cipher.blindIndex('id', b.parsed.idNumber),
    })
  }
  // The same person twice in one batch: the later row wins, as if imported one after the other.
  const byBidx = new Map(good.map((g) => [g.bidx, g]))
  delta.unchanged += good.length - byBidx.size
  const candidates = [...byBidx.values()]
  const existing = candidates.length
    ? await tx
        .selectFrom('person')
        .select(['id', 'version', 'status', ...tracked, 'id_number_bidx'])
        .where(
          'id_number_bidx',
          'in',
          candidates.map((r) => r.bidx),
        )
        .execute()
    : []
  // Who each ID number is: the people already registered, then those this batch inserts.
  const known = new Map<string, { id: number }>(existing.map((e) => [e.id_number_bidx, e]))
  // Registered in an area the importer cannot see: reported, never overwritten.
  const taken = await idsTaken(
    tx,
    candidates.filter((r) => !known.has(r.bidx)).map((r) => r.bidx),
  )
  const rows = candidates.filter((r) => {
    if (!taken.has(r.bidx)) return true
    errors.push({
      rowNumber: r.rowNumber,
      field: 'idNumber',
      message: 'this person is registered in another area; the move must be recorded there',
      cells: batch.find((b) => b.rowNumber === r.rowNumber)!.cells,
    })
    return false
  })
  const fresh = rows.filter((r) => !known.has(r.bidx))
  const history: { id: number; action: string; changes: Record<string, unknown> }[] = []
  if (fresh.length) {
    const inserted = await tx
      .insertInto('person')
      .values(
        fresh.map((r) => ({
          area_id: r.areaId,
          district_id: r.districtId,
          name: r.name,
          ...sealIdNumber(run.cipher, r.idType, r.idNumber),
          sex: r.sex,
          birth_date: r.birthDate,
          ...sealPhone(run.cipher, r.phone),
          registered_place: r.registeredPlace,
          residence_status: r.residenceStatus,
          address: r.address,
          dwelling_id: null,
          moved_in_on: r.movedInOn,
          moved_out_on: null,
          died_on: null,
          tags: r.tags,
          merged_into_id: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .returning(['id', 'id_number_bidx'])
      .execute()
    for (const i of inserted) history.push({ id: i.id, action: 'import', changes: {} })
    for (const i of inserted) known.set(i.id_number_bidx, { id: i.id })
    delta.inserted += inserted.length
  }
  for (const r of rows) {
    const before = existing.find((e) => e.id_number_bidx === r.bidx)
    if (!before) continue
    const next = {
      name: r.name,
      id_type: r.idType,
      sex: r.sex,
      birth_date: r.birthDate,
      phone_bidx: r.phone ? run.cipher.blindIndex('phone', r.phone) : null,
      registered_place: r.registeredPlace,
      residence_status: r.residenceStatus,
      address: r.address,
      moved_in_on: r.movedInOn,
      tags: r.tags,
      area_id: r.areaId,
    }
    const changes: Record<string, { from: unknown; to: unknown }> = {}
    for (const f of tracked) {
      const a = (before as Record<string, unknown>)[f] ?? null
      const b = (next as Record<string, unknown>)[f] ?? null
      if (JSON.stringify(a) !== JSON.stringify(b))
        changes[f === 'phone_bidx' ? 'phone_masked' : f] =
          f === 'phone_bidx'
            ? { from: '(changed)', to: r.phone ? `${r.phone.slice(0, 3)}****${r.phone.slice(-4)}` : null }
            : { from: a, to: b }
    }
    if (Object.keys(changes).length === 0) {
      delta.unchanged++
      continue
    }
    const { phone_bidx: _phone, ...plain } = next
    await tx
      .updateTable('person')
      .set({
        ...plain,
        ...(changes.phone_masked ? sealPhone(run.cipher, r.phone) : {}),
        district_id: r.districtId,
        version: before.version + 1,
        updated_at: now,
      })
      .where('id', '=', before.id)
      .execute()
    history.push({ id: before.id, action: 'import_update', changes })
    delta.updated++
  }
  await linkHouseholds(tx, rows, known, now)
  if (history.length) {
    await sql`
      insert into registry_history (entity, entity_id, area_id, at, actor_id, actor_name, action, reason, changes, snapshot)
      select 'person', p.id, p.area_id, ${now}, ${run.ctx?.actor?.userId ?? null}, ${run.ctx?.actor?.displayName ?? 'cli'}, h.action, ${`import #${run.jobId}`}, h.changes, to_jsonb(p)
      from unnest(${history.map((h) => h.id)}::bigint[], ${history.map((h) => h.action)}::text[], ${history.map((h) => JSON.stringify(h.changes))}::jsonb[]) as h(id, action, changes)
      join person p on p.id = h.id`.execute(tx)
  }
  if (errors.length) {
    await tx
      .insertInto('import_row_error')
      .values(
        errors.map((e) => ({
          job_id: run.jobId,
          row_number: e.rowNumber,
          field: e.field,
          message: e.message,
          row_enc: run.cipher.encrypt(JSON.stringify(e.cells)),
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute()
  }
  delta.failed += errors.length
  await tx
    .updateTable('import_job')
    .set({
      bytes_read: Math.min(progress.bytesRead, progress.totalBytes),
      processed: progress.processed + delta.processed,
      inserted: progress.inserted + delta.inserted,
      updated: progress.updated + delta.updated,
      unchanged: progress.unchanged + delta.unchanged,
      failed: progress.failed + delta.failed,
    })
    .where('id', '=', run.jobId)
    .execute()
  await recordAudit(tx, run.ctx ?? { actor: null, ip: 'cli' }, {
    action: 'person.import',
    entityType: 'import_job',
    entityId: run.jobId,
    areaId: jobArea.area_id,
    detail: { rows: batch.length, inserted: fresh.length, history: history.length, failed: errors.length },
  })
  return delta
}

async function linkHouseholds(
  tx: Tx,
  rows: (ParsedRow & { areaId: number; districtId: number; bidx: string })[],
  ids: Map<string, { id: number }>,
  now: Date,
) {
  const withHousehold = rows.filter((r) => r.householdCode)
  if (withHousehold.length === 0) return
  const codes = [...new Set(withHousehold.map((r) => r.householdCode!))]
  const first = new Map(withHousehold.map((r) => [r.householdCode!, r]))
  await tx
    .insertInto('household')
    .values(
      codes.map((code) => ({
        code,
        area_id: first.get(code)!.areaId,
        district_id: first.get(code)!.districtId,
        address: first.get(code)!.address,
        dwelling_id: null,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.column('code').doNothing())
    .execute()
  const households = await tx
    .selectFrom('household')
    .select(['id', 'code', 'area_id'])
    .where('code', 'in', codes)
    .execute()
  const byCode = new Map(households.map((h) => [h.code, h]))
  const members = withHousehold
    .filter((r) => byCode.has(r.householdCode!) && ids.get(r.bidx))
    .map((r) => ({
      household_id: byCode.get(r.householdCode!)!.id,
      person_id: ids.get(r.bidx)!.id,
      area_id: byCode.get(r.householdCode!)!.area_id,
      relation: r.relation ?? 'other',
      joined_on: null,
    }))
  if (members.length) {
    await tx
      .insertInto('household_member')
      .values(members)
      .onConflict((oc) =>
        oc.column('person_id').doUpdateSet((eb) => ({
          household_id: eb.ref('excluded.household_id'),
          relation: eb.ref('excluded.relation'),
          area_id: eb.ref('excluded.area_id'),
        })),
      )
      .execute()
  }
}

// ── Jobs ──────────────────────────────────────────────────────────────────────────────────────

const mappingSchema = { type: 'object', additionalProperties: { type: 'string' } } as const

export const importJobSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  kind: { type: 'string' },
  fileName: { type: 'string' },
  format: { type: 'string', enum: ['csv', 'xlsx'] },
  encoding: { type: 'string' },
  headers: { ...strings, description: 'The file’s column headings' },
  mapping: { ...mappingSchema, type: ['object', 'null'], description: 'Heading → field, once started' },
  suggestedMapping: { ...mappingSchema, description: 'Heading → field, guessed from the headings' },
  fields: strings,
  requiredFields: strings,
  status: { type: 'string', enum: ['pending', 'running', 'done', 'failed'] },
  byteSize: { type: 'integer' },
  bytesRead: { type: 'integer', description: 'Bytes of the file read so far: the progress scale' },
  processed: { type: 'integer' },
  inserted: { type: 'integer' },
  updated: { type: 'integer' },
  unchanged: { type: 'integer' },
  failed: { type: 'integer' },
  error: nullable('string'),
  createdAt: timestamp,
  startedAt: timestampOrNull,
  finishedAt: timestampOrNull,
})
export type ImportJobView = Output<typeof importJobSchema>

const jobColumns = [
  'id',
  'area_id',
  'kind',
  'file_name',
  'format',
  'encoding',
  'headers',
  'mapping',
  'status',
  'byte_size',
  'bytes_read',
  'processed',
  'inserted',
  'updated',
  'unchanged',
  'failed',
  'error',
  'created_at',
  'started_at',
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
  mapping: Record<string, string> | null
  status: 'pending' | 'running' | 'done' | 'failed'
  byte_size: number
  bytes_read: number
  processed: number
  inserted: number
  updated: number
  unchanged: number
  failed: number
  error: string | null
  created_at: Date
  started_at: Date | null
  finished_at: Date | null
}

function presentJob(j: JobRow): ImportJobView {
  return {
    id: j.id,
    areaId: j.area_id,
    kind: j.kind,
    fileName: j.file_name,
    format: j.format,
    encoding: j.encoding,
    headers: j.headers,
    mapping: j.mapping,
    suggestedMapping: suggestMapping(j.headers),
    fields: [...importFields],
    requiredFields,
    status: j.status,
    byteSize: j.byte_size,
    bytesRead: j.status === 'done' ? j.byte_size : j.bytes_read,
    processed: j.processed,
    inserted: j.inserted,
    updated: j.updated,
    unchanged: j.unchanged,
    failed: j.failed,
    error: j.error,
    createdAt: iso(j.created_at),
    startedAt: isoOrNull(j.started_at),
    finishedAt: isoOrNull(j.finished_at),
  }
}

/** The first row of the file, read without keeping the rest. */
export async function headersOf(
  data: Buffer,
  format: FileFormat,
  encoding: (typeof encodings)[number],
): Promise<string[]> {
  try {
    const rows = readRows(Readable.from([data]), format, encoding)
    const first = await rows.next()
    await rows.return(undefined)
    if (first.done || first.value.every((c) => c === ''))
      throw new AppError('IMPORT_FILE_UNREADABLE', 'the file has no heading row', 'file')
    return first.value
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError(
      'IMPORT_FILE_UNREADABLE',
      `the file cannot be read as ${format.toUpperCase()}: ${(err as Error).message}`,
      'file',
    )
  }
}

export interface FileHead {
  format: FileFormat
  encoding: (typeof encodings)[number]
  headers: string[]
}

/**
 * An uploaded file's format (by its first bytes), text encoding (the one asked for, 'gbk' read as
 * GB18030, else detected; XLSX is always UTF-8) and heading row; IMPORT_FILE_UNREADABLE naming
 * `file` when empty or unreadable. No database: callers run it before opening a transaction.
 */
export async function inspectFile(data: Buffer, requested?: (typeof encodings)[number] | 'gbk'): Promise<FileHead> {
  if (data.length === 0) throw new AppError('IMPORT_FILE_UNREADABLE', 'the file is empty', 'file')
  const format = formatOf(data)
  const encoding =
    format === 'xlsx'
      ? 'utf-8'
      : requested
        ? requested === 'gbk'
          ? 'gb18030'
          : requested
        : detectEncoding(data.subarray(0, 65536))
  return { format, encoding, headers: await headersOf(data, format, encoding) }
}

/** An upload's query: the file itself is the request body. */
export const newImportQuery = {
  type: 'object',
  required: ['areaId', 'fileName'],
  additionalProperties: false,
  properties: { areaId: id, fileName: text(200), encoding: { type: 'string', enum: [...encodings, 'gbk'] } },
} as const
export type NewImport = Input<typeof newImportQuery>

export const startImportBody = body([], {
  mapping: { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', enum: importFields } },
})

/**
 * Takes an uploaded file: checks its format and encoding, reads the headings, and keeps it
 * (encrypted: it holds ID numbers) until the import has run.
 */
export async function createImport(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  input: NewImport,
  data: Buffer,
  now: Date,
): Promise<ImportJobView> {
  const path = await areaPathOf(tx, input.areaId)
  if (ctx.actor && !holds(ctx.actor, importRoles, path))
    throw new AppError('FORBIDDEN', `importing requires one of the roles ${importRoles.join(', ')} over the area`)
  const { format, encoding, headers } = await inspectFile(data, input.encoding)
  const job = await tx
    .insertInto('import_job')
    .values({
      area_id: input.areaId,
      kind: 'people',
      file_name: input.fileName,
      format,
      encoding,
      headers: JSON.stringify(headers),
      mapping: null,
      status: 'pending',
      file_enc: cipher.encrypt(data.toString('base64')),
      byte_size: data.length,
      error: null,
      created_by: ctx.actor?.userId ?? null,
      created_at: now,
      started_at: null,
      finished_at: null,
    })
    .returning(jobColumns)
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'import.upload',
    entityType: 'import_job',
    entityId: job.id,
    areaId: input.areaId,
    detail: { fileName: input.fileName, format, encoding, bytes: data.length },
  })
  return presentJob(job)
}

export function checkMapping(mapping: Record<string, string>, headers: string[]): void {
  const used = new Set<string>()
  for (const [header, field] of Object.entries(mapping)) {
    if (!headers.includes(header)) throw invalid(`mapping.${header}`, 'is not a column of the file')
    if (!(importFields as readonly string[]).includes(field))
      throw invalid(`mapping.${header}`, `is not a known field; known: ${importFields.join(', ')}`)
    if (used.has(field)) throw invalid(`mapping.${header}`, `${field} is mapped twice`)
    used.add(field)
  }
  for (const f of requiredFields) if (!used.has(f)) throw invalid('mapping', `map a column to ${f}`)
}

export async function loadJob(tx: Tx, id: number): Promise<ImportJobView> {
  const j = await tx.selectFrom('import_job').select(jobColumns).where('id', '=', id).executeTakeFirst()
  if (!j) throw notFound('IMPORT_NOT_FOUND', `import ${id}`)
  return presentJob(j)
}

/** Marks a pending job running with its mapping; the caller then starts the run outside the transaction. */
export async function startImport(
  tx: Tx,
  ctx: RequestContext,
  id: number,
  mapping: Record<string, string> | undefined,
  now: Date,
): Promise<ImportJobView> {
  const job = await loadJob(tx, id)
  if (job.status !== 'pending')
    throw new AppError('IMPORT_NOT_PENDING', `import ${id} is ${job.status}`, null, {}, { status: job.status })
  const chosen = mapping ?? job.suggestedMapping
  checkMapping(chosen, job.headers)
  await tx
    .updateTable('import_job')
    .set({ status: 'running', mapping: JSON.stringify(chosen), started_at: now })
    .where('id', '=', id)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'import.start',
    entityType: 'import_job',
    entityId: id,
    areaId: job.areaId,
    detail: { mapping: chosen },
  })
  return loadJob(tx, id)
}

export async function listImports(tx: Tx, f: PageRequest & { areaId?: number }): Promise<Page<ImportJobView>> {
  // Device registrations share the jobs table; they are listed by the devices module.
  let q = tx.selectFrom('import_job').where('kind', '=', 'people')
  if (f.areaId !== undefined)
    q = q.where(sql<boolean>`area_id in (select id from area where path like ${`${await areaPathOf(tx, f.areaId)}%`})`)
  const rows = await q
    .select(jobColumns)
    .select(sql<number>`count(*) over ()`.as('total'))
    .orderBy('id', 'desc')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  return paginate(
    f,
    rows.map((r) => presentJob(r)),
    rows[0]?.total ?? 0,
  )
}

/**
 * Runs a started job to its end in the background of the server: reads the stored file, writes
 * batches as the user who started it, records the outcome and drops the stored file.
 */
export async function executeImportJob(
  db: Db,
  cipher: FieldCipher,
  jobId: number,
  now: () => Date,
  onProgress?: (p: ImportProgress) => void,
): Promise<ImportProgress | null> {
  const job = await asSystem(db, (tx) =>
    tx
      .selectFrom('import_job as j')
      .innerJoin('area as a', 'a.id', 'j.area_id')
      .select([
        'j.id',
        'j.status',
        'j.file_enc',
        'j.format',
        'j.encoding',
        'j.mapping',
        'j.created_by',
        'j.byte_size',
        'a.path',
      ])
      .where('j.id', '=', jobId)
      .executeTakeFirst(),
  )
  if (job?.status !== 'running' || !job.file_enc) return null
  const data = Buffer.from(cipher.decrypt(job.file_enc), 'base64')
  const actor = job.created_by ? await actorForUser(db, job.created_by) : null
  try {
    if (job.created_by && !actor) throw new Error('the user who started the import is no longer active')
    const result = await runPeopleImport({
      db,
      cipher,
      jobId,
      ctx: actor ? { actor, ip: 'import' } : null,
      areaPath: job.path,
      source: Readable.from([data]),
      totalBytes: job.byte_size,
      format: job.format,
      encoding: job.encoding as (typeof encodings)[number],
      mapping: job.mapping ?? {},
      now,
      ...(onProgress ? { onProgress } : {}),
    })
    await finishJob(db, jobId, 'done', null, now())
    return result
  } catch (err) {
    await finishJob(db, jobId, 'failed', (err as Error).message, now())
    throw err
  }
}

/** Jobs a previous server process left running (uploads through the API: their file is still stored). */
export async function interruptedImports(db: Db): Promise<number[]> {
  const rows = await asSystem(db, (tx) =>
    tx
      .selectFrom('import_job')
      .select('id')
      .where('status', '=', 'running')
      .where('file_enc', 'is not', null)
      .orderBy('id')
      .execute(),
  )
  return rows.map((r) => r.id)
}

async function finishJob(db: Db, id: number, status: 'done' | 'failed', error: string | null, at: Date) {
  await asSystem(db, (tx) =>
    tx.updateTable('import_job').set({ status, error, finished_at: at, file_enc: null }).where('id', '=', id).execute(),
  )
}

/**
 * Starts importing a file on the server's own disk (the CLI on the same machine), streamed without
 * loading it whole; returns the job at once and the run's promise.
 */
export async function startLocalImport(
  db: Db,
  cipher: FieldCipher,
  input: {
    file: string
    areaCode: string
    encoding?: (typeof encodings)[number] | 'gbk'
    mapping?: Record<string, string>
  },
  now: () => Date,
  onProgress?: (p: ImportProgress) => void,
): Promise<{ jobId: number; totalBytes: number; done: Promise<ImportProgress> }> {
  let totalBytes: number
  try {
    totalBytes = statSync(input.file).size
  } catch {
    throw new AppError('IMPORT_FILE_UNREADABLE', `cannot read ${input.file}`, 'file')
  }
  if (totalBytes === 0) throw new AppError('IMPORT_FILE_UNREADABLE', 'the file is empty', 'file')
  const head = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    createReadStream(input.file, { start: 0, end: 65535 })
      .on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject)
  })
  const format = formatOf(head)
  const encoding =
    format === 'xlsx'
      ? 'utf-8'
      : input.encoding
        ? input.encoding === 'gbk'
          ? 'gb18030'
          : input.encoding
        : detectEncoding(head)
  const headers = format === 'csv' ? await headersOf(head, format, encoding) : await headersOfStream(input.file)
  const mapping = input.mapping ?? suggestMapping(headers)
  checkMapping(mapping, headers)
  const area = await asSystem(db, (tx) =>
    tx
      .selectFrom('area')
      .select(['id', 'path', 'level'])
      .where('code', '=', input.areaCode)
      .where('retired_at', 'is', null)
      .executeTakeFirst(),
  )
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${input.areaCode}`, 'area')
  const job = await asSystem(db, async (tx) => {
    const j = await tx
      .insertInto('import_job')
      .values({
        area_id: area.id,
        kind: 'people',
        file_name: input.file.split('/').pop()!,
        format,
        encoding,
        headers: JSON.stringify(headers),
        mapping: JSON.stringify(mapping),
        status: 'running',
        file_enc: null,
        byte_size: totalBytes,
        error: null,
        created_by: null,
        created_at: now(),
        started_at: now(),
        finished_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(
      tx,
      { actor: null, ip: 'cli' },
      {
        action: 'import.start',
        entityType: 'import_job',
        entityId: j.id,
        areaId: area.id,
        detail: { file: input.file, mapping },
      },
    )
    return j
  })
  const done = (async () => {
    try {
      const result = await runPeopleImport({
        db,
        cipher,
        jobId: job.id,
        ctx: null,
        areaPath: area.path,
        source: createReadStream(input.file),
        totalBytes,
        format,
        encoding,
        mapping,
        now,
        ...(onProgress ? { onProgress } : {}),
      })
      await finishJob(db, job.id, 'done', null, now())
      return result
    } catch (err) {
      await finishJob(db, job.id, 'failed', (err as Error).message, now())
      throw err
    }
  })()
  return { jobId: job.id, totalBytes, done }
}

async function headersOfStream(file: string): Promise<string[]> {
  const rows = readRows(createReadStream(file), 'xlsx', 'utf-8')
  const first = await rows.next()
  await rows.return(undefined)
  if (first.done) throw new AppError('IMPORT_FILE_UNREADABLE', 'the workbook has no rows', 'file')
  return first.value
}

/**
 * The rejected rows as CSV: their row number, the field and reason, then the original cells, so
 * the file can be corrected and imported again. It carries personal data: the download is audited
 * and the file says who exported it.
 */
export async function errorReport(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  id: number,
  now: Date,
): Promise<string> {
  const job = await loadJob(tx, id)
  const rows = await tx
    .selectFrom('import_row_error')
    .select(['row_number', 'field', 'message', 'row_enc'])
    .where('job_id', '=', id)
    .orderBy('row_number')
    .execute()
  await recordAudit(tx, ctx, {
    action: 'import.error_report',
    entityType: 'import_job',
    entityId: id,
    areaId: job.areaId,
    detail: { rows: rows.length },
  })
  const who = ctx.actor?.username ?? 'cli'
  const head = `# Grassroots import #${id} error report, exported by ${who} at ${now.toISOString()}; contains personal data\n`
  const body = stringifyCsv([
    ['row', 'field', 'error', ...job.headers],
    ...rows.map((r) => [
      r.row_number,
      r.field ?? '',
      r.message,
      ...(JSON.parse(cipher.decrypt(r.row_enc)) as string[]),
    ]),
  ])
  return head + body
}
