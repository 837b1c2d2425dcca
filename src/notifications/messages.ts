import { sql } from 'kysely'
import type { Clock } from '../core/clock.js'
import type { FieldCipher } from '../core/crypto.js'
import { startPeriodic } from '../core/scheduler.js'
import type { Db, Tx } from '../core/db.js'
import type { MessageTransport } from './transport.js'
import { backoffMs, MAX_ATTEMPTS } from './webhooks.js'

// Reporters without an account hear of their case by text message: queued with the step, sent by
// a worker outside any transaction, retried with the same backoff as webhooks.

const LEASE_MS = 60_000

export interface QueuedMessage {
  /** The case the message is about; null for messages of no case (a verification code). */
  caseId: number | null
  /** The recipient's phone, sealed (src/core/crypto.ts): the outbox never holds it in clear. */
  to: Buffer
  templateKey: 'case.received' | 'case.update' | 'verification.code'
  params: Record<string, string>
  at: Date
}

export async function queueSms(tx: Tx, m: QueuedMessage): Promise<void> {
  await sql`insert into message_outbox (case_id, channel, recipient, recipient_enc, template_key, params, created_at, next_attempt_at)
            values (${m.caseId}, 'sms', null, ${m.to}, ${m.templateKey}, ${JSON.stringify(m.params)}, ${m.at}, ${m.at})`.execute(
    tx,
  )
}

interface OutboxRow {
  id: number
  channel: 'sms' | 'email'
  recipient: string | null
  recipient_enc: Uint8Array | null
  template_key: string
  params: Record<string, string>
  locale: 'zh-CN' | 'en'
  attempts: number
}

/** Sends what is due; returns how many were sent and how many failed this round. */
export async function deliverDueMessages(
  db: Db,
  now: Date,
  transport: MessageTransport,
  cipher: FieldCipher,
  batch = 50,
): Promise<{ sent: number; failed: number }> {
  // Claiming pushes the row's next attempt out by a lease, in one short statement, so another
  // worker skips it while this one sends.
  const { rows } = await sql<OutboxRow>`
    update message_outbox set next_attempt_at = ${new Date(now.getTime() + LEASE_MS)}
    where id in (
      select id from message_outbox
      where sent_at is null and next_attempt_at <= ${now} and attempts < ${MAX_ATTEMPTS}
      order by id limit ${batch}
      for update skip locked)
    returning id, channel, recipient, recipient_enc, template_key, params, locale, attempts`.execute(db)
  let sent = 0
  let failed = 0
  for (const r of rows.sort((a, b) => a.id - b.id)) {
    try {
      // Opened only here, for the transport; a row from an older version may still hold it in clear.
      const to = r.recipient_enc ? cipher.decrypt(r.recipient_enc) : r.recipient!
      await transport.send({ to, channel: r.channel, templateKey: r.template_key, params: r.params, locale: r.locale })
      await sql`update message_outbox set sent_at = ${now}, attempts = attempts + 1, last_error = null where id = ${r.id}`.execute(
        db,
      )
      sent++
    } catch (err) {
      const attempts = r.attempts + 1
      await sql`update message_outbox set attempts = ${attempts}, last_error = ${String((err as Error).message).slice(0, 500)},
                  next_attempt_at = ${new Date(now.getTime() + backoffMs(attempts))} where id = ${r.id}`.execute(db)
      failed++
    }
  }
  return { sent, failed }
}

export function startMessageWorker(
  db: Db,
  clock: Clock,
  transport: MessageTransport,
  cipher: FieldCipher,
  intervalMs: number,
  onError: (err: unknown) => void,
) {
  return startPeriodic(() => deliverDueMessages(db, clock.now(), transport, cipher), intervalMs, onError)
}
