// Notices and policies (src/participation/notices-routes.ts) through the generated client: their types
// picked out of the generated paths, the calls, the query keys (under ['participation', 'notices']) and
// the queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type NoticeFilter = ApiQuery<'/api/v1/notices'>
export type NoticePage = ApiResponse<'/api/v1/notices'>
export type NoticeItem = Item<NoticePage['items']>
export type NoticeDetail = ApiResponse<'/api/v1/notices/{id}'>
export type NoticeAttachment = Item<NoticeDetail['attachments']>
export type NewNotice = ApiBody<'/api/v1/notices'>
export type NoticePatch = ApiBody<'/api/v1/notices/{id}', 'patch'>
export type NoticeReads = ApiResponse<'/api/v1/notices/{id}/reads'>
export type NoticeKind = NoticeItem['kind']
export type NoticeStatus = NoticeItem['status']

export const NOTICE_KINDS: readonly NoticeKind[] = ['notice', 'policy']
export const NOTICE_STATUSES: readonly NoticeStatus[] = ['published', 'scheduled', 'draft', 'expired', 'withdrawn']
/** What the server takes as an attachment (it decides the type by the bytes; these are for the picker). */
export const ATTACHMENT_ACCEPT = 'application/pdf,image/png,image/jpeg,image/webp,.pdf,.png,.jpg,.jpeg,.webp'
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

export const noticeKeys = {
  all: ['participation', 'notices'] as const,
  list: (q: NoticeFilter) => ['participation', 'notices', 'list', q] as const,
  detail: (noticeId: number) => ['participation', 'notices', 'detail', noticeId] as const,
  reads: (noticeId: number) => ['participation', 'notices', 'reads', noticeId] as const,
}

export const noticeApi = {
  list: (q: NoticeFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/notices', { params: { query: q }, signal })),
  detail: (noticeId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/notices/{id}', { params: id(noticeId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer publishes one notice. */
  create: (body: NewNotice, idempotencyKey: string) =>
    call(client.POST('/api/v1/notices', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  update: (noticeId: number, body: NoticePatch) =>
    call(client.PATCH('/api/v1/notices/{id}', { params: id(noticeId), body })),
  withdraw: (noticeId: number, reason: string) =>
    call(client.POST('/api/v1/notices/{id}/withdraw', { params: id(noticeId), body: { reason } })),
  markRead: (noticeId: number) => call(client.POST('/api/v1/notices/{id}/read', { params: id(noticeId) })),
  reads: (noticeId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/notices/{id}/reads', { params: id(noticeId), signal })),
  /** The file as the raw body with its own type (octet-stream when the browser does not know it). */
  attach: (noticeId: number, file: File, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/notices/{id}/attachments', {
        params: {
          path: { id: noticeId },
          query: { fileName: file.name },
          header: { 'idempotency-key': idempotencyKey },
        },
        body: file,
        bodySerializer: (f) => f,
        headers: { 'Content-Type': file.type || 'application/octet-stream' },
      }),
    ),
  detach: (noticeId: number, attachmentId: number) =>
    call(
      client.DELETE('/api/v1/notices/{id}/attachments/{attachmentId}', {
        params: { path: { id: noticeId, attachmentId } },
      }),
    ),
  /** The file itself; the browser sends the session cookie with it like any same-origin request. */
  fileUrl: (noticeId: number, attachmentId: number, download = false) =>
    `/api/v1/notices/${noticeId}/attachments/${attachmentId}${download ? '?download=true' : ''}`,
}

export const noticeQueries = {
  list: (q: NoticeFilter) =>
    queryOptions({ queryKey: noticeKeys.list(q), queryFn: ({ signal }) => noticeApi.list(q, signal) }),
  detail: (noticeId: number) =>
    queryOptions({
      queryKey: noticeKeys.detail(noticeId),
      queryFn: ({ signal }) => noticeApi.detail(noticeId, signal),
    }),
  reads: (noticeId: number) =>
    queryOptions({ queryKey: noticeKeys.reads(noticeId), queryFn: ({ signal }) => noticeApi.reads(noticeId, signal) }),
}

/** A notice changed: its new detail shows at once, and the lists and read counts it appears in refresh. */
export function noticeChanged(detail: NoticeDetail): Promise<void> {
  queryClient.setQueryData(noticeKeys.detail(detail.id), detail)
  return queryClient.invalidateQueries({
    queryKey: noticeKeys.all,
    predicate: (q) => !(q.queryKey[2] === 'detail' && q.queryKey[3] === detail.id),
  })
}
