import { sql } from 'kysely'
import { errorResponses, type App, type Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, pageSchema, paginate } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { shape } from '../core/schemas.js'
import { inScope, requireRootAdmin } from '../core/scope.js'
import { verifyAuditChain } from './service.js'

const entry = shape({
  id: { type: 'integer' },
  seq: {
    type: ['integer', 'null'],
    description: 'Place in the hash chain; null for the fraction of a second before the entry is linked',
  },
  at: { type: 'string' },
  actorId: { type: ['integer', 'null'] },
  actorName: { type: ['string', 'null'] },
  action: { type: 'string' },
  entityType: { type: ['string', 'null'] },
  entityId: { type: ['string', 'null'] },
  areaId: { type: ['integer', 'null'] },
  ip: { type: ['string', 'null'] },
  purpose: { type: ['string', 'null'] },
  detail: {
    type: 'object',
    description: 'What the action changed, as the domain recorded it (free-form by action)',
    additionalProperties: true,
  },
  hash: { type: ['string', 'null'] },
})

export async function auditRoutes(app: App, { database }: Platform) {
  const { db } = database

  app.get('/api/v1/audit', {
    config: { access: ['admin'] },
    schema: {
      tags: ['audit'],
      summary: 'Audit trail entries in the caller’s administered areas, newest first',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...pageQuerySchema,
          action: { type: 'string', maxLength: 64 },
          entityType: { type: 'string', maxLength: 64 },
          entityId: { type: 'string', maxLength: 64 },
          actorId: { type: 'integer', minimum: 1 },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
        },
      },
      response: { 200: pageSchema(entry), ...errorResponses(401, 403) },
    },
    handler: async (req) => {
      const f = req.query
      return inScope(db, req.ctx, async (tx) => {
        let q = tx.selectFrom('audit_log')
        if (f.action) q = q.where('action', '=', f.action)
        if (f.entityType) q = q.where('entity_type', '=', f.entityType)
        if (f.entityId) q = q.where('entity_id', '=', f.entityId)
        if (f.actorId) q = q.where('actor_id', '=', f.actorId)
        if (f.from) q = q.where('at', '>=', new Date(f.from))
        if (f.to) q = q.where('at', '<', new Date(f.to))
        const total = await q.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
        const rows = await q.selectAll().orderBy('id', 'desc').limit(f.pageSize).offset(offsetOf(f)).execute()
        return paginate(
          f,
          rows.map(
            (r): Output<typeof entry> => ({
              id: r.id,
              seq: r.seq,
              at: new Date(r.at).toISOString(),
              actorId: r.actor_id,
              actorName: r.actor_name,
              action: r.action,
              entityType: r.entity_type,
              entityId: r.entity_id,
              areaId: r.area_id,
              ip: r.ip,
              purpose: r.purpose,
              detail: r.detail as Record<string, unknown>,
              hash: r.hash,
            }),
          ),
          Number(total.n),
        )
      })
    },
  })

  app.get('/api/v1/audit/verify', {
    config: { access: ['admin'] },
    schema: {
      tags: ['audit'],
      summary: 'Link pending entries, then verify the whole hash chain (admins of a root area)',
      response: {
        200: shape({
          ok: { type: 'boolean' },
          entries: { type: 'integer' },
          unlinked: {
            type: 'integer',
            description: 'Entries committed after the check linked the trail, not yet verified',
          },
          firstBroken: {
            type: ['object', 'null'],
            properties: { seq: { type: 'integer' }, reason: { type: 'string' } },
          },
          head: { type: ['object', 'null'], properties: { seq: { type: 'integer' }, hash: { type: 'string' } } },
        }),
        ...errorResponses(401, 403),
      },
    },
    handler: async (req) => {
      requireRootAdmin(req.ctx, 'verifying the whole trail needs the admin role on a root area')
      return verifyAuditChain(db)
    },
  })
}
