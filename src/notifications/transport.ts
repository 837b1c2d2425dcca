// How text messages (SMS) and e-mail leave the platform. The application speaks only to the
// MessageTransport interface: what to send is a template key plus parameters, never finished
// text, because SMS providers in China send only pre-approved templates (签名 + 模板) and the
// wording per locale belongs to the provider's template or to the mail renderer.
//
// Only the development transport exists: it logs. There is no real SMS or mail provider yet.
//
// Plugging in a provider:
//   1. Write a class implementing MessageTransport in its own file under src/notifications/
//      (e.g. `AliyunSmsTransport`, `SmtpMailTransport`). Map `templateKey` (+ `locale`) to the
//      provider's template id, pass `params` as the template variables, and throw when the
//      provider refuses or cannot be reached: callers queue messages and retry on a throw.
//   2. Take credentials from the environment in its constructor and never log them or the full
//      recipient.
//   3. Add a case to transportFromEnv() for its MESSAGE_TRANSPORT value (e.g. `aliyun`), and,
//      for mixed setups, a transport that routes by `channel` ('sms' → provider A, 'email' →
//      provider B).
//   4. Call send() outside database transactions (it is network I/O; on PGlite an open
//      transaction blocks everything), e.g. from a worker that drains an outbox table the way
//      webhooks.ts does.

import { openSync, writeSync } from 'node:fs'

export type MessageChannel = 'sms' | 'email'
export type MessageLocale = 'zh-CN' | 'en'

export interface OutgoingMessage {
  /** A phone number (sms) or an e-mail address (email). */
  to: string
  channel: MessageChannel
  /** Names the template, e.g. 'case.update', 'auth.code'. */
  templateKey: string
  params: Record<string, string>
  locale: MessageLocale
  /**
   * The sender's own reference for this message, stable across retries (e.g. 'alert-12-3456' for
   * an emergency alert to one resident). A worker that crashes after handing a message to the
   * transport but before marking it sent hands it over again after its lease, with the SAME id:
   * a provider transport must pass it as the provider's client reference (Aliyun SendSms `OutId`,
   * Tencent Cloud SMS `SessionContext`, or the provider's idempotency key) so the provider drops
   * the duplicate. That window — between send() returning and the mark committing — is the only
   * place a message can be handed over twice; with this id the resident still gets it once.
   */
  messageId?: string
}

export interface MessageTransport {
  send(msg: OutgoingMessage): Promise<void>
}

/** A pino-style logging function: a structured object and a message, e.g. `log.info.bind(log)`. */
export type LogFn = (obj: Record<string, unknown>, msg: string) => void

/** Writes one pino-compatible JSON line to stdout (level 30 = info). */
export const stdoutLog: LogFn = (obj, msg) => {
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, ...obj, msg })}\n`)
}

/** '13900001111' → '139****1111'; 'zhang.san@example.com' → 'z***@example.com'. */
export function maskRecipient(to: string, channel: MessageChannel): string {
  if (channel === 'email') {
    const at = to.lastIndexOf('@')
    return at > 0 ? `${to[0]}***${to.slice(at)}` : '***'
  }
  const digits = to.replace(/[^0-9+]/g, '')
  return digits.length >= 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : '****'
}

const PHONE = /^\+?[0-9][0-9 -]{4,19}$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Refuses what no provider would accept, so mistakes show up in development already. */
export function checkMessage(msg: OutgoingMessage): void {
  if (msg.channel !== 'sms' && msg.channel !== 'email') throw new TypeError(`unknown channel ${String(msg.channel)}`)
  if (msg.locale !== 'zh-CN' && msg.locale !== 'en') throw new TypeError(`unknown locale ${String(msg.locale)}`)
  if (!(msg.channel === 'sms' ? PHONE : EMAIL).test(msg.to))
    throw new TypeError(`not a valid ${msg.channel === 'sms' ? 'phone number' : 'e-mail address'}`)
  if (!/^[a-z][a-z0-9_.-]{0,99}$/.test(msg.templateKey)) throw new TypeError(`invalid template key ${msg.templateKey}`)
}

/**
 * Development transport: logs one structured line per message instead of sending it. The
 * recipient is masked; template parameters are logged as they are, so templates should carry
 * no more personal data than the message needs.
 */
export class LogTransport implements MessageTransport {
  constructor(private readonly log: LogFn = stdoutLog) {}

  async send(msg: OutgoingMessage): Promise<void> {
    checkMessage(msg)
    this.log(
      {
        transport: 'log',
        channel: msg.channel,
        to: maskRecipient(msg.to, msg.channel),
        templateKey: msg.templateKey,
        locale: msg.locale,
        params: msg.params,
        ...(msg.messageId ? { messageId: msg.messageId } : {}),
      },
      `message not sent (MESSAGE_TRANSPORT=log): ${msg.channel} ${msg.templateKey}`,
    )
  }
}

export const messageTransports = ['log'] as const

/**
 * Appends one JSON line per message to a file, written synchronously: a line is on disk (in the
 * page cache, which a killed process does not lose) before send() returns. For tests and
 * benchmarks that count what a process handed to the transport (MESSAGE_LOG_FILE).
 */
export function fileLog(file: string): LogFn {
  const fd = openSync(file, 'a')
  return (obj, msg) => {
    writeSync(fd, `${JSON.stringify({ time: Date.now(), pid: process.pid, ...obj, msg })}\n`)
  }
}

/** The transport named by MESSAGE_TRANSPORT (default `log`; to MESSAGE_LOG_FILE when set). */
export function transportFromEnv(
  env: Record<string, string | undefined> = process.env,
  log: LogFn = stdoutLog,
): MessageTransport {
  const name = (env.MESSAGE_TRANSPORT ?? '').trim() || 'log'
  switch (name) {
    case 'log':
      return new LogTransport(env.MESSAGE_LOG_FILE ? fileLog(env.MESSAGE_LOG_FILE) : log)
    default:
      throw new Error(`MESSAGE_TRANSPORT=${name} is not supported; use one of: ${messageTransports.join(', ')}`)
  }
}
