import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import type { Role } from '../core/scope.js'
import type { DeviceType } from './types.js'

// What the parts of the devices module share: who reads and keeps devices, the device
// credential, loading a device the caller may see, and what the ingest path hands the alarm
// rules (one message at a time for alarms, batches for readings).

/** Who registers, moves and retires devices and edits their settings in an area. */
export const deviceKeepers: Role[] = ['admin', 'leader', 'staff']
/** Who reads devices and works their alarms (besides the handlers of the owning department). */
export const deviceReaders: Role[] = ['admin', 'leader', 'staff', 'grid_worker', 'department_handler']

export const deviceStates = ['active', 'offline', 'faulty', 'retired'] as const
export type DeviceState = (typeof deviceStates)[number]
export const alarmSeverities = ['critical', 'major', 'minor', 'warning'] as const
export type AlarmSeverity = (typeof alarmSeverities)[number]
export const alarmStatuses = ['open', 'acknowledged', 'cleared', 'held', 'dismissed'] as const
export type AlarmStatus = (typeof alarmStatuses)[number]
export const alarmActions = ['case', 'warning', 'incident'] as const
export type AlarmAction = (typeof alarmActions)[number]

// ---------------------------------------------------------------------------------------------
// The device credential: a random secret shown once, stored as mosquitto's PBKDF2-SHA512 hash
// ('$7$<iterations>$<salt>$<hash>'), so the same hash authenticates on the HTTP route, in the
// embedded broker and, exported as a password file, in mosquitto.

const ITERATIONS = 101 // mosquitto_passwd's default; the secret is 32 random bytes, not a password
const SALT_BYTES = 12
const HASH_BYTES = 64

/** A new device secret: 32 random bytes, base64url (43 characters). */
export const newDeviceSecret = () => randomBytes(32).toString('base64url')

export function hashDeviceSecret(secret: string): string {
  const salt = randomBytes(SALT_BYTES)
  const hash = pbkdf2Sync(secret, salt, ITERATIONS, HASH_BYTES, 'sha512')
  return `$7$${ITERATIONS}$${salt.toString('base64')}$${hash.toString('base64')}`
}

export function verifyDeviceSecret(secret: string, stored: string): boolean {
  const [, seven, iterations, salt, hash] = stored.split('$')
  if (seven !== '7' || !iterations || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = pbkdf2Sync(secret, Buffer.from(salt, 'base64'), Number(iterations), expected.length, 'sha512')
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/**
 * Tells the running ingest (this process) that a device's credential or state changed — a new
 * secret, retirement — so a connection made with the old one is closed and cached checks are
 * dropped at once. Call it after the transaction that made the change has committed.
 */
export const deviceEvents = new EventEmitter<{ credentialsChanged: [code: string] }>()
export const credentialsChanged = (code: string) => void deviceEvents.emit('credentialsChanged', code)

// ---------------------------------------------------------------------------------------------

export type DeviceRow = {
  id: number
  code: string
  type: DeviceType
  name: string
  state: DeviceState
  area_id: number
  area_path: string
  district_id: number
  building_id: number | null
  owner_department_id: number | null
  owner_organisation_id: number | null
  version: number
}

/** The device if the caller may see it (row-level security decides), else 404 DEVICE_NOT_FOUND. */
export async function loadDevice(tx: Tx, id: number): Promise<DeviceRow> {
  const { rows } = await sql<DeviceRow>`
    select d.id, d.code, d.type, d.name, d.state, d.area_id, a.path as area_path, d.district_id, d.building_id,
           d.owner_department_id, d.owner_organisation_id, d.version
    from device d join area a on a.id = d.area_id where d.id = ${id}`.execute(tx)
  if (!rows[0]) throw new AppError('DEVICE_NOT_FOUND', `no device ${id}`, 'id')
  return rows[0]
}

// ---------------------------------------------------------------------------------------------
// What the ingest path (ingest.ts) hands the alarm rules (alarms.ts). Both run as the owner,
// after the device authenticated, inside the transaction that stored the message, so a message
// and what it caused commit together or not at all.

/** An alarm message, stored for the first time (a redelivery never gets here). */
export interface AlarmMessage {
  device: DeviceRow
  messageId: string
  /** The device's time (clamped to now), or the receiving time. */
  at: Date
  alarm: string
  state: 'raised' | 'cleared'
  value: number | null
  note: string | null
}

/** A reading, stored for the first time. */
export interface ReadingMessage {
  device: DeviceRow
  messageId: string
  at: Date
  values: Record<string, number>
}
