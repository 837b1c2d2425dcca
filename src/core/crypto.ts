import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Config } from '../config.js'
import { maskPhone } from './privacy.js'

/**
 * Field encryption for personal data (ID numbers, phones): AES-256-GCM with a random 96-bit IV per
 * value, and a keyed blind index (HMAC-SHA256) so exact lookups never decrypt the table. Both keys
 * are derived (HKDF) from one master key that lives outside the database: GRASSROOTS_DATA_KEY
 * (base64 of 32 bytes) or a key file, never a column.
 *
 * Stored form: version byte (1) ‖ IV (12) ‖ tag (16) ‖ ciphertext.
 */
export interface FieldCipher {
  encrypt(plain: string): Buffer
  decrypt(stored: Uint8Array): string
  /** Deterministic digest of a normalised value, scoped by `kind` so a phone never matches an ID. */
  blindIndex(kind: string, normalised: string): string
}

const VERSION = 1

/** A phone as it is stored: ciphertext, blind index (exact lookups) and the masked form shown. */
export interface SealedPhone {
  enc: Buffer | null
  bidx: string | null
  masked: string | null
}

/** Seals a normalised phone (digits only); null stays null. */
export function sealPhone(cipher: FieldCipher, phone: string | null): SealedPhone {
  if (phone === null) return { enc: null, bidx: null, masked: null }
  return { enc: cipher.encrypt(phone), bidx: cipher.blindIndex('phone', phone), masked: maskPhone(phone) }
}

export function fieldCipher(masterKey: Buffer): FieldCipher {
  if (masterKey.length !== 32) throw new Error('the data key must be 32 bytes')
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32))
  const encKey = derive('grassroots/field-encryption/v1')
  const indexKey = derive('grassroots/blind-index/v1')
  return {
    encrypt(plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', encKey, iv)
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body])
    },
    decrypt(stored) {
      const buf = Buffer.from(stored)
      if (buf[0] !== VERSION || buf.length < 29) throw new Error('unknown ciphertext format')
      const decipher = createDecipheriv('aes-256-gcm', encKey, buf.subarray(1, 13))
      decipher.setAuthTag(buf.subarray(13, 29))
      return Buffer.concat([decipher.update(buf.subarray(29)), decipher.final()]).toString('utf8')
    },
    blindIndex(kind, normalised) {
      return createHmac('sha256', indexKey).update(`${kind}\u0000${normalised}`).digest('hex').slice(0, 40)
    },
  }
}

function parseKey(text: string | Buffer, source: string): Buffer {
  if (Buffer.isBuffer(text) && text.length === 32) return text
  const decoded = Buffer.from(String(text).trim(), 'base64')
  if (decoded.length !== 32)
    throw new Error(`${source} must hold a 32-byte key, base64-encoded (e.g. \`openssl rand -base64 32\`)`)
  return decoded
}

const cache = new Map<string, FieldCipher>()

/**
 * The cipher for this configuration. The key comes from config.dataKey (GRASSROOTS_DATA_KEY), else
 * from config.dataKeyFile (GRASSROOTS_DATA_KEY_FILE). Outside production a missing key file is
 * created (mode 0600) next to the data directory, never inside it, so a copy of the database
 * alone reveals nothing; production refuses to start without a key.
 */
export function cipherFor(config: Pick<Config, 'dataKey' | 'dataKeyFile' | 'production'>): FieldCipher {
  const id = config.dataKey ? `env:${config.dataKey}` : `file:${config.dataKeyFile}`
  const known = cache.get(id)
  if (known) return known
  let key: Buffer
  if (config.dataKey) key = parseKey(config.dataKey, 'GRASSROOTS_DATA_KEY')
  else if (existsSync(config.dataKeyFile)) key = parseKey(readFileSync(config.dataKeyFile), config.dataKeyFile)
  else {
    if (config.production)
      throw new Error(
        'set GRASSROOTS_DATA_KEY or GRASSROOTS_DATA_KEY_FILE: personal data is encrypted with a key kept outside the database',
      )
    key = randomBytes(32)
    mkdirSync(path.dirname(config.dataKeyFile), { recursive: true })
    writeFileSync(config.dataKeyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    chmodSync(config.dataKeyFile, 0o600)
  }
  const cipher = fieldCipher(key)
  cache.set(id, cipher)
  return cipher
}
