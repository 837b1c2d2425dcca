import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root, so that SQL migrations and the built web app are found from src/ and dist/ alike. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface Config {
  port: number
  host: string
  dataDir: string
  databaseUrl: string | undefined
  /** A streaming replica for reads that tolerate lag (statistics, Open311 lists); PostgreSQL only. */
  databaseReadUrl: string | undefined
  production: boolean
  logLevel: string
  sessionTtlHours: number
  tileUrl: string | null
  tileAttribution: string | null
  webDir: string
  /** How often due workflow timers are fired; 0 turns the scheduler off (tests drive it). */
  schedulerIntervalMs: number
  /** How often new audit entries are linked into the hash chain; 0 leaves it to verifications. */
  auditLinkIntervalMs: number
  /** Sign-in attempts per client address per minute (on top of the per-username throttle). */
  loginRatePerMinute: number
  /** Anonymous reports (and photo uploads) per client address per minute. */
  anonymousIntakeRatePerMinute: number
  /** Open311 service requests per API key per minute. */
  apiKeyRatePerMinute: number
  /** Verification codes (text messages to the registry phone) an account may ask for per hour. */
  verificationCodesPerHour: number
  /** Bearer token for Prometheus scrapes of /metrics; unset: only root admins may read them. */
  metricsToken: string | null
  /** Master key for personal-data encryption, base64 (GRASSROOTS_DATA_KEY); wins over the key file. */
  dataKey: string | null
  /** File holding the master key (GRASSROOTS_DATA_KEY_FILE); default: <DATA_DIR>.key beside the data directory. */
  dataKeyFile: string
  /** Port of the embedded MQTT broker (MQTT_PORT, default 1883; 0 picks a free one). Unused when mqttUrl is set. */
  mqttPort: number
  /** Port of the embedded broker's MQTT over WebSocket (MQTT_WS_PORT, default 8083; 0 picks a free one). */
  mqttWsPort: number
  /** An external broker to subscribe to instead of the embedded one (MQTT_URL, e.g. mqtt://user:pass@host:1883). */
  mqttUrl: string | null
  /** Whether devices are served at all (MQTT_ENABLED=0 turns the broker and the subscriber off). */
  mqttEnabled: boolean
  /** Messages one device may send per minute before the rest are dropped (DEVICE_RATE_PER_MINUTE). */
  deviceRatePerMinute: number
  /**
   * Whether the first start of a fresh demo city adds a year of case history: DEMO_HISTORY=1 yes,
   * DEMO_HISTORY=0 (or `serve --empty`) no; unset (null): on the embedded database only.
   */
  demoHistory: boolean | null
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`)
  return n
}

export function loadConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = overrides.dataDir ?? path.resolve(process.env.DATA_DIR || 'data')
  return {
    port: intFromEnv('PORT', 8080),
    host: process.env.HOST || '127.0.0.1',
    dataDir,
    databaseUrl: process.env.DATABASE_URL || undefined,
    databaseReadUrl: process.env.DATABASE_READ_URL || undefined,
    production: process.env.NODE_ENV === 'production',
    logLevel: process.env.LOG_LEVEL || 'info',
    sessionTtlHours: intFromEnv('SESSION_TTL_HOURS', 12),
    tileUrl: process.env.TILE_URL || null,
    tileAttribution: process.env.TILE_ATTRIBUTION || null,
    webDir: path.join(packageRoot, 'web', 'dist'),
    schedulerIntervalMs: intFromEnv('SCHEDULER_INTERVAL_MS', 5000),
    auditLinkIntervalMs: intFromEnv('AUDIT_LINK_INTERVAL_MS', 250),
    loginRatePerMinute: intFromEnv('RATE_LIMIT_LOGIN_PER_MINUTE', 20),
    anonymousIntakeRatePerMinute: intFromEnv('RATE_LIMIT_ANONYMOUS_INTAKE_PER_MINUTE', 30),
    apiKeyRatePerMinute: intFromEnv('RATE_LIMIT_API_KEY_PER_MINUTE', 600),
    verificationCodesPerHour: intFromEnv('RATE_LIMIT_VERIFICATION_CODES_PER_HOUR', 10),
    metricsToken: process.env.METRICS_TOKEN || null,
    dataKey: process.env.GRASSROOTS_DATA_KEY || null,
    dataKeyFile: path.resolve(process.env.GRASSROOTS_DATA_KEY_FILE || `${dataDir}.key`),
    mqttPort: intFromEnv('MQTT_PORT', 1883),
    mqttWsPort: intFromEnv('MQTT_WS_PORT', 8083),
    mqttUrl: process.env.MQTT_URL || null,
    mqttEnabled: process.env.MQTT_ENABLED !== '0',
    deviceRatePerMinute: intFromEnv('DEVICE_RATE_PER_MINUTE', 600),
    demoHistory: process.env.DEMO_HISTORY === '1' ? true : process.env.DEMO_HISTORY === '0' ? false : null,
    ...overrides,
  }
}
