import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import type { Duplex } from 'node:stream'
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import { createWebSocketStream, WebSocketServer } from 'ws'
import type { Db } from '../core/db.js'
import { type DeviceAuth, IngestRefusal, type Ingestor, refusedMessages } from './ingest.js'
import { MAX_PAYLOAD_BYTES, type MessageKind } from './types.js'

// The embedded MQTT broker (aedes): devices connect with username = device code, password =
// secret (CONNACK 5 "not authorised" otherwise) and a client id that is the code or starts with
// `<code>:` (CONNACK 2 "identifier rejected" otherwise, so no device can take over another's
// session), publish QoS 1 to
// grassroots/devices/{their own code}/{alarm|reading|heartbeat}, and subscribe to nothing.
//
// Messages are taken in-process in `authorizePublish`: for QoS 1 aedes sends the PUBACK only
// after that callback (lib/handlers/publish.js: authorizePublish, then enqueuePublish writes the
// PUBACK), so the callback is called once the message is committed and a device never gets a
// PUBACK for a message that is not stored. A crash before that leaves the message in the
// device's outgoing store: it sends it again on reconnect (same message id → stored once).
// What the broker keeps in memory and loses in a crash is only its own session state (nothing a
// device sent and got acknowledged): there are no messages *to* devices.

export const TOPIC = /^grassroots\/devices\/([^/]{1,64})\/(alarm|reading|heartbeat)$/

/** A frame larger than this is cut off at its header (the payload limit plus topic and headers). */
const MAX_FRAME_BYTES = MAX_PAYLOAD_BYTES + 512

/**
 * Watches the MQTT frames on a connection and destroys it when one announces more than `max`
 * bytes, before the parser buffers it (aedes' parser would take up to 256 MB). Reads only what
 * aedes reads: with a 'readable' listener in charge, 'data' fires for each chunk it reads.
 */
export function guardFrames(stream: Duplex, max: number, tooLarge: () => void): void {
  let state: 'header' | 'length' | 'body' = 'header'
  let length = 0
  let multiplier = 1
  let lengthBytes = 0
  let remaining = 0
  stream.on('data', (chunk: Buffer) => {
    let i = 0
    while (i < chunk.length) {
      if (state === 'header') {
        i++
        state = 'length'
        length = 0
        multiplier = 1
        lengthBytes = 0
      } else if (state === 'length') {
        const b = chunk[i++]!
        length += (b & 127) * multiplier
        multiplier *= 128
        lengthBytes++
        if (length > max || (b & 128 && lengthBytes >= 4)) {
          tooLarge()
          stream.destroy()
          return
        }
        if (!(b & 128)) {
          remaining = length
          state = remaining ? 'body' : 'header'
        }
      } else {
        const take = Math.min(remaining, chunk.length - i)
        i += take
        remaining -= take
        if (!remaining) state = 'header'
      }
    }
  })
}

export interface EmbeddedBroker {
  ports: { mqtt: number; ws: number }
  /**
   * Disconnects clients whose device was retired or its secret rotated since they connected
   * (only those of `codes` when given); how many.
   */
  revalidate(db: Db, codes?: string[]): Promise<number>
  /** Stops accepting connections (devices keep their unacknowledged messages and send them again later). */
  stopListening(): Promise<void>
  close(): Promise<void>
}

export interface BrokerOptions {
  host: string
  mqttPort: number
  wsPort: number
  log: { debug(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void }
}

const listen = (server: NetServer | HttpServer, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })

export async function startEmbeddedBroker(ingestor: Ingestor, opts: BrokerOptions): Promise<EmbeddedBroker> {
  const devices = new Map<Client, DeviceAuth>()
  const connectionRefused = (reason: 'bad_secret' | 'too_large' | 'bad_client_id') =>
    refusedMessages.inc({ reason, via: 'mqtt' })

  const broker = await Aedes.createBroker({
    connectTimeout: 10_000,
    drainTimeout: 30_000,
    maxClientsIdLength: 128,
    maxTopicLevels: 8,
    heartbeatInterval: 3_600_000,
    concurrency: 1000,
  })

  broker.authenticate = (client, username, password, done) => {
    const refuse = () => {
      const err = new Error('not authorised') as AuthenticateError
      // 5: not authorised (the same answer for an unknown device, a wrong secret, a retired one).
      Object.assign(err, { returnCode: 5 })
      done(err, false)
    }
    if (!username || !password) {
      connectionRefused('bad_secret')
      return refuse()
    }
    if (client.id !== username && !client.id.startsWith(`${username}:`)) {
      connectionRefused('bad_client_id')
      const err = new Error('identifier rejected') as AuthenticateError
      Object.assign(err, { returnCode: 2 })
      return done(err, false)
    }
    const source = client.req?.socket.remoteAddress ?? (client.conn as { remoteAddress?: string }).remoteAddress
    ingestor.authenticate(username, password.toString('utf8'), 'mqtt', source).then(
      (device) => {
        devices.set(client, device)
        done(null, true)
      },
      (err) => {
        if (!(err instanceof IngestRefusal)) opts.log.error({ err }, 'device authentication failed')
        refuse()
      },
    )
  }

  broker.authorizePublish = (client, packet, done) => {
    const device = client ? devices.get(client) : undefined
    const m = TOPIC.exec(packet.topic)
    if (!device || !m || m[1] !== device.code) {
      refusedMessages.inc({ reason: 'wrong_topic', via: 'mqtt' })
      opts.log.debug({ topic: packet.topic, device: device?.code }, 'publish refused: not its own topic')
      // aedes closes the connection (MQTT 3.1.1 has no negative PUBACK).
      return done(new Error('devices publish only to grassroots/devices/{own code}/{kind}'))
    }
    // Nothing is kept for later subscribers.
    packet.retain = false
    ingestor
      .ingest({ code: device.code, kind: m[2] as MessageKind, payload: packet.payload, via: 'mqtt', device })
      .then(
        () => done(null),
        (err) => {
          if (err instanceof IngestRefusal) {
            if (err.reason === 'retired') return done(new Error('device retired'))
            // An alarm over its allowance: not acknowledged (the connection closes and the device
            // sends it again later; its allowance refills meanwhile).
            if (err.reason === 'rate_limited' && m[2] === 'alarm') return done(new Error('alarms too fast'))
            // Bad JSON, schema, size, readings too fast, a poison message: sending it again would
            // not help. Acknowledged and dropped (counted and logged by the ingest path).
            return done(null)
          }
          // Not stored: no PUBACK; the connection is closed and the device sends it again.
          opts.log.warn({ err, device: device.code }, 'device message not stored; the device will send it again')
          done(err instanceof Error ? err : new Error(String(err)))
        },
      )
  }

  // Devices receive nothing (a later version may give each its own …/{code}/commands).
  broker.authorizeSubscribe = (_client, _sub, done) => done(null, null)
  broker.authorizeForward = () => null

  broker.on('clientDisconnect', (client) => devices.delete(client))
  broker.on('clientError', (client, err) =>
    opts.log.debug({ client: client?.id, err: err.message }, 'mqtt client error'),
  )
  broker.on('connectionError', (client, err) =>
    opts.log.debug({ client: client?.id, err: err.message }, 'mqtt connection error'),
  )

  const handle = (stream: Duplex, req?: Parameters<typeof broker.handle>[1]) => {
    const client = broker.handle(stream, req)
    guardFrames(stream, MAX_FRAME_BYTES, () => {
      connectionRefused('too_large')
      opts.log.debug({ client: client.id }, 'mqtt frame too large: connection closed')
    })
    stream.on('error', () => {})
  }
  const tcp = createNetServer((socket) => handle(socket))
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' })
    res.end('MQTT over WebSocket only\n')
  })
  const wss = new WebSocketServer({ server: http, maxPayload: MAX_FRAME_BYTES * 4 })
  wss.on('connection', (ws, req) => {
    ws.on('error', () => {})
    handle(createWebSocketStream(ws), req)
  })
  wss.on('error', () => {})
  let mqttPort: number
  let wsPort: number
  try {
    mqttPort = await listen(tcp, opts.mqttPort, opts.host)
    wsPort = await listen(http, opts.wsPort, opts.host)
  } catch (err) {
    tcp.close()
    await new Promise<void>((r) => broker.close(() => r()))
    const code = (err as { code?: string }).code
    if (code === 'EADDRINUSE' || code === 'EACCES')
      throw new Error(
        `the embedded MQTT broker cannot listen on ${opts.host}:${opts.mqttPort}/${opts.wsPort} (${code}): set MQTT_PORT and MQTT_WS_PORT (0: a free port), MQTT_URL for an external broker, or MQTT_ENABLED=0`,
      )
    throw err
  }

  const closed = Promise.all([
    new Promise<void>((r) => tcp.once('close', () => r())),
    new Promise<void>((r) => http.once('close', () => r())),
  ])
  let listening = true
  const stopListening = async () => {
    if (!listening) return
    listening = false
    // No new connections; those open stay until close() (their messages in flight get stored).
    tcp.close()
    wss.close()
    http.close()
  }

  return {
    ports: { mqtt: mqttPort, ws: wsPort },
    async revalidate(db, codes) {
      const only = codes ? new Set(codes) : null
      const connected = [...devices.entries()].filter(([, d]) => !only || only.has(d.code))
      if (!connected.length) return 0
      const rows = await db
        .selectFrom('device')
        .select(['code', 'state', 'secret_hash'])
        .where(
          'code',
          'in',
          connected.map(([, d]) => d.code),
        )
        .execute()
      const now = new Map(rows.map((r) => [r.code, r]))
      let dropped = 0
      for (const [client, d] of connected) {
        const r = now.get(d.code)
        if (!r || r.state === 'retired' || r.secret_hash !== d.hash) {
          devices.delete(client)
          client.close()
          dropped++
        }
      }
      return dropped
    },
    stopListening,
    async close() {
      await stopListening()
      await new Promise<void>((r) => broker.close(() => r()))
      for (const c of wss.clients) c.terminate()
      http.closeAllConnections()
      await closed
    },
  }
}
