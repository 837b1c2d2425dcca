import { expect } from 'vitest'
import { sql } from 'kysely'
import { addTestDevice } from '../mosquitto-support.js'
import { call, type TestPlatform } from '../support.js'
import { denied, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Devices (ingest) in both authorization tables (see parts.ts). The message route is public in
// the access sense (devices are not users) and takes the device's own secret as its bearer
// token: every user, whatever their role, presenting their session token gets 401
// DEVICE_AUTH_FAILED, and nothing is stored. The broker route tells the device readers where
// devices connect.

const nobody = row('unauth', 'unauth', 'unauth', 'unauth', 'unauth', 'unauth', 'unauth', 'unauth')
const readers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden')

interface Data {
  code: string
  deviceId: number
}

const message = (id: string) => ({ kind: 'alarm', payload: { id, alarm: 'smoke', state: 'raised' } })

async function storedFor(p: TestPlatform, deviceId: number) {
  const { rows } = await sql<{ n: number; seen: Date | null }>`
    select (select count(*)::int from device_message where device_id = ${deviceId}) as n,
           (select last_seen_at from device where id = ${deviceId}) as seen`.execute(p.database.db)
  return rows[0]
}

export const own: OwnPart<Data> = {
  async setup(p) {
    const d = await addTestDevice(p.database.db, 'AUTHZ-INGEST-A', 'smoke_detector', { grid: 'JZ-QH-01-01-G01' })
    return { code: d.code, deviceId: d.id }
  },
  rows: {
    'POST /api/v1/devices/:code/messages': nobody,
    'GET /api/v1/devices/broker': readers,
  },
  probes: {
    'POST /api/v1/devices/:code/messages': async ({ p, token, data }) => {
      const res = await call(p.app, 'POST', `/api/v1/devices/${data.code}/messages`, {
        token,
        body: message(`authz-${Math.random().toString(36).slice(2, 10)}`),
      })
      if (res.status === 401) expect(res.body.error.code).toBe('DEVICE_AUTH_FAILED')
      expect((await storedFor(p, data.deviceId))!.n).toBe(0)
      return res
    },
    'GET /api/v1/devices/broker': ({ p, token }) => call(p.app, 'GET', '/api/v1/devices/broker', { token }),
  },
}

export const scoping: ScopingPart<Data> = {
  async setup(p) {
    const d = await addTestDevice(p.database.db, 'AUTHZ-INGEST-B', 'gas_detector', { grid: 'JZ-QH-02-01-G01' })
    return { code: d.code, deviceId: d.id }
  },
  probes: {
    // A session token is no device secret: B's device takes nothing from A's callers.
    'POST /api/v1/devices/:code/messages': (p, t, data) =>
      unchanged(
        () => storedFor(p, data.deviceId),
        () =>
          call(p.app, 'POST', `/api/v1/devices/${data.code}/messages`, {
            token: t,
            body: message('scoping-1'),
          }),
      ),
    // Where devices connect, nothing of B's: readers of A get the broker's ports only.
    'GET /api/v1/devices/broker': async (p, t, data) => {
      const res = await call(p.app, 'GET', '/api/v1/devices/broker', { token: t })
      if (res.status !== 200) return denied(res.status)
      expect(Object.keys(res.body).sort()).toEqual(['mode', 'mqttPort', 'topic', 'url', 'wsPort'])
      expect(JSON.stringify(res.body)).not.toContain(data.code)
    },
  },
}
