import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'
import { sql } from 'kysely'
import type { Db } from '../src/core/db.js'
import { hashDeviceSecret, newDeviceSecret } from '../src/devices/common.js'
import type { DeviceType } from '../src/devices/types.js'
import { writeBrokerFiles } from '../src/devices/passwd.js'

// Support for the device ingest tests (src/devices/ingest*.test.ts, broker*.test.ts, the MQTT
// fuzz and crash tests).
//
// A real, independent MQTT broker for the external-broker tests: Debian's mosquitto 2.0 on a
// free port, with the password_file and acl_file `grassroots devices passwd` writes, persistence
// on, in a temporary directory. Tests that need it skip when it is missing, unless
// TEST_REQUIRE_MOSQUITTO=1 (CI) makes a missing broker a failure.

export const MOSQUITTO = '/usr/sbin/mosquitto'
export const haveMosquitto = existsSync(MOSQUITTO)
export const requireMosquitto = process.env.TEST_REQUIRE_MOSQUITTO === '1'
/** Whether mosquitto tests run (a missing broker with TEST_REQUIRE_MOSQUITTO=1 fails them instead). */
export const mosquittoTests = haveMosquitto || requireMosquitto

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' })
    c.once('connect', () => {
      c.destroy()
      resolve(true)
    })
    c.once('error', () => resolve(false))
  })

export interface Mosquitto {
  port: number
  dir: string
  /** The platform's MQTT_URL (its user and password). */
  platformUrl: string
  /** The broker's process id (SIGHUP rereads its files). */
  pid: number
  /** Device URL (credentials go in the connect options). */
  url: string
  output(): string
  /** Rewrites passwd and acl from the registry and makes mosquitto reread them (SIGHUP). */
  reload(db: Db): Promise<void>
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()
afterAll(() => {
  for (const c of running) c.kill('SIGKILL')
})

export async function startMosquitto(db: Db): Promise<Mosquitto> {
  if (!haveMosquitto) throw new Error(`${MOSQUITTO} is missing (apt-get install mosquitto)`)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-mosquitto-'))
  const port = await freePort()
  const platformPassword = 'platform-test-password'
  const files = await writeBrokerFiles(db, { out: dir, platformPassword, port })
  // The configuration passwd.ts writes, plus: stay the user running the test (as root mosquitto
  // would switch to the mosquitto user, which cannot read the 0600 files) and log to stdout.
  const conf = path.join(dir, 'test.conf')
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      'use_username_as_clientid true',
      `password_file ${files.files.passwd}`,
      `acl_file ${files.files.acl}`,
      'persistence true',
      `persistence_location ${path.join(dir, 'data')}/`,
      'autosave_interval 1',
      'max_queued_messages 1000000',
      'max_inflight_messages 0',
      'max_packet_size 8192',
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'log_dest stdout',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  )
  let out = ''
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)))
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)))
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      running.delete(child)
      r()
    }),
  )
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    if (await portOpen(port)) break
    await sleep(50)
  }
  if (child.exitCode !== null || !(await portOpen(port))) throw new Error(`mosquitto did not start:\n${out}`)
  return {
    port,
    dir,
    platformUrl: `mqtt://_grassroots:${platformPassword}@127.0.0.1:${port}`,
    pid: child.pid!,
    url: `mqtt://127.0.0.1:${port}`,
    output: () => out,
    async reload(db2) {
      await writeBrokerFiles(db2, { out: dir, platformPassword, port })
      child.kill('SIGHUP')
      await sleep(300)
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await Promise.race([exited, sleep(5000)])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

// A device registered straight into the database as the owner, with a known secret, in a demo
// grid (the registry part's use case is tested there).
export interface TestDevice {
  id: number
  code: string
  type: DeviceType
  secret: string
}

export async function addTestDevice(
  db: Db,
  code: string,
  type: DeviceType = 'smoke_detector',
  opts: { grid?: string; state?: 'active' | 'offline' | 'faulty' | 'retired'; now?: Date } = {},
): Promise<TestDevice> {
  const secret = newDeviceSecret()
  const now = opts.now ?? new Date('2026-11-23T02:00:00Z')
  const state = opts.state ?? 'active'
  const { rows } = await sql<{ id: number }>`
    insert into device (code, type, name, area_id, district_id, location, owner_department_id, state, secret_hash,
                        secret_rotated_at, created_at, updated_at, offline_since)
    select ${code}, ${type}, ${`测试设备 ${code}`}, a.id, (string_to_array(trim(both '/' from a.path), '/'))[2]::int,
           ST_PointOnSurface(a.boundary), (select min(id) from department where kind = 'functional'), ${state},
           ${hashDeviceSecret(secret)}, ${now}, ${now}, ${now}, ${state === 'offline' ? now : null}
    from area a where a.code = ${opts.grid ?? 'JZ-QH-01-01-G01'}
    returning id`.execute(db)
  return { id: Number(rows[0]!.id), code, type, secret }
}
