import { fileTypeFromBuffer } from 'file-type'
import { AppError } from './errors.js'
import type { App } from './http.js'

// Files attached to records (a notice's PDF, an application's documents, a project report's
// photos): sent as the raw request body, accepted by their bytes, never by the type the client
// claims, and served back with their file name.

/** Files accepted as attachments. */
export const attachmentTypes = ['application/pdf', 'image/png', 'image/jpeg', 'image/webp'] as const
export type AttachmentType = (typeof attachmentTypes)[number]

/** The content types an upload may be sent with; the bytes decide what it is. */
const uploadTypes = [...attachmentTypes, 'application/octet-stream'] as const

/** The real type of an upload (never what the client claims), or ATTACHMENT_INVALID naming `field`. */
export async function sniffAttachment(
  data: Buffer,
  allowed: readonly AttachmentType[],
  maxBytes: number,
  field = 'body',
): Promise<AttachmentType> {
  if (data.length === 0) throw new AppError('ATTACHMENT_INVALID', 'the file is empty', field)
  if (data.length > maxBytes)
    throw new AppError('PAYLOAD_TOO_LARGE', `a file may have at most ${maxBytes} bytes`, field)
  const type = await fileTypeFromBuffer(data)
  const mime = type?.mime as AttachmentType | undefined
  if (!mime || !allowed.includes(mime))
    throw new AppError('ATTACHMENT_INVALID', `only ${allowed.join(', ')} files are accepted`, field)
  return mime
}

/**
 * Lets the routes of `app` take a file as the raw body, up to `maxBytes`. Call it in a plugin of
 * the routes' own, so the raw-body parser applies to them only.
 */
export function acceptRawUploads(app: App, maxBytes: number): void {
  for (const type of uploadTypes)
    if (!app.hasContentTypeParser(type))
      app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, payload, done) =>
        done(null, payload),
      )
}

/** The OpenAPI body of an upload route. */
export const rawUploadBody = {
  content: Object.fromEntries(uploadTypes.map((type) => [type, { schema: { description: 'the file, as raw bytes' } }])),
}

/** The OpenAPI 200 answer of a route serving an attachment. */
export const attachmentResponse = {
  description: 'The file as it was uploaded',
  content: Object.fromEntries(attachmentTypes.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
} as const

/** The uploaded bytes, or 415 naming the content types to send them with. */
export function uploadedFile(body: unknown): Buffer {
  if (!Buffer.isBuffer(body))
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `send the file as the request body with one of the content types ${uploadTypes.join(', ')}`,
      'body',
    )
  return body
}

/** A Content-Disposition header keeping a Chinese file name (RFC 6266 with an ASCII fallback). */
export function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%;]/g, '_')
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`
}
