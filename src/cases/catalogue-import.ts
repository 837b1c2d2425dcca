import { AppError, notFound } from '../core/errors.js'
import type { Tx } from '../core/db.js'
import type { CategoryAttribute, CategoryKind } from './catalogue.js'
import { standardClass } from './component-classes.js'

/** One entry of a catalogue file: a group (names only) or a leaf (with time limits). */
export interface CatalogueEntry {
  code: string
  parentCode: string | null
  nameZh: string
  nameEn: string
  respondHours?: number
  handleWorkdays?: number
  photoRequired?: boolean
  attributes?: CategoryAttribute[]
  keywords?: string[]
  /** component (部件), event (事件, the default) or enquiry (咨询). */
  kind?: CategoryKind
  /** The standard class of its kind (GB/T 30428.2): a main class ('01') or a subclass ('0101'). */
  classCode?: string | null
  /** The tier a case is filed in unless staff choose another (default general). */
  defaultUrgency?: 'urgent' | 'general' | 'complex'
  /** Reports from the public are verified on site by a grid worker before filing (核实). */
  verifyBeforeFiling?: boolean
  /** Area code → code of the department responsible there (and below, unless overridden). */
  routing?: Record<string, string>
}

const DATATYPES = new Set(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'])

function check(e: CatalogueEntry, i: number): void {
  const f = `categories[${i}]`
  if (!e || typeof e.code !== 'string' || !/^[A-Z0-9-]{1,20}$/.test(e.code))
    throw new AppError('VALIDATION_FAILED', 'code must match ^[A-Z0-9-]{1,20}$', `${f}.code`)
  if (!e.nameZh || !e.nameEn) throw new AppError('VALIDATION_FAILED', 'nameZh and nameEn are required', `${f}.nameZh`)
  const leaf = e.respondHours !== undefined || e.handleWorkdays !== undefined
  if (
    leaf &&
    !(
      Number.isInteger(e.respondHours) &&
      e.respondHours! > 0 &&
      Number.isInteger(e.handleWorkdays) &&
      e.handleWorkdays! > 0
    )
  ) {
    throw new AppError(
      'VALIDATION_FAILED',
      'a leaf needs positive integer respondHours and handleWorkdays',
      `${f}.respondHours`,
    )
  }
  if (e.defaultUrgency !== undefined && !['urgent', 'general', 'complex'].includes(e.defaultUrgency))
    throw new AppError('VALIDATION_FAILED', 'defaultUrgency must be urgent, general or complex', `${f}.defaultUrgency`)
  if (e.verifyBeforeFiling !== undefined && typeof e.verifyBeforeFiling !== 'boolean')
    throw new AppError('VALIDATION_FAILED', 'verifyBeforeFiling must be true or false', `${f}.verifyBeforeFiling`)
  if (e.kind !== undefined && !['event', 'component', 'enquiry'].includes(e.kind))
    throw new AppError('VALIDATION_FAILED', 'kind must be event, component or enquiry', `${f}.kind`)
  if (e.classCode !== undefined && e.classCode !== null) {
    const kind = e.kind ?? 'event'
    if (kind === 'enquiry' || typeof e.classCode !== 'string' || !standardClass(kind, e.classCode))
      throw new AppError(
        'VALIDATION_FAILED',
        `classCode ${String(e.classCode)} is not a ${kind} class of GB/T 30428.2`,
        `${f}.classCode`,
      )
  }
  for (const [j, a] of (e.attributes ?? []).entries()) {
    if (!a || typeof a.code !== 'string' || !DATATYPES.has(a.datatype))
      throw new AppError('VALIDATION_FAILED', 'an attribute needs a code and a known datatype', `${f}.attributes[${j}]`)
    if (a.datatype.endsWith('list') && !(a.values && a.values.length >= 1))
      throw new AppError('VALIDATION_FAILED', 'a list attribute needs values', `${f}.attributes[${j}].values`)
  }
}

/**
 * Loads a category catalogue: groups before leaves in file order, upsert by code, routing by
 * area code and department code. All or nothing (it runs in the caller's transaction).
 */
export async function importCatalogue(
  tx: Tx,
  entries: CatalogueEntry[],
): Promise<{ created: number; updated: number; routes: number }> {
  entries.forEach(check)
  const ids = new Map(
    (await tx.selectFrom('case_category').select(['id', 'code']).execute()).map((c) => [c.code, c.id]),
  )
  const areas = new Map((await tx.selectFrom('area').select(['id', 'code']).execute()).map((a) => [a.code, a.id]))
  const depts = new Map((await tx.selectFrom('department').select(['id', 'code']).execute()).map((d) => [d.code, d.id]))
  let created = 0
  let updated = 0
  let routes = 0
  for (const [i, e] of entries.entries()) {
    const parentId = e.parentCode ? ids.get(e.parentCode) : null
    if (parentId === undefined)
      throw notFound('CASE_CATEGORY_NOT_FOUND', `parent category ${e.parentCode}`, `categories[${i}].parentCode`)
    const leaf = e.respondHours !== undefined
    const row = {
      parent_id: parentId,
      name_zh: e.nameZh,
      name_en: e.nameEn,
      is_leaf: leaf,
      respond_hours: e.respondHours ?? null,
      handle_workdays: e.handleWorkdays ?? null,
      photo_required: e.photoRequired ?? false,
      attributes: JSON.stringify(e.attributes ?? []),
      keywords: e.keywords ?? [],
      kind: e.kind ?? 'event',
      class_code: e.classCode ?? null,
      default_urgency: e.defaultUrgency ?? 'general',
      verify_before_filing: e.verifyBeforeFiling ?? false,
      sort: i,
    }
    const existing = ids.get(e.code)
    if (existing) {
      await tx.updateTable('case_category').set(row).where('id', '=', existing).execute()
      updated++
    } else {
      const r = await tx
        .insertInto('case_category')
        .values({ ...row, code: e.code })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids.set(e.code, r.id)
      created++
    }
    for (const [areaCode, deptCode] of Object.entries(e.routing ?? {})) {
      const areaId = areas.get(areaCode)
      if (!areaId) throw notFound('AREA_NOT_FOUND', `area ${areaCode}`, `categories[${i}].routing.${areaCode}`)
      const deptId = depts.get(deptCode)
      if (!deptId)
        throw notFound('DEPARTMENT_NOT_FOUND', `department ${deptCode}`, `categories[${i}].routing.${areaCode}`)
      await tx
        .insertInto('category_routing')
        .values({ category_id: ids.get(e.code)!, area_id: areaId, department_id: deptId })
        .onConflict((oc) => oc.columns(['category_id', 'area_id']).doUpdateSet({ department_id: deptId }))
        .execute()
      routes++
    }
  }
  return { created, updated, routes }
}
