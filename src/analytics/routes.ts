import type { FastifyInstance } from 'fastify'
import { errorResponses } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { inScope, requireRoleSomewhere, staffRoles } from '../core/scope.js'
import { caseStats, definitions, groupings, type StatsQuery } from './stats.js'

const tags = ['statistics']
const count = { type: 'integer' } as const
const rate = { type: ['number', 'null'] } as const
const when = {
  type: 'string',
  maxLength: 40,
  description:
    'ISO date (YYYY-MM-DD, midnight in the time zone of the area) or date-time (with an offset, else read in that time zone)',
} as const

const figures = {
  total: count,
  responded: count,
  respondedOnTime: count,
  responseRate: rate,
  onTimeResponseRate: rate,
  rejected: count,
  closed: count,
  resolutionRate: rate,
  rated: count,
  satisfied: count,
  basicallySatisfied: count,
  unsatisfied: count,
  satisfactionRate: rate,
  closedOnTime: count,
  onTimeClosureRate: rate,
  reworked: count,
  reworkRate: rate,
  averageHandlingHours: rate,
  open: count,
  overdue: count,
} as const

const areaRef = {
  type: 'object',
  properties: { id: count, code: { type: 'string' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } },
} as const
const nullableText = { type: ['string', 'null'] } as const

const statsResponse = {
  type: 'object',
  required: ['from', 'to', 'timezone', 'now', 'areas', 'groupBy', 'totals', 'groups', 'definitions'],
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    timezone: { type: 'string' },
    now: { type: 'string', format: 'date-time' },
    areas: { type: 'array', items: areaRef },
    filters: {
      type: 'object',
      properties: { departmentId: { type: ['integer', 'null'] }, categoryId: { type: ['integer', 'null'] } },
    },
    groupBy: { type: ['string', 'null'], enum: [...groupings, null] },
    totals: { type: 'object', properties: { ...figures, merged: count } },
    groups: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          key: { type: ['integer', 'string', 'null'] },
          code: nullableText,
          nameZh: nullableText,
          nameEn: nullableText,
          ...figures,
        },
      },
    },
    definitions: {
      type: 'object',
      properties: Object.fromEntries(Object.keys(definitions).map((k) => [k, { type: 'string' }])),
    },
  },
} as const

export async function statsRoutes(app: FastifyInstance, { database, clock }: Platform) {
  app.get('/api/v1/stats/cases', {
    schema: {
      tags,
      summary:
        'Case statistics (response, resolution and satisfaction rates, on-time rates, rework, handling time) for an area and period, optionally grouped',
      description:
        'The population is the cases submitted in [from, to) in the area subtree, without merged cases; every figure is defined in the `definitions` of the answer.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          areaId: { type: 'integer', minimum: 1, maximum: 2147483647 },
          from: when,
          to: when,
          groupBy: { type: 'string', enum: groupings },
          departmentId: { type: 'integer', minimum: 1, maximum: 2147483647 },
          categoryId: { type: 'integer', minimum: 1, maximum: 2147483647 },
        },
      },
      response: { 200: statsResponse, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, staffRoles)
      const now = clock.now()
      // Statistics tolerate a replica's lag of a second or so: they read from it when there is one.
      return inScope(database.reads, req.ctx, (tx) => caseStats(tx, req.ctx, req.query as StatsQuery, now))
    },
  })
}
