import { sql } from 'kysely'
import { AppError, notFound } from '../core/errors.js'
import type { Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, shape, text } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { recordAudit } from '../audit/service.js'
import { areaPathOf } from '../jurisdiction/service.js'

export const departmentKinds = [
  'functional',
  'street_office',
  'community_committee',
  'mediation_committee',
  'enterprise',
  'social_organisation',
] as const
export type DepartmentKind = (typeof departmentKinds)[number]

const kind = { type: 'string', enum: departmentKinds } as const
const name = text(100)

export const departmentSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  kind,
})
export type DepartmentView = Output<typeof departmentSchema>

export const departmentQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...pageQuerySchema, areaId: id, kind },
} as const
export type DepartmentFilter = Input<typeof departmentQuery>

export const newDepartmentBody = body(['areaId', 'code', 'nameZh', 'nameEn', 'kind'], {
  areaId: id,
  code: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,40}$' },
  nameZh: name,
  nameEn: name,
  kind,
})
export type NewDepartment = Input<typeof newDepartmentBody>

export const departmentPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { nameZh: name, nameEn: name, kind },
} as const
export type DepartmentPatch = Input<typeof departmentPatchBody>

const present = (r: {
  id: number
  area_id: number
  code: string
  name_zh: string
  name_en: string
  kind: DepartmentKind
}): DepartmentView => ({
  id: r.id,
  areaId: r.area_id,
  code: r.code,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  kind: r.kind,
})
const columns = ['id', 'area_id', 'code', 'name_zh', 'name_en', 'kind'] as const

export async function listDepartments(tx: Tx, f: DepartmentFilter) {
  let q = tx.selectFrom('department as d')
  if (f.kind) q = q.where('d.kind', '=', f.kind)
  if (f.areaId !== undefined) {
    const path = await areaPathOf(tx, f.areaId, 'areaId')
    q = q.where('d.area_id', 'in', tx.selectFrom('area').select('id').where('path', 'like', `${path}%`))
  }
  const total = await q.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const rows = await q
    .select(columns.map((c) => `d.${c}` as const))
    .orderBy('d.code')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  return paginate(f, rows.map(present), Number(total.n))
}

export async function getDepartment(tx: Tx, id: number): Promise<DepartmentView> {
  const r = await tx.selectFrom('department').select(columns).where('id', '=', id).executeTakeFirst()
  if (!r) throw notFound('DEPARTMENT_NOT_FOUND', `department ${id}`)
  return present(r)
}

export async function createDepartment(tx: Tx, ctx: RequestContext, input: NewDepartment): Promise<DepartmentView> {
  requireActor(ctx)
  if (!holds(ctx.actor, ['admin'], await areaPathOf(tx, input.areaId, 'areaId')))
    throw new AppError('FORBIDDEN', 'requires the admin role on this area', 'areaId')
  const r = await tx
    .insertInto('department')
    .values({ area_id: input.areaId, code: input.code, name_zh: input.nameZh, name_en: input.nameEn, kind: input.kind })
    .returning(columns)
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'department.create',
    entityType: 'department',
    entityId: r.id,
    areaId: r.area_id,
    detail: { code: r.code },
  })
  return present(r)
}

export async function updateDepartment(
  tx: Tx,
  ctx: RequestContext,
  id: number,
  patch: DepartmentPatch,
): Promise<DepartmentView> {
  requireActor(ctx)
  const d = await tx
    .selectFrom('department as d')
    .innerJoin('area as a', 'a.id', 'd.area_id')
    .select(['d.id', 'a.path', 'd.area_id'])
    .where('d.id', '=', id)
    .executeTakeFirst()
  if (!d) throw notFound('DEPARTMENT_NOT_FOUND', `department ${id}`)
  if (!holds(ctx.actor, ['admin'], d.path)) throw new AppError('FORBIDDEN', 'requires the admin role on this area')
  await tx
    .updateTable('department')
    .set({
      ...(patch.nameZh !== undefined ? { name_zh: patch.nameZh } : {}),
      ...(patch.nameEn !== undefined ? { name_en: patch.nameEn } : {}),
      ...(patch.kind !== undefined ? { kind: patch.kind } : {}),
    })
    .where('id', '=', id)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'department.update',
    entityType: 'department',
    entityId: id,
    areaId: d.area_id,
    detail: { changed: Object.keys(patch) },
  })
  return getDepartment(tx, id)
}
