// The device types and the JSON schema of each message a type sends (published in
// docs/devices.md). Every message is a JSON object with the device's own message id `id` (a
// QoS-1 redelivery or an HTTP retry carries the same id and counts once) and an optional `ts`.
//
//   heartbeat: { id, ts?, battery?, rssi? }
//   reading:   { id, ts?, values: { <metric>: number, … }, battery? }
//   alarm:     { id, ts?, alarm: <alarm kind>, state: 'raised' | 'cleared', value?, note? }

export const deviceTypes = [
  'smoke_detector',
  'gas_detector',
  'water_level',
  'manhole_tilt',
  'elevator_monitor',
  'access_control',
  'hydrant_pressure',
] as const
export type DeviceType = (typeof deviceTypes)[number]

export const messageKinds = ['alarm', 'reading', 'heartbeat'] as const
export type MessageKind = (typeof messageKinds)[number]

/** What each type measures (metric → unit and plausible range) and which alarms it raises. */
export const typeSpecs: Record<
  DeviceType,
  { metrics: Record<string, { unit: string; min: number; max: number }>; alarms: readonly string[] }
> = {
  smoke_detector: {
    metrics: {
      smoke_obscuration: { unit: '%/m', min: 0, max: 100 },
      temperature_c: { unit: '°C', min: -40, max: 200 },
    },
    alarms: ['smoke', 'heat', 'tamper', 'low_battery'],
  },
  gas_detector: {
    metrics: { lel_percent: { unit: '%LEL', min: 0, max: 100 }, co_ppm: { unit: 'ppm', min: 0, max: 10000 } },
    alarms: ['gas_leak', 'co', 'sensor_fault'],
  },
  water_level: {
    metrics: { level_cm: { unit: 'cm', min: -1000, max: 10000 } },
    alarms: ['high_water', 'sensor_fault'],
  },
  manhole_tilt: {
    metrics: { tilt_deg: { unit: '°', min: 0, max: 180 } },
    alarms: ['tilt', 'displaced', 'low_battery'],
  },
  elevator_monitor: {
    metrics: { speed_mps: { unit: 'm/s', min: 0, max: 20 }, door_cycles: { unit: '', min: 0, max: 1_000_000 } },
    alarms: ['trapped', 'door_fault', 'overspeed', 'power_loss'],
  },
  access_control: {
    metrics: { door_open_seconds: { unit: 's', min: 0, max: 86_400 } },
    alarms: ['forced_open', 'held_open', 'tamper'],
  },
  hydrant_pressure: {
    metrics: { pressure_mpa: { unit: 'MPa', min: 0, max: 5 } },
    alarms: ['low_pressure', 'leak', 'tamper'],
  },
}

/** The largest payload accepted, in bytes (MQTT and HTTP alike). */
export const MAX_PAYLOAD_BYTES = 4096

const envelope = {
  id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' },
  ts: { type: 'string', format: 'date-time', maxLength: 40 },
} as const

/** The JSON schema of one kind of message from one type of device. */
export function messageSchema(type: DeviceType, kind: MessageKind) {
  const spec = typeSpecs[type]
  const battery = { type: 'integer', minimum: 0, maximum: 100 }
  if (kind === 'heartbeat')
    return {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: { ...envelope, battery, rssi: { type: 'integer', minimum: -150, maximum: 0 } },
    }
  if (kind === 'reading')
    return {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'values'],
      properties: {
        ...envelope,
        battery,
        values: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: Object.fromEntries(
            Object.entries(spec.metrics).map(([m, r]) => [m, { type: 'number', minimum: r.min, maximum: r.max }]),
          ),
        },
      },
    }
  return {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'alarm', 'state'],
    properties: {
      ...envelope,
      alarm: { type: 'string', enum: [...spec.alarms] },
      state: { type: 'string', enum: ['raised', 'cleared'] },
      value: { type: 'number', minimum: -1e9, maximum: 1e9 },
      note: { type: 'string', maxLength: 200 },
    },
  }
}
