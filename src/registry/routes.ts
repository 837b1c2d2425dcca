import { stringify as stringifyCsv } from 'csv-stringify/sync'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { recordAudit } from '../audit/service.js'
import { cipherFor } from '../core/crypto.js'
import { AppError } from '../core/errors.js'
import { errorResponses, idParams } from '../core/http.js'
import { idempotencyHeaders, idempotent, sendReply } from '../core/idempotency.js'
import { pageQuerySchema, pageSchema, type PageRequest } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { sha256Hex } from '../core/privacy.js'
import { asSystem, inScope, requireActor, type RequestContext } from '../core/scope.js'
import { apiKeyIdentity } from '../open311/keys.js'
import { careRules, carePeople, recordVisit, setCareRule, visitsOf, type NewVisit } from './care.js'
import { createGrant, entities, listGrants, readShared, revokeGrant, shareableFields, type NewGrant } from './grants.js'
import { idTypes } from './identity.js'
import {
  createImport,
  encodings,
  errorReport,
  executeImportJob,
  importFields,
  listImports,
  loadJob,
  startImport,
} from './import.js'
import {
  negativeList,
  openFields,
  openPlaces,
  populationBreakdowns,
  populationStats,
  type PopulationBreakdown,
} from './opendata.js'
import {
  careTags,
  createPerson,
  lifeEvents,
  markDistinct,
  mergePerson,
  personCard,
  personFieldClass,
  personHistory,
  personStatuses,
  recordLifeEvent,
  residenceStatuses,
  revealableFields,
  revealPerson,
  searchPeople,
  sexes,
  suspectedDuplicates,
  updatePerson,
  type LifeEvent,
  type NewPerson,
  type PersonPatch,
  type PersonSearch,
} from './people.js'
import {
  addDwelling,
  addHouseholdMember,
  buildingDetail,
  buildingKinds,
  createBuilding,
  createHousehold,
  createOrganisation,
  createPlace,
  householdDetail,
  linkPersonToOrganisation,
  listBuildings,
  listHouseholds,
  listOrganisations,
  listPlaces,
  organisationDetail,
  organisationKinds,
  organisationRoles,
  placeDetail,
  placeKinds,
  relations,
  removeHouseholdMember,
  type NewBuilding,
  type NewOrganisation,
  type NewPlace,
} from './places.js'
import { exportRoles, type Entity } from './records.js'

const tags = ['registry']
const obj = { type: 'object', additionalProperties: true } as const
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const
const id = { type: 'integer', minimum: 1, maximum: 2147483647 } as const
const point = {
  type: 'object',
  required: ['lng', 'lat'],
  additionalProperties: false,
  properties: {
    lng: { type: 'number', minimum: -180, maximum: 180 },
    lat: { type: 'number', minimum: -90, maximum: 90 },
  },
} as const
const reason = text(500)
const purpose = { type: 'string', minLength: 4, maxLength: 500 } as const
const listQuery = (extra: Record<string, unknown> = {}) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { ...pageQuerySchema, areaId: id, q: { type: 'string', maxLength: 100 }, ...extra },
  }) as const
const body = (required: string[], properties: Record<string, unknown>) =>
  ({ type: 'object', required, additionalProperties: false, properties }) as const
const created = (reply: FastifyReply, result: { status: number; body: unknown }) => sendReply(reply as never, result)
const key = (req: { headers: Record<string, unknown> }) => req.headers['idempotency-key'] as string | undefined

const personBody = {
  areaId: id,
  dwellingId: id,
  name: text(100),
  idType: { type: 'string', enum: idTypes },
  idNumber: { type: 'string', minLength: 5, maxLength: 40 },
  sex: { type: 'string', enum: sexes },
  birthDate: date,
  phone: { type: 'string', minLength: 5, maxLength: 30 },
  registeredPlace: text(300),
  residenceStatus: { type: 'string', enum: residenceStatuses },
  address: text(300),
  movedInOn: date,
  tags: { type: 'array', maxItems: 10, items: { type: 'string', enum: careTags } },
  reason,
}

export async function registryRoutes(app: FastifyInstance, { database, clock, config }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)
  const scoped = <T>(ctx: RequestContext, fn: Parameters<typeof inScope<T>>[2]) => inScope(db, ctx, fn)

  // ── People ──────────────────────────────────────────────────────────────────────────────────
  app.post('/api/v1/people', {
    schema: {
      tags,
      summary:
        'Register a person (resident ID checked by its GB 11643 check digit; ID number and phone encrypted, answered masked)',
      headers: idempotencyHeaders,
      body: body(['name', 'idNumber', 'residenceStatus'], personBody),
      response: { 201: obj, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      const input = req.body as NewPerson
      requireActor(req.ctx)
      return created(
        reply,
        await scoped(req.ctx, (tx) =>
          idempotent(tx, req.ctx, key(req), input, async () => ({
            status: 201,
            body: await createPerson(tx, req.ctx, cipher, input, clock.now()),
          })),
        ),
      )
    },
  })

  app.post('/api/v1/people/search', {
    schema: {
      tags,
      summary:
        'Find people in the caller’s areas; the query travels in the body so ID numbers and phones never appear in URLs',
      body: body([], {
        q: text(100),
        name: text(100),
        idNumber: { type: 'string', minLength: 5, maxLength: 40 },
        phone: { type: 'string', minLength: 5, maxLength: 30 },
        address: text(100),
        tags: { type: 'array', maxItems: 10, items: { type: 'string', enum: careTags } },
        areaId: id,
        residenceStatus: { type: 'string', enum: residenceStatuses },
        status: { type: 'array', maxItems: 4, items: { type: 'string', enum: personStatuses } },
        ageFrom: { type: 'integer', minimum: 0, maximum: 150 },
        ageTo: { type: 'integer', minimum: 0, maximum: 150 },
        page: pageQuerySchema.page,
        pageSize: pageQuerySchema.pageSize,
      }),
      response: { 200: pageSchema(obj), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const f = req.body as PersonSearch
      return scoped(req.ctx, (tx) =>
        searchPeople(tx, req.ctx, cipher, { ...f, page: f.page ?? 1, pageSize: f.pageSize ?? 50 }, clock.now()),
      )
    },
  })

  app.get('/api/v1/people/duplicates', {
    schema: {
      tags,
      summary: 'Suspected duplicates (same name and birth date, or same phone) for review',
      querystring: listQuery(),
      response: { 200: pageSchema(obj), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const q = req.query as PageRequest & { areaId?: number }
      return scoped(req.ctx, (tx) => suspectedDuplicates(tx, req.ctx, q.areaId, q))
    },
  })

  app.post('/api/v1/people/duplicates/dismiss', {
    schema: {
      tags,
      summary: 'Judge a suspected pair to be two different people',
      body: body(['personA', 'personB'], { personA: id, personB: id }),
      response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const b = req.body as { personA: number; personB: number }
      await scoped(req.ctx, (tx) => markDistinct(tx, req.ctx, [b.personA, b.personB], clock.now()))
      return reply.code(204).send()
    },
  })

  app.get('/api/v1/people/export', {
    schema: {
      tags,
      summary: 'People of an area as CSV (masked); the export is audited and names who made it',
      querystring: {
        type: 'object',
        required: ['areaId'],
        additionalProperties: false,
        properties: {
          areaId: id,
          tags: { type: 'array', maxItems: 10, items: { type: 'string', enum: careTags } },
          status: { type: 'array', maxItems: 4, items: { type: 'string', enum: personStatuses } },
        },
      },
      response: { 200: { type: 'string' }, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      const actor = requireActor(req.ctx)
      const q = req.query as { areaId: number; tags?: string[]; status?: (typeof personStatuses)[number][] }
      const csv = await scoped(req.ctx, async (tx) => {
        const area = await tx.selectFrom('area').select(['path']).where('id', '=', q.areaId).executeTakeFirst()
        if (!area) throw new AppError('AREA_NOT_FOUND', `area ${q.areaId} not found`, 'areaId')
        if (!actor.grants.some((g) => exportRoles.includes(g.role) && area.path.startsWith(g.path)))
          throw new AppError('FORBIDDEN', `exporting requires one of the roles ${exportRoles.join(', ')} over the area`)
        const rows: unknown[][] = []
        for (let page = 1; ; page++) {
          const p = await searchPeople(
            tx,
            req.ctx,
            cipher,
            {
              areaId: q.areaId,
              ...(q.tags ? { tags: q.tags } : {}),
              ...(q.status ? { status: q.status } : {}),
              page,
              pageSize: 500,
            },
            clock.now(),
          )
          for (const r of p.items)
            rows.push([
              r.id,
              r.name,
              r.idType,
              r.idNumber,
              r.sex,
              r.birthDate,
              r.phone,
              r.residenceStatus,
              r.address,
              r.areaCode,
              r.tags.join(';'),
              r.status,
            ])
          if (page * 500 >= p.total) break
        }
        await recordAudit(tx, req.ctx, {
          action: 'person.export',
          entityType: 'person',
          areaId: q.areaId,
          detail: { rows: rows.length, masked: true },
        })
        return (
          `# Grassroots export of people, made by ${actor.username} at ${clock.now().toISOString()}; personal data, masked\n` +
          stringifyCsv([
            [
              'id',
              'name',
              'idType',
              'idNumber',
              'sex',
              'birthDate',
              'phone',
              'residenceStatus',
              'address',
              'areaCode',
              'tags',
              'status',
            ],
            ...rows,
          ])
        )
      })
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="people-${q.areaId}.csv"`)
        .send(csv)
    },
  })

  app.get('/api/v1/people/:id', {
    schema: {
      tags,
      summary: 'A person’s card, masked; with asOf=YYYY-MM-DD as the record stood on that day',
      params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { asOf: date } },
      response: { 200: obj, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        personCard(tx, req.ctx, (req.params as { id: number }).id, (req.query as { asOf?: string }).asOf, clock.now()),
      )
    },
  })

  app.patch('/api/v1/people/:id', {
    schema: {
      tags,
      summary: 'Change a person’s details (with the version read and a reason; kept in the history)',
      params: idParams,
      body: body(['version', 'reason'], {
        version: { type: 'integer', minimum: 1 },
        reason,
        name: text(100),
        sex: { type: 'string', enum: sexes },
        birthDate: date,
        phone: { type: ['string', 'null'], minLength: 5, maxLength: 30 },
        registeredPlace: { type: ['string', 'null'], maxLength: 300 },
        residenceStatus: { type: 'string', enum: residenceStatuses },
        address: { type: ['string', 'null'], maxLength: 300 },
        dwellingId: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647 },
        areaId: id,
        tags: { type: 'array', maxItems: 10, items: { type: 'string', enum: careTags } },
      }),
      response: { 200: obj, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        updatePerson(tx, req.ctx, cipher, (req.params as { id: number }).id, req.body as PersonPatch, clock.now()),
      )
    },
  })

  app.post('/api/v1/people/:id/events', {
    schema: {
      tags,
      summary:
        'Record a life event: move in, move out (floating-population registration and cancellation), address change, death, ID correction',
      params: idParams,
      body: body(['kind', 'on', 'reason', 'version'], {
        kind: { type: 'string', enum: lifeEvents },
        on: date,
        reason,
        version: { type: 'integer', minimum: 1 },
        areaId: id,
        dwellingId: id,
        address: text(300),
        residenceStatus: { type: 'string', enum: residenceStatuses },
        idType: { type: 'string', enum: idTypes },
        idNumber: { type: 'string', minLength: 5, maxLength: 40 },
      }),
      response: { 200: obj, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        recordLifeEvent(tx, req.ctx, cipher, (req.params as { id: number }).id, req.body as LifeEvent, clock.now()),
      )
    },
  })

  app.get('/api/v1/people/:id/history', {
    schema: {
      tags,
      summary:
        'Every change of a person (and of records merged into them): who, when, why, old and new values (sensitive ones masked)',
      params: idParams,
      response: { 200: obj, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => personHistory(tx, (req.params as { id: number }).id))
    },
  })

  app.post('/api/v1/people/:id/reveal', {
    schema: {
      tags,
      summary: 'Show the ID number and/or phone in clear, for a stated purpose; written to the audit trail',
      params: idParams,
      body: body(['fields', 'purpose'], {
        fields: {
          type: 'array',
          minItems: 1,
          maxItems: 2,
          uniqueItems: true,
          items: { type: 'string', enum: revealableFields },
        },
        purpose,
        asOf: date,
      }),
      response: { 200: obj, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const b = req.body as { fields: (typeof revealableFields)[number][]; purpose: string; asOf?: string }
      const out = await scoped(req.ctx, (tx) =>
        revealPerson(tx, req.ctx, cipher, (req.params as { id: number }).id, b.fields, b.purpose, b.asOf, clock.now()),
      )
      return reply.header('cache-control', 'no-store').send(out)
    },
  })

  app.post('/api/v1/people/:id/merge', {
    schema: {
      tags,
      summary: 'Merge this (duplicate) person into another: links, visits and history follow the surviving record',
      params: idParams,
      body: body(['intoId', 'reason'], { intoId: id, reason }),
      response: { 200: obj, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      const b = req.body as { intoId: number; reason: string }
      return scoped(req.ctx, (tx) =>
        mergePerson(tx, req.ctx, (req.params as { id: number }).id, b.intoId, b.reason, clock.now()),
      )
    },
  })

  app.get('/api/v1/people/:id/visits', {
    schema: {
      tags,
      summary: 'Care visits to a person',
      params: idParams,
      response: { 200: obj, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => visitsOf(tx, (req.params as { id: number }).id))
    },
  })

  // ── Households, buildings, organisations, places ──────────────────────────────────────────
  app.post('/api/v1/households', {
    schema: {
      tags,
      summary: 'Register a household (户)',
      headers: idempotencyHeaders,
      body: body(['code'], {
        code: { type: 'string', pattern: '^[A-Za-z0-9-]{1,40}$' },
        areaId: id,
        dwellingId: id,
        address: text(300),
      }),
      response: { 201: obj, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const b = req.body as { code: string; areaId?: number; dwellingId?: number; address?: string }
      return created(
        reply,
        await scoped(req.ctx, (tx) =>
          idempotent(tx, req.ctx, key(req), b, async () => ({
            status: 201,
            body: await createHousehold(tx, req.ctx, b, clock.now()),
          })),
        ),
      )
    },
  })
  app.get('/api/v1/households', {
    schema: {
      tags,
      summary: 'Households in the caller’s areas',
      querystring: listQuery(),
      response: { 200: pageSchema(obj), ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => listHouseholds(tx, req.query as PageRequest & { areaId?: number; q?: string }))
    },
  })
  app.get('/api/v1/households/:id', {
    schema: {
      tags,
      summary: 'A household with its members (masked)',
      params: idParams,
      response: { 200: obj, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => householdDetail(tx, (req.params as { id: number }).id))
    },
  })
  app.post('/api/v1/households/:id/members', {
    schema: {
      tags,
      summary: 'Add a person to a household with their relation to its head',
      params: idParams,
      body: body(['personId', 'relation'], {
        personId: id,
        relation: { type: 'string', enum: relations },
        joinedOn: date,
      }),
      response: { 200: obj, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        addHouseholdMember(tx, req.ctx, (req.params as { id: number }).id, req.body as never, clock.now()),
      )
    },
  })
  app.delete('/api/v1/households/:id/members/:personId', {
    schema: {
      tags,
      summary: 'Remove a person from a household',
      params: {
        type: 'object',
        required: ['id', 'personId'],
        additionalProperties: false,
        properties: { id, personId: id },
      },
      querystring: { type: 'object', additionalProperties: false, properties: { reason } },
      response: { 200: obj, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      const p = req.params as { id: number; personId: number }
      return scoped(req.ctx, (tx) =>
        removeHouseholdMember(tx, req.ctx, p.id, p.personId, (req.query as { reason?: string }).reason, clock.now()),
      )
    },
  })

  app.post('/api/v1/buildings', {
    schema: {
      tags,
      summary: 'Register a building; it falls into its grid by its location',
      headers: idempotencyHeaders,
      body: body(['code', 'name', 'kind', 'address', 'location'], {
        code: { type: 'string', pattern: '^[A-Za-z0-9-]{1,40}$' },
        name: text(100),
        kind: { type: 'string', enum: buildingKinds },
        address: text(300),
        floors: { type: 'integer', minimum: 1, maximum: 200 },
        location: point,
      }),
      response: { 201: obj, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const b = req.body as NewBuilding
      return created(
        reply,
        await scoped(req.ctx, (tx) =>
          idempotent(tx, req.ctx, key(req), b, async () => ({
            status: 201,
            body: await createBuilding(tx, req.ctx, b, clock.now()),
          })),
        ),
      )
    },
  })
  app.get('/api/v1/buildings', {
    schema: {
      tags,
      summary: 'Buildings in the caller’s areas',
      querystring: listQuery(),
      response: { 200: pageSchema(obj), ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => listBuildings(tx, req.query as PageRequest & { areaId?: number; q?: string }))
    },
  })
  app.get('/api/v1/buildings/:id', {
    schema: {
      tags,
      summary: 'A building with its dwellings and their residents (masked)',
      params: idParams,
      response: { 200: obj, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => buildingDetail(tx, (req.params as { id: number }).id))
    },
  })
  app.post('/api/v1/buildings/:id/dwellings', {
    schema: {
      tags,
      summary: 'Add a dwelling (unit and room) to a building',
      params: idParams,
      body: body(['room'], {
        unit: { type: 'string', maxLength: 20 },
        floor: { type: 'integer', minimum: -5, maximum: 200 },
        room: text(20),
      }),
      response: { 201: obj, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      return reply
        .code(201)
        .send(
          await scoped(req.ctx, (tx) =>
            addDwelling(tx, req.ctx, (req.params as { id: number }).id, req.body as never, clock.now()),
          ),
        )
    },
  })

  app.post('/api/v1/organisations', {
    schema: {
      tags,
      summary: 'Register an enterprise or social organisation (unified social credit code checked, GB 32100)',
      headers: idempotencyHeaders,
      body: body(['kind', 'name'], {
        kind: { type: 'string', enum: organisationKinds },
        name: text(200),
        uscc: { type: 'string', minLength: 1, maxLength: 30 },
        legalRepresentative: text(100),
        address: text(300),
        location: point,
        areaId: id,
      }),
      response: { 201: obj, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const b = req.body as NewOrganisation
      return created(
        reply,
        await scoped(req.ctx, (tx) =>
          idempotent(tx, req.ctx, key(req), b, async () => ({
            status: 201,
            body: await createOrganisation(tx, req.ctx, b, clock.now()),
          })),
        ),
      )
    },
  })
  app.get('/api/v1/organisations', {
    schema: {
      tags,
      summary: 'Organisations in the caller’s areas',
      querystring: listQuery({ kind: { type: 'string', enum: organisationKinds } }),
      response: { 200: pageSchema(obj), ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        listOrganisations(tx, req.query as PageRequest & { areaId?: number; q?: string; kind?: string }),
      )
    },
  })
  app.get('/api/v1/organisations/:id', {
    schema: {
      tags,
      summary: 'An organisation with its people (masked) and places',
      params: idParams,
      response: { 200: obj, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => organisationDetail(tx, (req.params as { id: number }).id))
    },
  })
  app.post('/api/v1/organisations/:id/people', {
    schema: {
      tags,
      summary: 'Link a person to an organisation (employee, legal representative, member, volunteer, contact)',
      params: idParams,
      body: body(['personId', 'role'], { personId: id, role: { type: 'string', enum: organisationRoles } }),
      response: { 200: obj, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        linkPersonToOrganisation(tx, req.ctx, (req.params as { id: number }).id, req.body as never, clock.now()),
      )
    },
  })

  app.post('/api/v1/places', {
    schema: {
      tags,
      summary:
        'Register a place (shop, school, clinic, restaurant, construction site, …); it falls into its grid by its location',
      headers: idempotencyHeaders,
      body: body(['kind', 'name', 'address', 'location'], {
        kind: { type: 'string', enum: placeKinds },
        name: text(200),
        address: text(300),
        location: point,
        organisationId: id,
        buildingId: id,
      }),
      response: { 201: obj, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const b = req.body as NewPlace
      return created(
        reply,
        await scoped(req.ctx, (tx) =>
          idempotent(tx, req.ctx, key(req), b, async () => ({
            status: 201,
            body: await createPlace(tx, req.ctx, b, clock.now()),
          })),
        ),
      )
    },
  })
  app.get('/api/v1/places', {
    schema: {
      tags,
      summary: 'Places in the caller’s areas',
      querystring: listQuery({ kind: { type: 'string', enum: placeKinds } }),
      response: { 200: pageSchema(obj), ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        listPlaces(tx, req.query as PageRequest & { areaId?: number; q?: string; kind?: string }),
      )
    },
  })
  app.get('/api/v1/places/:id', {
    schema: { tags, summary: 'A place', params: idParams, response: { 200: obj, ...errorResponses(401, 404) } },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => placeDetail(tx, (req.params as { id: number }).id))
    },
  })

  // ── Imports ─────────────────────────────────────────────────────────────────────────────────
  const spreadsheet = [
    'text/csv',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/octet-stream',
  ]
  app.addContentTypeParser(spreadsheet, { parseAs: 'buffer', bodyLimit: 64 * 1024 * 1024 }, (_req, payload, done) =>
    done(null, payload),
  )
  const runInBackground = (jobId: number) => {
    // Outside the request: the run commits batch by batch and never holds a transaction across the file.
    executeImportJob(db, cipher, jobId, () => clock.now()).catch((err) => app.log.warn({ err, jobId }, 'import failed'))
  }
  app.post('/api/v1/imports', {
    // No route-wide bodyLimit: the spreadsheet parser above takes files up to 64 MiB, any other body keeps the 5 MiB limit (413).
    schema: {
      tags,
      summary:
        'Upload a CSV (UTF-8 or GBK) or XLSX file of people as the raw body; returns its headings and a suggested column mapping',
      headers: idempotencyHeaders,
      body: {
        content: Object.fromEntries(
          spreadsheet.map((type) => [type, { schema: { description: 'the file, as raw bytes' } }]),
        ),
      },
      querystring: {
        type: 'object',
        required: ['areaId', 'fileName'],
        additionalProperties: false,
        properties: { areaId: id, fileName: text(200), encoding: { type: 'string', enum: [...encodings, 'gbk'] } },
      },
      response: { 201: obj, ...errorResponses(401, 403, 404, 413, 415, 422) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      if (!Buffer.isBuffer(req.body))
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send the file as the request body (text/csv or the XLSX type)',
          'body',
        )
      const data = req.body
      const q = req.query as { areaId: number; fileName: string; encoding?: 'utf-8' | 'gb18030' | 'gbk' }
      return created(
        reply,
        await scoped(req.ctx, (tx) =>
          idempotent(tx, req.ctx, key(req), { ...q, file: sha256Hex(data) }, async () => ({
            status: 201,
            body: await createImport(tx, req.ctx, cipher, q, data, clock.now()),
          })),
        ),
      )
    },
  })
  app.post('/api/v1/imports/:id/start', {
    schema: {
      tags,
      summary:
        'Start a pending import with the column mapping (heading → field); it runs in the background, batch by batch',
      params: idParams,
      body: body([], {
        mapping: { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', enum: importFields } },
      }),
      response: { 202: obj, ...errorResponses(401, 404, 409) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const jobId = (req.params as { id: number }).id
      const job = await scoped(req.ctx, (tx) =>
        startImport(tx, req.ctx, jobId, (req.body as { mapping?: Record<string, string> }).mapping, clock.now()),
      )
      runInBackground(jobId)
      return reply.code(202).send(job)
    },
  })
  app.get('/api/v1/imports', {
    schema: {
      tags,
      summary: 'Imports in the caller’s areas',
      querystring: listQuery(),
      response: { 200: pageSchema(obj), ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => listImports(tx, req.query as PageRequest & { areaId?: number }))
    },
  })
  app.get('/api/v1/imports/:id', {
    schema: {
      tags,
      summary: 'An import and its progress',
      params: idParams,
      response: { 200: obj, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => loadJob(tx, (req.params as { id: number }).id))
    },
  })
  app.get('/api/v1/imports/:id/errors', {
    schema: {
      tags,
      summary: 'The rejected rows of an import as CSV (row, field, error, original cells); audited',
      params: idParams,
      response: { 200: { type: 'string' }, ...errorResponses(401, 404) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const jobId = (req.params as { id: number }).id
      const csv = await scoped(req.ctx, (tx) => errorReport(tx, req.ctx, cipher, jobId, clock.now()))
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${jobId}-errors.csv"`)
        .header('cache-control', 'no-store')
        .send(csv)
    },
  })

  // ── Data-sharing grants ─────────────────────────────────────────────────────────────────────
  app.get('/api/v1/data-grants', {
    schema: {
      tags,
      summary: 'Data-sharing grants of the caller’s areas (admins)',
      querystring: listQuery(),
      response: { 200: pageSchema(obj), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        listGrants(tx, req.ctx, req.query as PageRequest & { areaId?: number }, clock.now()),
      )
    },
  })
  app.post('/api/v1/data-grants', {
    schema: {
      tags,
      summary:
        'Grant a department or an API key access to named fields of an entity type in an area, for a purpose, until a date',
      headers: idempotencyHeaders,
      body: body(['areaId', 'entity', 'fields', 'purpose', 'expiresAt'], {
        areaId: id,
        departmentId: id,
        apiKeyId: id,
        entity: { type: 'string', enum: entities },
        fields: {
          type: 'array',
          minItems: 1,
          maxItems: 30,
          uniqueItems: true,
          items: { type: 'string', maxLength: 40 },
        },
        purpose,
        expiresAt: { type: 'string', format: 'date-time' },
      }),
      response: { 201: obj, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const b = req.body as NewGrant
      return created(
        reply,
        await scoped(req.ctx, (tx) =>
          idempotent(tx, req.ctx, key(req), b, async () => ({
            status: 201,
            body: await createGrant(tx, req.ctx, b, clock.now()),
          })),
        ),
      )
    },
  })
  app.post('/api/v1/data-grants/:id/revoke', {
    schema: {
      tags,
      summary: 'Revoke a grant at once (no body, or an empty one)',
      params: idParams,
      body: body([], {}),
      response: { 200: obj, ...errorResponses(401, 403, 404) },
    },
    preValidation: async (req) => {
      if (req.body === undefined || req.body === null) req.body = {}
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) => revokeGrant(tx, req.ctx, (req.params as { id: number }).id, clock.now()))
    },
  })
  app.get('/api/v1/shared/:entity', {
    schema: {
      tags,
      summary:
        'Read records under a data-sharing grant (a department user signed in, or an outside system with X-Api-Key); only the granted fields; every use audited',
      params: {
        type: 'object',
        required: ['entity'],
        additionalProperties: false,
        properties: { entity: { type: 'string', enum: entities } },
      },
      querystring: {
        type: 'object',
        required: ['grantId'],
        additionalProperties: false,
        properties: { ...pageQuerySchema, grantId: id },
      },
      headers: { type: 'object', properties: { 'x-api-key': { type: 'string', minLength: 1, maxLength: 200 } } },
      response: { 200: obj, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      const q = req.query as PageRequest & { grantId: number }
      const entity = (req.params as { entity: Entity }).entity
      const apiKey = req.headers['x-api-key'] as string | undefined
      let result
      if (apiKey !== undefined) {
        const identity = await apiKeyIdentity(db, apiKey, clock.now())
        if (!identity) throw new AppError('AUTH_INVALID_CREDENTIALS', 'the API key is unknown or revoked', 'X-Api-Key')
        result = await readShared(
          db,
          cipher,
          { kind: 'api_key', key: identity, ip: req.ip },
          q.grantId,
          entity,
          q,
          clock.now(),
        )
      } else {
        requireActor(req.ctx)
        result = await readShared(db, cipher, { kind: 'department', ctx: req.ctx }, q.grantId, entity, q, clock.now())
      }
      return reply.header('cache-control', 'no-store').send(result)
    },
  })

  // ── Special-care groups ─────────────────────────────────────────────────────────────────────
  app.get('/api/v1/care/people', {
    schema: {
      tags,
      summary: 'People in special-care groups with their last visit and next due date, most urgent first',
      querystring: listQuery({ tag: { type: 'string', enum: careTags }, overdueOnly: { type: 'boolean' } }),
      response: { 200: pageSchema(obj), ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        carePeople(
          tx,
          req.ctx,
          req.query as PageRequest & { areaId?: number; tag?: string; overdueOnly?: boolean },
          clock.now(),
        ),
      )
    },
  })
  app.post('/api/v1/care/visits', {
    schema: {
      tags,
      summary: 'Log a care visit (date, findings, follow-up)',
      headers: idempotencyHeaders,
      body: body(['personId', 'visitedOn', 'findings'], {
        personId: id,
        visitedOn: date,
        findings: text(4000),
        followUp: text(2000),
        needsFollowUp: { type: 'boolean' },
      }),
      response: { 201: obj, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const b = req.body as NewVisit
      return created(
        reply,
        await scoped(req.ctx, (tx) =>
          idempotent(tx, req.ctx, key(req), b, async () => ({
            status: 201,
            body: await recordVisit(tx, req.ctx, b, clock.now()),
          })),
        ),
      )
    },
  })
  app.get('/api/v1/care/rules', {
    schema: {
      tags,
      summary: 'How often each special-care group is visited',
      response: {
        200: { type: 'object', properties: { items: { type: 'array', items: obj } } },
        ...errorResponses(401),
      },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return { items: await careRules(db) }
    },
  })
  app.put('/api/v1/care/rules/:tag', {
    schema: {
      tags,
      summary: 'Set the visit interval of a special-care group (root admins)',
      params: {
        type: 'object',
        required: ['tag'],
        additionalProperties: false,
        properties: { tag: { type: 'string', enum: careTags } },
      },
      body: body(['intervalDays'], { intervalDays: { type: 'integer', minimum: 1, maximum: 366 } }),
      response: { 200: obj, ...errorResponses(401, 403) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return scoped(req.ctx, (tx) =>
        setCareRule(
          tx,
          req.ctx,
          (req.params as { tag: string }).tag,
          (req.body as { intervalDays: number }).intervalDays,
        ),
      )
    },
  })

  // ── Open data and the registry's own description ───────────────────────────────────────────
  app.get('/api/v1/registry/fields', {
    schema: {
      tags,
      summary: 'Field classification, shareable fields per entity and the open-data negative list',
      response: { 200: obj },
    },
    handler: async () => ({
      personFieldClass,
      shareableFields: Object.fromEntries(Object.entries(shareableFields).map(([e, f]) => [e, Object.keys(f)])),
      negativeList,
      openFields,
    }),
  })
  app.get('/api/v1/open-data/population', {
    schema: {
      tags: ['open-data'],
      summary: 'Population counts of an area by one breakdown; counts below 5 are suppressed',
      querystring: {
        type: 'object',
        required: ['areaId', 'by'],
        additionalProperties: false,
        properties: { areaId: id, by: { type: 'string', enum: populationBreakdowns } },
      },
      response: { 200: obj, ...errorResponses(404) },
    },
    handler: async (req) => {
      const q = req.query as { areaId: number; by: PopulationBreakdown }
      // Counts only, built by the system from allowed fields: the public may read them.
      return asSystem(db, (tx) => populationStats(tx, q.areaId, q.by, clock.now()))
    },
  })
  app.get('/api/v1/open-data/places', {
    schema: {
      tags: ['open-data'],
      summary: 'Places of an area with their open fields only (kind, name, address, location, grid), as JSON or CSV',
      querystring: {
        type: 'object',
        required: ['areaId'],
        additionalProperties: false,
        properties: {
          ...pageQuerySchema,
          areaId: id,
          kind: { type: 'string', enum: placeKinds },
          format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
        },
      },
      response: { 200: obj, ...errorResponses(404) },
    },
    handler: async (req, reply) => {
      const q = req.query as PageRequest & { areaId: number; kind?: string; format: 'json' | 'csv' }
      const page = await asSystem(db, (tx) => openPlaces(tx, q))
      if (q.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .send(
            stringifyCsv([
              ['kind', 'name', 'address', 'lng', 'lat', 'gridCode'],
              ...page.items.map((p) => [p.kind, p.name, p.address, p.location.lng, p.location.lat, p.gridCode]),
            ]),
          )
      }
      return page
    },
  })
}
