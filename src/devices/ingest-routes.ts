import { cipherFor } from '../core/crypto.js'
import type { Db } from '../core/db.js'
import { AppError } from '../core/errors.js'
import { errorResponses, type App, type Output } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { shape } from '../core/schemas.js'
import { requireRoleSomewhere } from '../core/scope.js'
import { deviceReaders } from './common.js'
import { IngestRefusal, ingestorFor } from './ingest.js'
import { MAX_PAYLOAD_BYTES, messageKinds } from './types.js'

const tags = ['devices']

/** Where devices connect, as the MQTT runtime (runtime.ts) reports it for a database. */
export interface BrokerInfo {
  mode: 'embedded' | 'external'
  mqttPort: number | null
  wsPort: number | null
  url: string | null
}
const brokers = new WeakMap<Db, BrokerInfo>()
export const setBrokerInfo = (db: Db, info: BrokerInfo | null) => (info ? brokers.set(db, info) : brokers.delete(db))

const codeParams = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$' } },
} as const

const messageBody = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'payload'],
  properties: {
    kind: { type: 'string', enum: [...messageKinds] },
    // Checked against the device type's schema by the ingest path (400 DEVICE_MESSAGE_INVALID
    // naming payload.<field>); here only its outline.
    payload: { type: 'object', maxProperties: 8 },
  },
} as const

const messageHeaders = {
  type: 'object',
  properties: {
    authorization: { type: 'string', maxLength: 200 },
    'x-device-secret': { type: 'string', maxLength: 200 },
  },
} as const

const storedSchema = shape({ stored: { type: 'boolean' } })

const brokerSchema = shape({
  mode: { type: 'string', enum: ['embedded', 'external', 'off'] },
  mqttPort: { type: ['integer', 'null'] },
  wsPort: { type: ['integer', 'null'] },
  url: { type: ['string', 'null'] },
  topic: { type: 'string' },
})

const statusOf = {
  unknown_device: 'DEVICE_AUTH_FAILED',
  bad_secret: 'DEVICE_AUTH_FAILED',
  retired: 'DEVICE_RETIRED',
  too_large: 'PAYLOAD_TOO_LARGE',
  bad_json: 'DEVICE_MESSAGE_INVALID',
  invalid: 'DEVICE_MESSAGE_INVALID',
  rate_limited: 'DEVICE_RATE_LIMITED',
  wrong_topic: 'DEVICE_MESSAGE_INVALID',
  login_limited: 'DEVICE_RATE_LIMITED',
  bad_client_id: 'DEVICE_AUTH_FAILED',
  // Storing it kept failing (not the database being away): a 500, the gateway may send it again.
  failed: 'INTERNAL',
} as const

// The HTTP way in for gateways that cannot speak MQTT: the same ingest function as the brokers.
export async function ingestRoutes(app: App, { database, config, clock }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)
  const ingestor = () => ingestorFor(db, { clock, cipher, ratePerMinute: config.deviceRatePerMinute, log: app.log })

  app.post('/api/v1/devices/:code/messages', {
    // Devices are not users: the device's own secret is the credential, checked by the ingest path.
    config: { access: 'public' },
    bodyLimit: 4 * MAX_PAYLOAD_BYTES,
    schema: {
      tags,
      summary:
        "A device's message over HTTP (kind alarm, reading or heartbeat; payload as over MQTT), with `Authorization: Bearer <device secret>` (or X-Device-Secret). 202 once stored; stored false for a message id already stored",
      params: codeParams,
      headers: messageHeaders,
      body: messageBody,
      response: { 202: storedSchema, ...errorResponses(401, 409, 413, 429, 500) },
    },
    handler: async (req, reply) => {
      const bearer = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1]
      const secret = bearer ?? req.headers['x-device-secret'] ?? ''
      const payload = serialised(req.body.payload)
      try {
        const result = await ingestor().ingest({
          code: req.params.code,
          kind: req.body.kind,
          payload,
          secret,
          via: 'http',
          source: req.ip,
        })
        return reply.code(202).send(result)
      } catch (err) {
        if (!(err instanceof IngestRefusal)) throw err
        const headers: Record<string, string> =
          err.retryAfterS !== null ? { 'retry-after': String(Math.max(1, err.retryAfterS)) } : {}
        throw new AppError(statusOf[err.reason], err.message, err.field, headers)
      }
    },
  })

  app.get('/api/v1/devices/broker', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary:
        'Where devices connect: the embedded broker (MQTT and MQTT-over-WebSocket ports) or the external broker (its URL, no credentials), and the topic form',
      response: { 200: brokerSchema, ...errorResponses(401, 403) },
    },
    handler: async (req): Promise<Output<typeof brokerSchema>> => {
      requireRoleSomewhere(req.ctx, deviceReaders)
      const info = brokers.get(db)
      let url: string | null = null
      if (info?.url) {
        const u = new URL(info.url)
        u.username = ''
        u.password = ''
        url = u.toString()
      }
      return {
        mode: info?.mode ?? 'off',
        mqttPort: info?.mqttPort ?? null,
        wsPort: info?.wsPort ?? null,
        url,
        topic: 'grassroots/devices/{code}/{alarm|reading|heartbeat}',
      }
    },
  })
}

/**
 * The payload as the MQTT path receives it. JSON.stringify recurses, so a payload nested deeper
 * than the stack (which the parser accepts) is refused here as bad input instead of a 500.
 */
function serialised(payload: unknown): string {
  try {
    return JSON.stringify(payload)
  } catch {
    throw new AppError('VALIDATION_FAILED', 'the payload is nested too deeply', 'payload')
  }
}
