import { stringify as stringifyCsv } from 'csv-stringify/sync'
import { cipherFor } from '../core/crypto.js'
import { AppError } from '../core/errors.js'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { body, date, id } from '../core/schemas.js'
import { sha256Hex } from '../core/privacy.js'
import { asSystem, inScope, requireActor, type RequestContext } from '../core/scope.js'
import { apiKeyIdentity } from '../open311/keys.js'
import {
  careRuleBody,
  careRuleSchema,
  carePeople,
  carePeopleQuery,
  carePersonSchema,
  careRules,
  newVisitBody,
  recordVisit,
  setCareRule,
  visitSchema,
  visitsOf,
  visitsSchema,
} from './care.js'
import {
  createGrant,
  grantSchema,
  type Grantee,
  listGrants,
  newGrantBody,
  readShared,
  revokeGrant,
  sharedPageSchema,
  sharedQuery,
} from './grants.js'
import {
  createImport,
  errorReport,
  executeImportJob,
  importJobSchema,
  listImports,
  loadJob,
  newImportQuery,
  startImport,
  startImportBody,
} from './import.js'
import {
  openPlaceSchema,
  openPlaces,
  openPlacesQuery,
  populationQuery,
  populationSchema,
  populationStats,
  registryFields,
  registryFieldsSchema,
} from './opendata.js'
import {
  careTags,
  createPerson,
  duplicatePairSchema,
  exportPeople,
  lifeEventBody,
  markDistinct,
  mergePerson,
  newPersonBody,
  peopleExportQuery,
  personCard,
  personCardSchema,
  personHistory,
  personHistorySchema,
  personListItemSchema,
  personPatchBody,
  personSchema,
  personSearchBody,
  recordLifeEvent,
  revealBody,
  revealedSchema,
  revealPerson,
  searchPeople,
  suspectedDuplicates,
  updatePerson,
} from './people.js'
import {
  addDwelling,
  addHouseholdMember,
  buildingDetail,
  buildingDetailSchema,
  buildingListItemSchema,
  buildingSchema,
  createBuilding,
  createHousehold,
  createOrganisation,
  createPlace,
  dwellingSchema,
  householdDetail,
  householdListItemSchema,
  householdSchema,
  linkPersonToOrganisation,
  listBuildings,
  listHouseholds,
  listOrganisations,
  listPlaces,
  newBuildingBody,
  newDwellingBody,
  newHouseholdBody,
  newLinkBody,
  newMemberBody,
  newOrganisationBody,
  newPlaceBody,
  organisationDetail,
  organisationDetailSchema,
  organisationKinds,
  organisationSchema,
  placeDetail,
  placeKinds,
  placeSchema,
  removeHouseholdMember,
} from './places.js'
import { entities, readerRoles, writerRoles } from './records.js'
import { listQuery, reason } from './schemas.js'

const tags = ['registry']
const csv = (description: string) => ({ content: { 'text/csv': { schema: { type: 'string', description } } } }) as const

export async function registryRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)
  const scoped = <T>(ctx: RequestContext, fn: Parameters<typeof inScope<T>>[2]) => inScope(db, ctx, fn)

  // ── People ──────────────────────────────────────────────────────────────────────────────────
  app.post('/api/v1/people', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Register a person (resident ID checked by its GB 11643 check digit; ID number and phone encrypted, answered masked)',
      headers: idempotencyHeaders,
      body: newPersonBody,
      response: { 201: personSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createPerson(tx, req.ctx, cipher, req.body, clock.now()))
    },
  })

  app.post('/api/v1/people/search', {
    config: { access: readerRoles },
    schema: {
      tags,
      summary:
        'Find people in the caller’s areas; the query travels in the body so ID numbers and phones never appear in URLs',
      body: personSearchBody,
      response: { 200: pageSchema(personListItemSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => searchPeople(tx, req.ctx, cipher, req.body, clock.now())),
  })

  app.get('/api/v1/people/duplicates', {
    config: { access: writerRoles },
    schema: {
      tags,
      summary: 'Suspected duplicates (same name and birth date, or same phone) for review',
      querystring: listQuery({}),
      response: { 200: pageSchema(duplicatePairSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => suspectedDuplicates(tx, req.query)),
  })

  app.post('/api/v1/people/duplicates/dismiss', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Judge a suspected pair to be two different people',
      body: body(['personA', 'personB'], { personA: id, personB: id }),
      response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      const { personA, personB } = req.body
      await scoped(req.ctx, (tx) => markDistinct(tx, req.ctx, [personA, personB], clock.now()))
      return reply.code(204).send(null)
    },
  })

  app.get('/api/v1/people/export', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'People of an area as CSV (masked); the export is audited and names who made it',
      querystring: peopleExportQuery,
      response: {
        200: csv('A provenance line (#), then one row per person, ID numbers and phones masked'),
        ...errorResponses(401, 403, 404),
      },
    },
    handler: async (req, reply) => {
      const file = await scoped(req.ctx, (tx) => exportPeople(tx, req.ctx, cipher, req.query, clock.now()))
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="people-${req.query.areaId}.csv"`)
        .send(file)
    },
  })

  app.get('/api/v1/people/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A person’s card, masked; with asOf=YYYY-MM-DD as the record stood on that day',
      params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { asOf: date } },
      response: { 200: personCardSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) =>
      scoped(req.ctx, (tx) => personCard(tx, req.ctx, req.params.id, req.query.asOf, clock.now())),
  })

  app.patch('/api/v1/people/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Change a person’s details (with the version read and a reason; kept in the history)',
      params: idParams,
      body: personPatchBody,
      response: { 200: personSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      scoped(req.ctx, (tx) => updatePerson(tx, req.ctx, cipher, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/people/:id/events', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Record a life event: move in, move out (floating-population registration and cancellation), address change, death, ID correction',
      params: idParams,
      body: lifeEventBody,
      response: { 200: personSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      scoped(req.ctx, (tx) => recordLifeEvent(tx, req.ctx, cipher, req.params.id, req.body, clock.now())),
  })

  app.get('/api/v1/people/:id/history', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Every change of a person (and of records merged into them): who, when, why, old and new values (sensitive ones masked)',
      params: idParams,
      response: { 200: personHistorySchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => personHistory(tx, req.params.id)),
  })

  app.post('/api/v1/people/:id/reveal', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Show the ID number and/or phone in clear, for a stated purpose; written to the audit trail',
      params: idParams,
      body: revealBody,
      response: { 200: revealedSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      const { fields, purpose, asOf } = req.body
      const revealed = await scoped(req.ctx, (tx) =>
        revealPerson(tx, req.ctx, cipher, req.params.id, fields, purpose, asOf, clock.now()),
      )
      reply.header('cache-control', 'no-store')
      return revealed
    },
  })

  app.post('/api/v1/people/:id/merge', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Merge this (duplicate) person into another: links, visits and history follow the surviving record',
      params: idParams,
      body: body(['intoId', 'reason'], { intoId: id, reason }),
      response: { 200: personSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      scoped(req.ctx, (tx) => mergePerson(tx, req.ctx, req.params.id, req.body.intoId, req.body.reason, clock.now())),
  })

  app.get('/api/v1/people/:id/visits', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Care visits to a person',
      params: idParams,
      response: { 200: visitsSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => visitsOf(tx, req.params.id)),
  })

  // ── Households, buildings, organisations, places ──────────────────────────────────────────
  app.post('/api/v1/households', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Register a household (户)',
      headers: idempotencyHeaders,
      body: newHouseholdBody,
      response: { 201: householdSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createHousehold(tx, req.ctx, req.body, clock.now()))
    },
  })
  app.get('/api/v1/households', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Households in the caller’s areas',
      querystring: listQuery({}),
      response: { 200: pageSchema(householdListItemSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => listHouseholds(tx, req.query)),
  })
  app.get('/api/v1/households/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A household with its members (masked)',
      params: idParams,
      response: { 200: householdSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => householdDetail(tx, req.params.id)),
  })
  app.post('/api/v1/households/:id/members', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Add a person to a household with their relation to its head',
      params: idParams,
      body: newMemberBody,
      response: { 200: householdSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      scoped(req.ctx, (tx) => addHouseholdMember(tx, req.ctx, req.params.id, req.body, clock.now())),
  })
  app.delete('/api/v1/households/:id/members/:personId', {
    config: { access: 'signed-in' },
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
      response: { 200: householdSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      scoped(req.ctx, (tx) =>
        removeHouseholdMember(tx, req.ctx, req.params.id, req.params.personId, req.query.reason, clock.now()),
      ),
  })

  app.post('/api/v1/buildings', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Register a building; it falls into its grid by its location',
      headers: idempotencyHeaders,
      body: newBuildingBody,
      response: { 201: buildingSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createBuilding(tx, req.ctx, req.body, clock.now()))
    },
  })
  app.get('/api/v1/buildings', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Buildings in the caller’s areas',
      querystring: listQuery({}),
      response: { 200: pageSchema(buildingListItemSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => listBuildings(tx, req.query)),
  })
  app.get('/api/v1/buildings/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A building with its dwellings and their residents (masked)',
      params: idParams,
      response: { 200: buildingDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => buildingDetail(tx, req.params.id)),
  })
  app.post('/api/v1/buildings/:id/dwellings', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Add a dwelling (unit and room) to a building',
      params: idParams,
      body: newDwellingBody,
      response: { 201: dwellingSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      const dwelling = await scoped(req.ctx, (tx) => addDwelling(tx, req.ctx, req.params.id, req.body, clock.now()))
      reply.code(201)
      return dwelling
    },
  })

  app.post('/api/v1/organisations', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Register an enterprise or social organisation (unified social credit code checked, GB 32100)',
      headers: idempotencyHeaders,
      body: newOrganisationBody,
      response: { 201: organisationSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createOrganisation(tx, req.ctx, req.body, clock.now()))
    },
  })
  app.get('/api/v1/organisations', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Organisations in the caller’s areas',
      querystring: listQuery({ kind: { type: 'string', enum: organisationKinds } }),
      response: { 200: pageSchema(organisationSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => listOrganisations(tx, req.query)),
  })
  app.get('/api/v1/organisations/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'An organisation with its people (masked) and places',
      params: idParams,
      response: { 200: organisationDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => organisationDetail(tx, req.params.id)),
  })
  app.post('/api/v1/organisations/:id/people', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Link a person to an organisation (employee, legal representative, member, volunteer, contact)',
      params: idParams,
      body: newLinkBody,
      response: { 200: organisationDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      scoped(req.ctx, (tx) => linkPersonToOrganisation(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/places', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Register a place (shop, school, clinic, restaurant, construction site, …); it falls into its grid by its location',
      headers: idempotencyHeaders,
      body: newPlaceBody,
      response: { 201: placeSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createPlace(tx, req.ctx, req.body, clock.now()))
    },
  })
  app.get('/api/v1/places', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Places in the caller’s areas',
      querystring: listQuery({ kind: { type: 'string', enum: placeKinds } }),
      response: { 200: pageSchema(placeSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => listPlaces(tx, req.query)),
  })
  app.get('/api/v1/places/:id', {
    config: { access: 'signed-in' },
    schema: { tags, summary: 'A place', params: idParams, response: { 200: placeSchema, ...errorResponses(401, 404) } },
    handler: async (req) => scoped(req.ctx, (tx) => placeDetail(tx, req.params.id)),
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
    config: { access: 'signed-in' },
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
      querystring: newImportQuery,
      response: { 201: importJobSchema, ...errorResponses(401, 403, 404, 413, 415, 422) },
    },
    handler: async (req, reply) => {
      const file = req.body
      if (!Buffer.isBuffer(file))
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send the file as the request body (text/csv or the XLSX type)',
          'body',
        )
      reply.code(201)
      // A retry is recognised by the file's hash, not by its bytes.
      return createOnce(db, req, { ...req.query, file: sha256Hex(file) }, (tx) =>
        createImport(tx, req.ctx, cipher, req.query, file, clock.now()),
      )
    },
  })
  app.post('/api/v1/imports/:id/start', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Start a pending import with the column mapping (heading → field); it runs in the background, batch by batch',
      params: idParams,
      body: startImportBody,
      response: { 202: importJobSchema, ...errorResponses(401, 404, 409) },
    },
    handler: async (req, reply) => {
      const job = await scoped(req.ctx, (tx) => startImport(tx, req.ctx, req.params.id, req.body.mapping, clock.now()))
      runInBackground(job.id)
      reply.code(202)
      return job
    },
  })
  app.get('/api/v1/imports', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Imports in the caller’s areas',
      querystring: listQuery({}),
      response: { 200: pageSchema(importJobSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => listImports(tx, req.query)),
  })
  app.get('/api/v1/imports/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'An import and its progress',
      params: idParams,
      response: { 200: importJobSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => loadJob(tx, req.params.id)),
  })
  app.get('/api/v1/imports/:id/errors', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The rejected rows of an import as CSV (row, field, error, original cells); audited',
      params: idParams,
      response: {
        200: csv('A provenance line (#), then one row per rejected row with its original cells'),
        ...errorResponses(401, 404),
      },
    },
    handler: async (req, reply) => {
      const jobId = req.params.id
      const report = await scoped(req.ctx, (tx) => errorReport(tx, req.ctx, cipher, jobId, clock.now()))
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${jobId}-errors.csv"`)
        .header('cache-control', 'no-store')
        .send(report)
    },
  })

  // ── Data-sharing grants ─────────────────────────────────────────────────────────────────────
  app.get('/api/v1/data-grants', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Data-sharing grants of the caller’s areas (admins)',
      querystring: listQuery({}),
      response: { 200: pageSchema(grantSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => listGrants(tx, req.query, clock.now())),
  })
  app.post('/api/v1/data-grants', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Grant a department or an API key access to named fields of an entity type in an area, for a purpose, until a date',
      headers: idempotencyHeaders,
      body: newGrantBody,
      response: { 201: grantSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createGrant(tx, req.ctx, req.body, clock.now()))
    },
  })
  app.post('/api/v1/data-grants/:id/revoke', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Revoke a grant at once (no body, or an empty one)',
      params: idParams,
      body: body([], {}),
      response: { 200: grantSchema, ...errorResponses(401, 403, 404) },
    },
    preValidation: async (req) => {
      if (req.body === undefined || req.body === null) req.body = {}
    },
    handler: async (req) => scoped(req.ctx, (tx) => revokeGrant(tx, req.ctx, req.params.id, clock.now())),
  })
  app.get('/api/v1/shared/:entity', {
    // Public at the door: an outside system holds no account, only its API key; without one the
    // caller must be signed in. The grant decides the rest.
    config: { access: 'public' },
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
      querystring: sharedQuery,
      headers: { type: 'object', properties: { 'x-api-key': { type: 'string', minLength: 1, maxLength: 200 } } },
      response: { 200: sharedPageSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      const apiKey = req.headers['x-api-key']
      let who: Grantee
      if (apiKey !== undefined) {
        const key = await apiKeyIdentity(db, apiKey, clock.now())
        if (!key) throw new AppError('AUTH_INVALID_CREDENTIALS', 'the API key is unknown or revoked', 'X-Api-Key')
        who = { kind: 'api_key', key, ip: req.ip }
      } else {
        requireActor(req.ctx)
        who = { kind: 'department', ctx: req.ctx }
      }
      const shared = await readShared(db, cipher, who, req.query.grantId, req.params.entity, req.query, clock.now())
      reply.header('cache-control', 'no-store')
      return shared
    },
  })

  // ── Special-care groups ─────────────────────────────────────────────────────────────────────
  app.get('/api/v1/care/people', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'People in special-care groups with their last visit and next due date, most urgent first',
      querystring: carePeopleQuery,
      response: { 200: pageSchema(carePersonSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => carePeople(tx, req.query, clock.now())),
  })
  app.post('/api/v1/care/visits', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Log a care visit (date, findings, follow-up)',
      headers: idempotencyHeaders,
      body: newVisitBody,
      response: { 201: visitSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => recordVisit(tx, req.ctx, req.body, clock.now()))
    },
  })
  app.get('/api/v1/care/rules', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'How often each special-care group is visited',
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['items'],
          properties: { items: { type: 'array', items: careRuleSchema } },
        },
        ...errorResponses(401),
      },
    },
    handler: async () => ({ items: await careRules(db) }),
  })
  app.put('/api/v1/care/rules/:tag', {
    // The hook admits admins; only those of a root area may change the platform's intervals.
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Set the visit interval of a special-care group (root admins)',
      params: {
        type: 'object',
        required: ['tag'],
        additionalProperties: false,
        properties: { tag: { type: 'string', enum: careTags } },
      },
      body: careRuleBody,
      response: { 200: careRuleSchema, ...errorResponses(401, 403) },
    },
    handler: async (req) => scoped(req.ctx, (tx) => setCareRule(tx, req.ctx, req.params.tag, req.body.intervalDays)),
  })

  // ── Open data and the registry's own description ───────────────────────────────────────────
  app.get('/api/v1/registry/fields', {
    // Public: field names and their classes, no data (docs/registry.md points the public to it).
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'Field classification, shareable fields per entity and the open-data negative list',
      response: { 200: registryFieldsSchema },
    },
    handler: async () => registryFields(),
  })
  app.get('/api/v1/open-data/population', {
    config: { access: 'public' },
    schema: {
      tags: ['open-data'],
      summary: 'Population counts of an area by one breakdown; counts below 5 are suppressed',
      querystring: populationQuery,
      response: { 200: populationSchema, ...errorResponses(404) },
    },
    // Counts only, built by the system from allowed fields: the public may read them.
    handler: async (req) => asSystem(db, (tx) => populationStats(tx, req.query.areaId, req.query.by, clock.now())),
  })
  app.get('/api/v1/open-data/places', {
    config: { access: 'public' },
    schema: {
      tags: ['open-data'],
      summary: 'Places of an area with their open fields only (kind, name, address, location, grid), as JSON or CSV',
      querystring: openPlacesQuery,
      response: {
        200: {
          content: {
            'application/json': { schema: pageSchema(openPlaceSchema) },
            'text/csv': {
              schema: { type: 'string', description: 'format=csv: kind, name, address, lng, lat, gridCode' },
            },
          },
        },
        ...errorResponses(404),
      },
    },
    handler: async (req, reply) => {
      const page = await asSystem(db, (tx) => openPlaces(tx, req.query))
      if (req.query.format === 'csv') {
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
