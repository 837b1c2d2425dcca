import { sql } from 'kysely'
import { sealPhone, type FieldCipher } from '../core/crypto.js'
import type { Database } from '../core/db.js'
import { asSystem } from '../core/scope.js'

/**
 * Encrypts phones an older version stored in clear (staff phones, reporters' phones, the
 * recipients of queued text messages), then clears the plaintext.
 * Runs after the migrations at every start and CLI command; with nothing left to seal it is one
 * indexed query. Returns how many values were sealed.
 */
export async function sealPlaintextPhones(database: Database, cipher: FieldCipher): Promise<number> {
  return asSystem(database.db, async (tx) => {
    const { rows } = await sql<{
      id: number
      phone: string
    }>`select id, phone from app_user where phone is not null for update`.execute(tx)
    for (const r of rows) {
      const p = sealPhone(cipher, r.phone.replace(/[\s-]/g, ''))
      await sql`update app_user set phone_enc = ${p.enc}, phone_masked = ${p.masked}, phone = null where id = ${r.id}`.execute(
        tx,
      )
    }
    const { rows: cases } = await sql<{
      id: number
      phone: string
    }>`select id, reporter_phone as phone from cases where reporter_phone is not null for update`.execute(tx)
    for (const r of cases) {
      const p = sealPhone(cipher, r.phone.replace(/[\s-]/g, ''))
      await sql`update cases set reporter_phone_enc = ${p.enc}, reporter_phone_masked = ${p.masked}, reporter_phone = null where id = ${r.id}`.execute(
        tx,
      )
    }
    const { rows: queued } = await sql<{
      id: number
      recipient: string
    }>`select id, recipient from message_outbox where recipient is not null for update`.execute(tx)
    for (const r of queued) {
      await sql`update message_outbox set recipient_enc = ${cipher.encrypt(r.recipient)}, recipient = null where id = ${r.id}`.execute(
        tx,
      )
    }
    return rows.length + cases.length + queued.length
  })
}
