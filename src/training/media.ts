import { createHash } from 'node:crypto'
import { fileTypeFromBuffer } from 'file-type'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input } from '../core/http.js'
import { id, shape, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { type MediaType, mediaMaxBytes, mediaTypes, trainingKeepers } from './common.js'

// The lessons' files (images, PDFs, videos): accepted by their bytes, stored uncompressed out of
// line (STORAGE EXTERNAL), and served by range — a video player asks for the parts it plays, and
// each part is read with substring() so that only its chunks are fetched from the table.

export type MediaKind = keyof typeof mediaTypes
export const mediaKinds = Object.keys(mediaTypes) as MediaKind[]
/** The body limit of the upload route: the largest kind's. */
export const MAX_MEDIA_BYTES = Math.max(...Object.values(mediaMaxBytes))
/** How much of a file one query reads while streaming a range (each its own short transaction). */
export const MEDIA_CHUNK_BYTES = 1 << 20

export const mediaUploadQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['areaId', 'kind', 'fileName'],
  properties: {
    areaId: {
      ...id,
      description: 'The area of the course the file is for (a lesson takes files of its course’s area)',
    },
    kind: { type: 'string', enum: mediaKinds },
    fileName: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const
export type MediaUpload = Input<typeof mediaUploadQuery>

export const mediaSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  kind: { type: 'string', enum: mediaKinds },
  contentType: { type: 'string' },
  fileName: { type: 'string' },
  size: { type: 'integer' },
  sha256: { type: 'string' },
  createdAt: timestamp,
})

/** Stores a file for a lesson of `kind`: its bytes must be of that kind and within its size. */
export async function uploadMedia(tx: Tx, ctx: RequestContext, q: MediaUpload, data: Buffer, now: Date) {
  const actor = requireActor(ctx)
  const area = await tx.selectFrom('area').select(['id', 'path']).where('id', '=', q.areaId).executeTakeFirst()
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${q.areaId}`, 'areaId')
  if (!holds(actor, trainingKeepers, area.path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff over the area add training files')
  const max = mediaMaxBytes[q.kind]
  if (data.length > max)
    throw new AppError('PAYLOAD_TOO_LARGE', `a ${q.kind} file may have at most ${max} bytes`, 'body')
  if (data.length === 0) throw new AppError('TRAINING_MEDIA_INVALID', 'the file is empty', 'body')
  // The bytes decide, never the name or the type the browser claims.
  const sniffed = (await fileTypeFromBuffer(data))?.mime
  const allowed = mediaTypes[q.kind] as readonly string[]
  if (!sniffed || !allowed.includes(sniffed))
    throw new AppError(
      'TRAINING_MEDIA_INVALID',
      `the bytes are ${sniffed ? `a ${sniffed} file` : 'of no known type'}, not a ${q.kind} (${allowed.join(', ')})`,
      'body',
    )
  const sha256 = createHash('sha256').update(data).digest('hex')
  const made = await tx
    .insertInto('training_media')
    .values({
      area_id: area.id,
      content_type: sniffed,
      file_name: q.fileName,
      size: data.length,
      sha256,
      content: data,
      created_by: actor.userId,
      created_at: now,
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'training.media.upload',
    entityType: 'training_media',
    entityId: made.id,
    areaId: area.id,
    detail: { kind: q.kind, contentType: sniffed, size: data.length, fileName: q.fileName },
  })
  return {
    id: Number(made.id),
    areaId: area.id,
    kind: q.kind,
    contentType: sniffed,
    fileName: q.fileName,
    size: data.length,
    sha256,
    createdAt: new Date(made.created_at).toISOString(),
  }
}

export interface MediaHead {
  id: number
  contentType: MediaType
  fileName: string
  size: number
  sha256: string
}

/** What the caller may read of a file (row-level security: staff on the branch of its area), without its bytes. */
export async function mediaHead(tx: Tx, ctx: RequestContext, mediaId: number): Promise<MediaHead> {
  requireActor(ctx)
  const m = await tx
    .selectFrom('training_media')
    .select(['id', 'content_type', 'file_name', 'size', 'sha256'])
    .where('id', '=', mediaId)
    .executeTakeFirst()
  if (!m) throw notFound('TRAINING_MEDIA_NOT_FOUND', `file ${mediaId}`, 'id')
  // A file is the learners' once a published (or archived) course uses it; until then — a draft's
  // picture, an upload not yet in a lesson — it is its keepers' only, like the draft itself.
  const { rows } = await sql<{ path: string; shown: boolean }>`select a.path,
      exists (select 1 from training_lesson l join training_course c on c.id = l.course_id
              where l.media_id = ${mediaId} and c.status <> 'draft') as shown
    from training_media m join area a on a.id = m.area_id where m.id = ${mediaId}`.execute(tx)
  const place = rows[0]
  if (!place || (!place.shown && !holds(ctx.actor, trainingKeepers, place.path)))
    throw notFound('TRAINING_MEDIA_NOT_FOUND', `file ${mediaId}`, 'id')
  return {
    id: Number(m.id),
    contentType: m.content_type as MediaType,
    fileName: m.file_name,
    size: m.size,
    sha256: m.sha256,
  }
}

/** `len` bytes of a file from `start` (0-based), read out of line without the rest. */
export async function mediaBytes(tx: Tx, mediaId: number, start: number, len: number): Promise<Buffer> {
  const { rows } = await sql<{ part: Uint8Array | null }>`select substring(content from ${start + 1} for ${len}) as part
    from training_media where id = ${mediaId}`.execute(tx)
  const part = rows[0]?.part
  if (!part) throw notFound('TRAINING_MEDIA_NOT_FOUND', `file ${mediaId}`, 'id')
  return Buffer.from(part.buffer, part.byteOffset, part.byteLength)
}

/**
 * The byte range a Range header asks of a file of `size` bytes: null for the whole file (no
 * header, another unit, several ranges, or a header that does not parse — RFC 9110 says to
 * ignore those), or RANGE_NOT_SATISFIABLE when it starts past the end.
 */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | null {
  if (!header) return null
  const m = /^bytes=\s*(\d*)-(\d*)\s*$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return null
  const unsatisfiable = () =>
    new AppError('RANGE_NOT_SATISFIABLE', `the file has ${size} bytes`, 'range', { 'content-range': `bytes */${size}` })
  if (m[1] === '') {
    // The last n bytes.
    const n = Number(m[2])
    if (n === 0) throw unsatisfiable()
    return { start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(m[1])
  const last = m[2] === '' ? null : Number(m[2])
  if (last !== null && last < start) return null
  if (start >= size) throw unsatisfiable()
  return { start, end: Math.min(last ?? size - 1, size - 1) }
}
