import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../core/privacy.js'
import { fileTypeFromBuffer } from 'file-type'
import { AppError, notFound } from '../core/errors.js'
import type { Tx } from '../core/db.js'
import type { Output } from '../core/http.js'
import { shape } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024

/** Tokens of photos uploaded with POST /api/v1/photos, to attach to a case or an action. */
export const photoTokens = {
  type: 'array',
  maxItems: 9,
  items: { type: 'string', minLength: 1, maxLength: 100 },
} as const

export const uploadedPhotoSchema = shape({
  id: { type: 'integer' },
  token: { type: 'string', description: 'Names the photo in `photos` of a new case or an action, once' },
  contentType: { type: 'string' },
  byteSize: { type: 'integer' },
})
const ALLOWED = new Set(['image/jpeg', 'image/png', 'image/webp'])

/**
 * Checks an upload by its bytes, not by what the client claims: only JPEG, PNG or WebP up to
 * 5 MB. The photo waits unattached until a case or an action names its token.
 */
export async function sniffPhoto(data: Buffer): Promise<string> {
  if (data.length === 0) throw new AppError('PHOTO_INVALID', 'the photo is empty', 'body')
  if (data.length > MAX_PHOTO_BYTES)
    throw new AppError('PAYLOAD_TOO_LARGE', `a photo may have at most ${MAX_PHOTO_BYTES} bytes`, 'body')
  const type = await fileTypeFromBuffer(data)
  if (!type || !ALLOWED.has(type.mime))
    throw new AppError('PHOTO_INVALID', 'only JPEG, PNG and WebP photos are accepted', 'body')
  return type.mime
}

export async function storePhoto(
  tx: Tx,
  ctx: RequestContext,
  data: Buffer,
  contentType: string,
): Promise<Output<typeof uploadedPhotoSchema>> {
  const token = randomBytes(18).toString('base64url')
  const row = await tx
    .insertInto('case_photo')
    .values({
      token,
      case_id: null,
      uploader_id: ctx.actor?.userId ?? null,
      content_type: contentType,
      byte_size: data.length,
      sha256: sha256Hex(data),
      data,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow()
  return { id: row.id, token, contentType, byteSize: data.length }
}

/** Attaches uploaded photos (by token) to a case; each token names an unattached photo. */
export async function attachPhotos(tx: Tx, caseId: number, tokens: string[], field: string): Promise<number[]> {
  if (tokens.length === 0) return []
  const rows = await tx
    .selectFrom('case_photo')
    .select(['id', 'token', 'case_id'])
    .where('token', 'in', tokens)
    .execute()
  const byToken = new Map(rows.map((r) => [r.token, r]))
  const ids: number[] = []
  tokens.forEach((t, i) => {
    const p = byToken.get(t)
    if (!p || p.case_id !== null)
      throw new AppError('PHOTO_INVALID', 'unknown or already used photo token', `${field}[${i}]`)
    ids.push(p.id)
  })
  await tx.updateTable('case_photo').set({ case_id: caseId }).where('id', 'in', ids).execute()
  return ids
}

export async function photoData(tx: Tx, id: number) {
  const p = await tx
    .selectFrom('case_photo')
    .select(['content_type', 'data'])
    .where('id', '=', id)
    .where('case_id', 'is not', null)
    .executeTakeFirst()
  if (!p) throw notFound('NOT_FOUND', `photo ${id}`)
  return p
}
