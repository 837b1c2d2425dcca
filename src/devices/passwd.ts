import { randomBytes } from 'node:crypto'
import { chownSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Db } from '../core/db.js'
import { hashDeviceSecret } from './common.js'

// `grassroots devices passwd --out DIR`: the files an external broker (mosquitto) needs to
// authenticate devices and keep each to its own topic, written from the device registry.
//
//   DIR/passwd         password_file: `<code>:<secret_hash>` per device that is not retired (the
//                      stored hash is already mosquitto's PBKDF2-SHA512 `$7$` form), plus the
//                      platform's own user
//   DIR/acl            acl_file: each device writes only grassroots/devices/<its code>/…, the
//                      platform reads grassroots/devices/#, nobody else reads anything
//   DIR/mosquitto.conf a configuration using both, with the settings the platform relies on
//
// After a device is registered, rotated or retired, write the files again and send mosquitto
// SIGHUP (`kill -HUP $(pidof mosquitto)` or `systemctl reload mosquitto`): it rereads both files.

/** The platform's username at the broker: a leading underscore no device code can have. */
export const PLATFORM_USER = '_grassroots'

export interface PasswdResult {
  dir: string
  devices: number
  /** The platform's URL for MQTT_URL (with its password when this run chose a new one). */
  platformUrl: string
  files: { passwd: string; acl: string; conf: string }
}

/** Writes a file whole or not at all (mosquitto may reread it at any moment); owner and group read it. */
function writeAtomically(file: string, text: string, owner: { uid: number; gid: number } | null) {
  writeFileSync(`${file}.tmp`, text, { mode: 0o640 })
  if (owner) chownSync(`${file}.tmp`, 0, owner.gid)
  renameSync(`${file}.tmp`, file)
}

/**
 * The broker's system user (Debian's mosquitto, started as root, switches to `mosquitto`): when we
 * run as root and it exists, the files are given its group and the persistence directory to it.
 */
function brokerUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('mosquitto:'))
    if (!line) return null
    const [, , uid, gid] = line.split(':')
    return { uid: Number(uid), gid: Number(gid) }
  } catch {
    return null
  }
}

export function aclText(): string {
  return [
    '# Written by `grassroots devices passwd`: each device publishes only under its own code;',
    '# the platform reads every device topic. Anything not granted is denied.',
    'pattern write grassroots/devices/%u/alarm',
    'pattern write grassroots/devices/%u/reading',
    'pattern write grassroots/devices/%u/heartbeat',
    '',
    `user ${PLATFORM_USER}`,
    'topic read grassroots/devices/#',
    '',
  ].join('\n')
}

export function mosquittoConf(dir: string, port: number, persistenceDir: string): string {
  return [
    '# Written by `grassroots devices passwd`. Reload with SIGHUP after writing the files again.',
    `listener ${port}`,
    'allow_anonymous false',
    // A client's id is its username: no device can take over another's session by its id.
    'use_username_as_clientid true',
    `password_file ${path.join(dir, 'passwd')}`,
    `acl_file ${path.join(dir, 'acl')}`,
    // The platform's session (and the alarms waiting in it) survives a broker restart.
    'persistence true',
    `persistence_location ${persistenceDir.endsWith('/') ? persistenceDir : `${persistenceDir}/`}`,
    'autosave_interval 10',
    // Messages kept for the platform while it is away (QoS 1), instead of mosquitto's 1000.
    'max_queued_messages 1000000',
    // A device message is at most 4 KB of payload.
    'max_packet_size 8192',
    '',
  ].join('\n')
}

export async function writeBrokerFiles(
  db: Db,
  opts: {
    out: string
    platformPassword?: string
    port?: number
    host?: string
    /** Whose group reads the files (default: the mosquitto user when run as root; null: leave them ours). */
    owner?: { uid: number; gid: number } | null
  },
): Promise<PasswdResult> {
  const dir = path.resolve(opts.out)
  mkdirSync(dir, { recursive: true })
  const rows = await db
    .selectFrom('device')
    .select(['code', 'secret_hash'])
    .where('state', '<>', 'retired')
    .orderBy('code')
    .execute()
  const password = opts.platformPassword ?? randomBytes(24).toString('base64url')
  const lines = rows.filter((r) => r.code !== PLATFORM_USER).map((r) => `${r.code}:${r.secret_hash}`)
  lines.push(`${PLATFORM_USER}:${hashDeviceSecret(password)}`)
  const files = {
    passwd: path.join(dir, 'passwd'),
    acl: path.join(dir, 'acl'),
    conf: path.join(dir, 'mosquitto.conf'),
  }
  const port = opts.port ?? 1883
  const owner = opts.owner === undefined ? brokerUser() : opts.owner
  writeAtomically(files.passwd, `${lines.join('\n')}\n`, owner)
  writeAtomically(files.acl, aclText(), owner)
  writeAtomically(files.conf, mosquittoConf(dir, port, path.join(dir, 'data')), owner)
  mkdirSync(path.join(dir, 'data'), { recursive: true })
  if (owner) chownSync(path.join(dir, 'data'), owner.uid, owner.gid)
  return {
    dir,
    devices: rows.length,
    platformUrl: `mqtt://${PLATFORM_USER}:${encodeURIComponent(password)}@${opts.host ?? '127.0.0.1'}:${port}`,
    files,
  }
}
