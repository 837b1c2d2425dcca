import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt'
import { TOPIC } from './broker.js'
import { IngestRefusal, type Ingestor, refusedMessages } from './ingest.js'
import type { MessageKind } from './types.js'

// The platform as a client of an external broker (MQTT_URL, e.g. mosquitto): a fixed client id
// with a persistent session (MQTT 5, clean start off, a session that outlives disconnections),
// subscribed to grassroots/devices/+/+ at QoS 1. The broker authenticates devices and enforces
// that each publishes only under its own code (password_file and acl_file, see passwd.ts); the
// platform re-checks that the code is a known device that is not retired.
//
// Each message is acknowledged only once stored, so whatever the broker holds for the platform
// (published while it was down, or in flight when it died) is delivered again when it reconnects
// and nothing acknowledged is lost. mqtt.js handles incoming packets one at a time and sends the
// PUBACK when `handleMessage` calls back, which would allow one stored message per database
// round trip; instead `handleMessage` lets the next packet in at once and the PUBACK is sent by
// us when the message is committed, in the order the messages came (MQTT 4.6), so batches fill.

export const PLATFORM_CLIENT_ID = 'grassroots-platform'
export const SUBSCRIPTION = 'grassroots/devices/+/+'
/** Messages the broker may have in flight to the platform at once (MQTT 5 receive maximum). */
const RECEIVE_MAXIMUM = 2000
/** The session outlives a disconnection by this long (s): a week of messages wait for the platform. */
const SESSION_EXPIRY = 7 * 24 * 3600

interface Ack {
  messageId: number
  done: boolean
}

interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number; reasonCode?: number }, cb?: () => void): void
}

export interface ExternalSubscriber {
  client: MqttClient
  /** Resolves once subscribed (the first time). */
  ready: Promise<void>
  close(): Promise<void>
}

export function startExternalSubscriber(
  ingestor: Ingestor,
  url: string,
  log: { debug(o: object, m: string): void; warn(o: object, m: string): void; info(o: object, m: string): void },
  opts: { clientId?: string } = {},
): ExternalSubscriber {
  const client = mqtt.connect(url, {
    clientId: opts.clientId ?? PLATFORM_CLIENT_ID,
    clean: false,
    protocolVersion: 5,
    properties: { sessionExpiryInterval: SESSION_EXPIRY, receiveMaximum: RECEIVE_MAXIMUM },
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    resubscribe: true,
  })
  // The acknowledgements owed on the current connection, in arrival order. A message whose
  // connection dropped before it was stored is sent again by the broker (and found stored).
  let generation = 0
  let acks: Ack[] = []
  const sender = client as unknown as PacketSender
  const release = (gen: number, ack: Ack) => {
    if (gen !== generation) return
    ack.done = true
    while (acks.length && acks[0]!.done) {
      const a = acks.shift()!
      sender._sendPacket({ cmd: 'puback', messageId: a.messageId, reasonCode: 0 })
    }
  }
  client.on('close', () => {
    generation++
    acks = []
  })

  const DEFERRED = new Error('acknowledged once stored')
  client.handleMessage = (packet: IPublishPacket, callback) => {
    const gen = generation
    const ack: Ack | null =
      packet.qos > 0 && packet.messageId !== undefined ? { messageId: packet.messageId, done: false } : null
    if (ack) acks.push(ack)
    handle(packet).then(
      () => ack && release(gen, ack),
      (err) => {
        // Ours, not the device's (the database is away): not acknowledged. Dropping the connection
        // makes the broker send everything unacknowledged again once we are back.
        log.warn({ err, topic: packet.topic }, 'device message not stored; reconnecting for redelivery')
        if (gen === generation) client.stream?.destroy()
      },
    )
    // Let the next packet in now; the PUBACK is ours to send (an error here only tells mqtt.js
    // not to send one; for QoS 0 there is none).
    callback(packet.qos > 0 ? DEFERRED : undefined)
  }

  const handle = async (packet: IPublishPacket) => {
    const topic = packet.topic.toString()
    const m = TOPIC.exec(topic)
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    try {
      if (!m) {
        refusedMessages.inc({ reason: 'wrong_topic', via: 'mqtt' })
        log.debug({ topic }, 'device message on an unknown topic dropped')
        return
      }
      const device = await ingestor.knownDevice(m[1]!, 'mqtt')
      // An alarm over its allowance waits for it: dropping it would lose it, and leaving it
      // unacknowledged would hold up the acknowledgements of every message behind it.
      await ingestor.ingest({
        code: device.code,
        kind: m[2] as MessageKind,
        payload,
        via: 'mqtt',
        device,
        waitForRate: true,
      })
    } catch (err) {
      // The device's fault: counted and logged by the ingest path; acknowledged and dropped.
      if (err instanceof IngestRefusal) return
      throw err
    }
  }

  const ready = new Promise<void>((resolve) => {
    client.on('connect', (connack) => {
      log.info({ url: redact(url), sessionPresent: connack.sessionPresent }, 'connected to the MQTT broker')
      client.subscribe(SUBSCRIPTION, { qos: 1 }, (err) => {
        if (err) log.warn({ err }, 'subscribing to device topics failed')
        else resolve()
      })
    })
  })
  client.on('error', (err) => log.warn({ err: err.message }, 'MQTT broker connection error'))

  return {
    client,
    ready,
    async close() {
      await ingestor.flush()
      // Acknowledgements of what was just stored go out before the connection ends.
      await new Promise<void>((r) => client.end(false, {}, () => r()))
    },
  }
}

export function redact(url: string): string {
  try {
    const u = new URL(url)
    u.password = ''
    return u.toString()
  } catch {
    return 'mqtt://…'
  }
}
