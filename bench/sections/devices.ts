import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { Aedes } from 'aedes'
import { percentile, registerSimulatedDevices, runSimulator, simulatedDevices } from '../../src/devices/simulate.js'
import type { Measurement, Profile, Section } from '../lib/types.js'

// Device ingest at volume (issue 18): the simulator with 10,000 devices publishing readings,
// heartbeats and planted alarms at QoS 1 as fast as they are acknowledged, through the real
// server's embedded broker (a PUBACK there means the message is committed: readings batched,
// alarms in their own transaction with the alarm rules), against a bare broker in the baseline
// process that only counts what it is given and acknowledges at once, driven by the same
// simulator in the same run. Alarm latency is publish → PUBACK of the alarm messages, i.e.
// broker → stored (plus one loopback hop).

const DEVICES: Record<Profile['name'], number> = { smoke: 500, quick: 10_000, full: 10_000 }
const SECONDS: Record<Profile['name'], number> = { smoke: 2, quick: 10, full: 20 }
const CONNECTIONS = 200
const BURST = 20

interface Prepared {
  devices: number
  bare: { perSecond: number; acked: number; seconds: number; alarmP99: number | null }
}

export const devices: Section<Prepared> = {
  name: 'devices',
  description:
    'device ingest: 10,000 simulated devices over MQTT at QoS 1 through the embedded broker into the database (messages/s, alarm publish → stored p99) vs a bare broker that only counts',
  baselineRoutes(app, database) {
    let count = 0
    let bare: { port: number; close(): Promise<void> } | null = null
    // The simulated devices, registered before the product server starts (it holds an embedded database).
    app.post('/baseline/devices/register', async (req) => {
      const q = req.query as { n: string }
      const r = await registerSimulatedDevices(database.db, Number(q.n), new Date())
      return { devices: r.devices.length, created: r.created }
    })
    // The floor: an MQTT broker that accepts every device and only counts the messages it acknowledges.
    app.post('/baseline/devices/bare', async () => {
      if (!bare) {
        const broker = await Aedes.createBroker({ concurrency: 1000, heartbeatInterval: 3_600_000 })
        broker.authenticate = (_c, _u, _p, done) => done(null, true)
        broker.authorizePublish = (_c, _packet, done) => {
          count++
          done(null)
        }
        const server = createServer(broker.handle)
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
        bare = {
          port: (server.address() as AddressInfo).port,
          close: () =>
            new Promise<void>((r) => {
              broker.close(() => server.close(() => r()))
            }),
        }
      }
      return { port: bare.port }
    })
    app.get('/baseline/devices/bare/count', async () => ({ count }))
  },
  async baseline(ctx) {
    const n = DEVICES[ctx.profile.name]
    const reg = await fetch(`${ctx.url}/baseline/devices/register?n=${n}`, { method: 'POST' })
    if (!reg.ok) throw new Error(`register: ${reg.status} ${await reg.text()}`)
    const { port } = (await (await fetch(`${ctx.url}/baseline/devices/bare`, { method: 'POST' })).json()) as {
      port: number
    }
    const before = ((await (await fetch(`${ctx.url}/baseline/devices/bare/count`)).json()) as { count: number }).count
    const r = await runSimulator({
      url: `mqtt://127.0.0.1:${port}`,
      devices: simulatedDevices(n),
      rate: 0,
      seconds: SECONDS[ctx.profile.name],
      alarms: 1_000_000,
      connections: CONNECTIONS,
      burst: BURST,
    })
    const after = ((await (await fetch(`${ctx.url}/baseline/devices/bare/count`)).json()) as { count: number }).count
    if (after - before < r.acked)
      throw new Error(`the bare broker counted ${after - before} of ${r.acked} acknowledged`)
    return {
      devices: n,
      bare: {
        perSecond: r.acked / r.seconds,
        acked: r.acked,
        seconds: r.seconds,
        alarmP99: percentile(r.alarmLatencies, 99),
      },
    }
  },
  async run(ctx, base) {
    if (!base) return []
    const info = (await (
      await fetch(`${ctx.url}/api/v1/devices/broker`, { headers: { authorization: `Bearer ${ctx.tokens.admin}` } })
    ).json()) as { mode: string; mqttPort: number | null }
    if (info.mode !== 'embedded' || !info.mqttPort)
      throw new Error(`the server runs no embedded broker: ${JSON.stringify(info)}`)
    const url = `mqtt://127.0.0.1:${info.mqttPort}`
    const list = simulatedDevices(base.devices)
    // A short warm-up (connections, the first secrets verified, statements prepared), not counted.
    await runSimulator({ url, devices: list, rate: 0, seconds: 1, connections: CONNECTIONS, burst: BURST })
    const r = await runSimulator({
      url,
      devices: list,
      rate: 0,
      seconds: SECONDS[ctx.profile.name],
      alarms: 1_000_000,
      connections: CONNECTIONS,
      burst: BURST,
    })
    const perSecond = r.acked / r.seconds
    const p99 = percentile(r.alarmLatencies, 99)
    const p50 = percentile(r.alarmLatencies, 50)
    const backend = ctx.data.backend
    const target = backend === 'postgresql' ? 5000 : 500
    const mix = `${base.devices} devices over ${CONNECTIONS} rotating connections (${BURST} messages per visit), ~${Math.round((100 * (r.alarmsRaised + r.alarmsCleared)) / Math.max(1, r.sent))}% alarms, the rest readings and heartbeats`
    return [
      {
        section: 'devices',
        name: 'device messages stored per second (MQTT QoS 1, embedded broker)',
        unit: 'msg/s',
        value: perSecond,
        baseline: base.bare.perSecond,
        ratio: base.bare.perSecond / perSecond,
        target: `≥ ${target}/s`,
        met: perSecond >= target,
        note: `${mix}; ${r.acked} acknowledged (= committed) in ${r.seconds.toFixed(1)} s${r.failed ? `, ${r.failed} failed` : ''}; baseline: a bare aedes broker that only counts, same simulator`,
        detail: { product: { ...r, alarmLatencies: undefined }, bare: base.bare },
      },
      {
        section: 'devices',
        name: 'alarm: broker → stored p99 (publish → PUBACK, under full load)',
        unit: 'ms',
        value: p99,
        baseline: base.bare.alarmP99,
        ratio: p99 !== null && base.bare.alarmP99 ? p99 / base.bare.alarmP99 : null,
        target: '≤ 1000 ms',
        met: p99 !== null && p99 <= 1000,
        note: `${r.alarmLatencies.length} alarm messages (raised and cleared, each its own transaction with the alarm rules), p50 ${p50?.toFixed(0)} ms`,
      },
    ] satisfies Measurement[]
  },
}
