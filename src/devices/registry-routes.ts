import { cipherFor } from '../core/crypto.js'
import { AppError } from '../core/errors.js'
import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { sha256Hex } from '../core/privacy.js'
import { inScope } from '../core/scope.js'
import { credentialsChanged, deviceKeepers, deviceReaders } from './common.js'
import {
  createDeviceImport,
  credentialsCsv,
  deviceImportErrors,
  deviceImportErrorsSchema,
  deviceImportJobSchema,
  deviceImportQuery,
  deviceImporters,
  errorsQuery,
  inspectDeviceFile,
  loadDeviceImport,
  runDeviceImport,
} from './registry-import.js'
import {
  deviceDetail,
  deviceDetailSchema,
  deviceItemSchema,
  deviceMap,
  deviceReadings,
  listDevices,
  listQuery,
  mapQuery,
  mapSchema,
  newDeviceBody,
  readingsQuery,
  readingsSchema,
  registerDevice,
  registeredSchema,
  rotateSecret,
  rotatedSchema,
  updateDevice,
  updateDeviceBody,
} from './registry.js'

const tags = ['devices']

/** The registry's routes: devices (list, map, register, detail, change, rotate, readings) and bulk imports. */
export async function registryRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)

  app.get('/api/v1/devices', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary:
        'Devices the caller reads (the grid’s staff, the owning department’s handlers), by id; filters by area subtree, type, state, building, code or name prefix',
      querystring: listQuery,
      response: { 200: pageSchema(deviceItemSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listDevices(tx, req.query)),
  })

  app.get('/api/v1/devices/map', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary: `Device points for a map, by area or bounding box (at most 5,000; \`truncated\` when more matched)`,
      querystring: mapQuery,
      response: { 200: mapSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => deviceMap(tx, req.query)),
  })

  app.post('/api/v1/devices', {
    config: { access: deviceKeepers },
    schema: {
      tags,
      summary:
        'Register a device: located into its grid (and building), owned by a department or a property company; its secret is answered once',
      headers: idempotencyHeaders,
      body: newDeviceBody,
      response: { 201: registeredSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      const made = await createOnce(db, req, req.body, (tx) => registerDevice(tx, req.ctx, req.body, clock.now()), {
        // A replay never shows the secret again.
        remember: (b) => ({ ...b, secret: null }),
      })
      // A new credential (not a replay): an external broker's password file gets it.
      if (made.secret) credentialsChanged(made.code)
      return made
    },
  })

  app.get('/api/v1/devices/:id', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary: 'One device: location, state, last seen, owner, building, maintenance case and its last 20 alarms',
      params: idParams,
      response: { 200: deviceDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => deviceDetail(tx, req.ctx, req.params.id)),
  })

  app.patch('/api/v1/devices/:id', {
    config: { access: deviceKeepers },
    schema: {
      tags,
      summary:
        'Change a device (the version read): name, place, location, building, owner; retire, reactivate, or reset a faulty device',
      params: idParams,
      body: updateDeviceBody,
      response: { 200: deviceDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => {
      const { detail, stateChanged } = await inScope(db, req.ctx, async (tx) => {
        const changed = await updateDevice(tx, req.ctx, req.params.id, req.body, clock.now())
        return { detail: await deviceDetail(tx, req.ctx, req.params.id), stateChanged: changed.state }
      })
      // Committed: a retired device's connection is closed and cached checks dropped at once.
      if (stateChanged) credentialsChanged(detail.code)
      return detail
    },
  })

  app.post('/api/v1/devices/:id/secret', {
    config: { access: deviceKeepers },
    schema: {
      tags,
      summary: 'Rotate the device’s secret: the new one is answered once and the old one stops working at once',
      params: idParams,
      response: { 200: rotatedSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      const rotated = await inScope(db, req.ctx, (tx) => rotateSecret(tx, req.ctx, req.params.id, clock.now()))
      // Committed: a connection made with the old secret is closed at once.
      credentialsChanged(rotated.code)
      return rotated
    },
  })

  app.get('/api/v1/devices/:id/readings', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary:
        'One metric of the device’s readings, bucketed (min, avg, max per bucket; at most 300 buckets); default the last 24 h',
      params: idParams,
      querystring: readingsQuery,
      response: { 200: readingsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => deviceReadings(tx, req.params.id, req.query, clock.now())),
  })

  // ── Bulk registration ───────────────────────────────────────────────────────────────────────
  // In a plugin of its own, so the raw-file parsers apply to the upload route only.
  await app.register(async (sub: App) => {
    const spreadsheet = [
      'text/csv',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/octet-stream',
    ]
    sub.addContentTypeParser(spreadsheet, { parseAs: 'buffer', bodyLimit: 16 * 1024 * 1024 }, (_req, payload, done) =>
      done(null, payload),
    )
    sub.post('/api/v1/device-imports', {
      config: { access: deviceImporters },
      schema: {
        tags,
        summary:
          'Register devices in bulk from a CSV (UTF-8 or GBK) or XLSX file sent as the raw body; the import starts at once and runs in the background',
        headers: idempotencyHeaders,
        body: {
          content: Object.fromEntries(
            spreadsheet.map((type) => [type, { schema: { description: 'the file, as raw bytes' } }]),
          ),
        },
        querystring: deviceImportQuery,
        response: { 201: deviceImportJobSchema, ...errorResponses(401, 403, 404, 413, 415, 422) },
      },
      handler: async (req, reply) => {
        const file = req.body
        if (!Buffer.isBuffer(file))
          throw new AppError(
            'UNSUPPORTED_MEDIA_TYPE',
            'send the file as the request body (text/csv or the XLSX type)',
            'body',
          )
        // Format, encoding and headings are read before the transaction: parsing a large XLSX
        // must not hold the database (PGlite has one connection).
        const head = await inspectDeviceFile(file, req.query.encoding)
        reply.code(201)
        let fresh = false
        // A retry is recognised by the file's hash, not by its bytes.
        const job = await createOnce(db, req, { ...req.query, file: sha256Hex(file) }, async (tx) => {
          fresh = true
          return createDeviceImport(tx, req.ctx, req.query, { ...head, byteSize: file.length }, clock.now())
        })
        // Outside the request's transaction: the run commits batch by batch.
        if (fresh)
          runDeviceImport(db, cipher, job.id, req.ctx, file, () => clock.now()).catch((err) =>
            app.log.warn({ err, jobId: job.id }, 'device import failed'),
          )
        return job
      },
    })
  })

  app.get('/api/v1/device-imports/:id', {
    config: { access: deviceImporters },
    schema: {
      tags,
      summary: 'A device import and its progress',
      params: idParams,
      response: { 200: deviceImportJobSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => loadDeviceImport(tx, req.params.id)),
  })

  app.get('/api/v1/device-imports/:id/errors', {
    config: { access: deviceImporters },
    schema: {
      tags,
      summary: 'The rejected rows of a device import: row number, field, reason and the row’s device code',
      params: idParams,
      querystring: errorsQuery,
      response: { 200: deviceImportErrorsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => deviceImportErrors(tx, cipher, req.params.id, req.query.after ?? 0)),
  })

  app.get<{ Params: Input<typeof idParams>; Reply: string }>('/api/v1/device-imports/:id/credentials', {
    config: { access: deviceImporters },
    schema: {
      tags,
      summary:
        'The secrets the import generated (CSV code,secret), downloadable ONCE: they are erased as they are answered (409 after); audited',
      params: idParams,
      response: {
        200: {
          content: { 'text/csv': { schema: { type: 'string', description: 'code,secret per generated device' } } },
        },
        ...errorResponses(401, 403, 404, 409),
      },
    },
    handler: async (req, reply) => {
      const jobId = req.params.id
      const text = await inScope(db, req.ctx, (tx) => credentialsCsv(tx, req.ctx, cipher, jobId, clock.now()))
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="device-import-${jobId}-credentials.csv"`)
        .header('cache-control', 'no-store')
        .send(text)
    },
  })
}
