import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { AppError, notFound } from '../core/errors.js'
import { errorResponses, idParams, type App, type Output } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { body, shape } from '../core/schemas.js'
import { holds, inScope, requireRootAdmin, staffRoles } from '../core/scope.js'
import type { Tx } from '../core/db.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { caseRulesBody, caseRulesSchema, readCaseRules, writeCaseRules } from './rules.js'

// Administration of what drives the loop: the working-day calendar (one for the platform, kept
// by admins of a root area) and which department answers for a category in an area.

const day = { type: 'string', format: 'date' } as const
const dayParams = { type: 'object', required: ['day'], additionalProperties: false, properties: { day } } as const
const text = { type: 'string' } as const
const named = shape({ id: { type: 'integer' }, code: text, nameZh: text, nameEn: text })

const calendarDaySchema = shape({
  day,
  kind: { type: 'string', enum: ['holiday', 'workday'] },
  nameZh: text,
  nameEn: text,
})

const calendarDayBody = body(['kind'], {
  kind: { type: 'string', enum: ['holiday', 'workday'] },
  nameZh: { type: 'string', maxLength: 50 },
  nameEn: { type: 'string', maxLength: 50 },
})

const categoryCodeParams = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { type: 'string', maxLength: 20 } },
} as const

async function leafByCode(tx: Tx, code: string) {
  const c = await tx
    .selectFrom('case_category')
    .select(['id', 'code', 'is_leaf'])
    .where('code', '=', code)
    .executeTakeFirst()
  if (!c) throw notFound('CASE_CATEGORY_NOT_FOUND', `category ${code}`, 'code')
  if (!c.is_leaf) throw new AppError('VALIDATION_FAILED', 'routing applies to leaf categories', 'code')
  return c
}

export async function catalogueRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/calendar', {
    // Holidays are public knowledge; the intake and tracking pages count working days with them.
    config: { access: 'public' },
    schema: {
      tags: ['cases'],
      summary: 'Holidays and make-up working days of a year (weekends are off unless listed as workday)',
      querystring: {
        type: 'object',
        required: ['year'],
        additionalProperties: false,
        properties: { year: { type: 'integer', minimum: 2000, maximum: 2100 } },
      },
      response: { 200: shape({ days: { type: 'array', items: calendarDaySchema } }) },
    },
    handler: async (req) => {
      const { year } = req.query
      const rows = await db
        .selectFrom('calendar_day')
        .selectAll()
        .where('day', '>=', `${year}-01-01`)
        .where('day', '<=', `${year}-12-31`)
        .orderBy('day')
        .execute()
      return {
        days: rows.map(
          (d): Output<typeof calendarDaySchema> => ({
            day: String(d.day),
            kind: d.kind,
            nameZh: d.name_zh,
            nameEn: d.name_en,
          }),
        ),
      }
    },
  })

  app.put('/api/v1/calendar/:day', {
    config: { access: ['admin'] },
    schema: {
      tags: ['cases'],
      summary: 'Mark a day as a holiday or a make-up working day',
      params: dayParams,
      body: calendarDayBody,
      response: { 200: calendarDaySchema, ...errorResponses(401, 403) },
    },
    handler: async (req) => {
      requireRootAdmin(req.ctx, 'the calendar is kept by admins of a root area')
      const { day: d } = req.params
      const b = req.body
      await inScope(db, req.ctx, async (tx) => {
        await tx
          .insertInto('calendar_day')
          .values({ day: d, kind: b.kind, name_zh: b.nameZh ?? '', name_en: b.nameEn ?? '' })
          .onConflict((oc) =>
            oc.column('day').doUpdateSet({ kind: b.kind, name_zh: b.nameZh ?? '', name_en: b.nameEn ?? '' }),
          )
          .execute()
        await recordAudit(tx, req.ctx, {
          action: 'calendar.set',
          entityType: 'calendar_day',
          entityId: d,
          detail: { kind: b.kind },
        })
      })
      return { day: d, kind: b.kind, nameZh: b.nameZh ?? '', nameEn: b.nameEn ?? '' }
    },
  })

  app.delete('/api/v1/calendar/:day', {
    config: { access: ['admin'] },
    schema: {
      tags: ['cases'],
      summary: 'Return a day to the weekday/weekend rule',
      params: dayParams,
      response: { 204: { type: 'null' }, ...errorResponses(401, 403) },
    },
    handler: async (req, reply) => {
      requireRootAdmin(req.ctx, 'the calendar is kept by admins of a root area')
      const { day: d } = req.params
      await inScope(db, req.ctx, async (tx) => {
        await tx.deleteFrom('calendar_day').where('day', '=', d).execute()
        await recordAudit(tx, req.ctx, { action: 'calendar.unset', entityType: 'calendar_day', entityId: d })
      })
      return reply.code(204).send(null)
    },
  })

  app.get('/api/v1/categories/:code/routing', {
    config: { access: staffRoles },
    schema: {
      tags: ['cases'],
      summary: 'Which department answers for a category in which area (nearest ancestor applies)',
      params: categoryCodeParams,
      response: {
        200: shape({ routing: { type: 'array', items: shape({ area: named, department: named }) } }),
        ...errorResponses(401, 403, 404),
      },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        const c = await leafByCode(tx, req.params.code)
        const rows = await tx
          .selectFrom('category_routing as r')
          .innerJoin('area as a', 'a.id', 'r.area_id')
          .innerJoin('department as d', 'd.id', 'r.department_id')
          .select([
            'a.id as area_id',
            'a.code as area_code',
            'a.name_zh as area_name_zh',
            'a.name_en as area_name_en',
            'd.id as department_id',
            'd.code as department_code',
            'd.name_zh as department_name_zh',
            'd.name_en as department_name_en',
          ])
          .where('r.category_id', '=', c.id)
          .orderBy('a.path')
          .execute()
        return {
          routing: rows.map((r) => ({
            area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
            department: {
              id: r.department_id,
              code: r.department_code,
              nameZh: r.department_name_zh,
              nameEn: r.department_name_en,
            },
          })),
        }
      }),
  })

  app.put('/api/v1/categories/:code/routing/:areaId', {
    config: { access: ['admin'] },
    schema: {
      tags: ['cases'],
      summary: 'Set the responsible department of a category for an area and everything below it',
      params: {
        type: 'object',
        required: ['code', 'areaId'],
        additionalProperties: false,
        properties: { code: { type: 'string', maxLength: 20 }, areaId: { type: 'integer', minimum: 1 } },
      },
      body: body(['departmentId'], { departmentId: { type: 'integer', minimum: 1 } }),
      response: {
        200: shape({ categoryCode: text, areaId: { type: 'integer' }, departmentId: { type: 'integer' } }),
        ...errorResponses(401, 403, 404),
      },
    },
    handler: async (req) => {
      const { code, areaId } = req.params
      const { departmentId } = req.body
      return inScope(db, req.ctx, async (tx) => {
        const c = await leafByCode(tx, code)
        if (!holds(req.ctx.actor, ['admin'], await areaPathOf(tx, areaId)))
          throw new AppError('FORBIDDEN', 'requires the admin role on this area', 'areaId')
        const dept = await tx.selectFrom('department').select('id').where('id', '=', departmentId).executeTakeFirst()
        if (!dept) throw notFound('DEPARTMENT_NOT_FOUND', `department ${departmentId}`, 'departmentId')
        await sql`insert into category_routing (category_id, area_id, department_id) values (${c.id}, ${areaId}, ${departmentId})
                  on conflict (category_id, area_id) do update set department_id = excluded.department_id`.execute(tx)
        await recordAudit(tx, req.ctx, {
          action: 'category.route',
          entityType: 'case_category',
          entityId: c.code,
          areaId,
          detail: { departmentId },
        })
        return { categoryCode: c.code, areaId, departmentId }
      })
    },
  })

  app.get('/api/v1/areas/:id/case-rules', {
    config: { access: staffRoles },
    schema: {
      tags: ['cases'],
      summary: 'The rules of the loop in an area: what it sets itself, and what is in force there',
      params: idParams,
      response: { 200: caseRulesSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => readCaseRules(tx, req.params.id)),
  })

  app.put('/api/v1/areas/:id/case-rules', {
    config: { access: ['admin'] },
    schema: {
      tags: ['cases'],
      summary: 'Set what an area decides itself (limits per urgency, return window, call-backs, shelving review)',
      description: 'Replaces the area’s own settings; unset keys come from the areas above, else the defaults.',
      params: idParams,
      body: caseRulesBody,
      response: { 200: caseRulesSchema, ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => writeCaseRules(tx, req.ctx, req.params.id, req.body, clock.now())),
  })
}
