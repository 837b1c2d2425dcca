// Comments of consultations and proposals (src/participation/comments-routes.ts) through the generated
// client: their types picked out of the generated paths, the calls, the query keys (under
// ['participation', 'comments', …]) and the queries.
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type CommentQuery = ApiQuery<'/api/v1/comments'>
export type CommentPage = ApiResponse<'/api/v1/comments'>
export type Comment = Item<CommentPage['items']>
export type NewComment = ApiBody<'/api/v1/comments'>
export type CommentSubjectKind = NewComment['subjectKind']
export type ReportReason = ApiBody<'/api/v1/comments/{id}/report'>['reason']
export type ModerationQuery = ApiQuery<'/api/v1/moderation/comments'>
export type ModerationPage = ApiResponse<'/api/v1/moderation/comments'>
export type ModerationItem = Item<ModerationPage['items']>

/** A thread: the subject (and section) it belongs to, and the comment whose replies it holds. */
export interface ThreadRef {
  subjectKind: CommentSubjectKind
  subjectId: number
  sectionId?: number
  parentId?: number
}

export const COMMENT_PAGE = 20
export const COMMENT_MAX = 2000

export const commentApi = {
  list: (q: CommentQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/comments', { params: { query: q }, signal })),
  /** One Idempotency-Key per written comment: a retry after a lost answer posts it once. */
  post: (body: NewComment, idempotencyKey: string) =>
    call(client.POST('/api/v1/comments', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  report: (commentId: number, reason: ReportReason) =>
    call(client.POST('/api/v1/comments/{id}/report', { params: id(commentId), body: { reason } })),
  hide: (commentId: number, reason: string) =>
    call(client.POST('/api/v1/comments/{id}/hide', { params: id(commentId), body: { reason } })),
  restore: (commentId: number) => call(client.POST('/api/v1/comments/{id}/restore', { params: id(commentId) })),
  moderation: (q: ModerationQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/moderation/comments', { params: { query: q }, signal })),
}

export const commentKeys = {
  /** Every thread and the moderation queue. */
  all: ['participation', 'comments'] as const,
  /** Every thread of one subject (its sections and replies). */
  subject: (kind: CommentSubjectKind, subjectId: number) => ['participation', 'comments', kind, subjectId] as const,
  thread: (r: ThreadRef) =>
    ['participation', 'comments', r.subjectKind, r.subjectId, r.sectionId ?? null, r.parentId ?? null] as const,
  moderation: (q: ModerationQuery) => ['participation', 'comments', 'moderation', q] as const,
}

export const commentQueries = {
  /** A thread page by page (oldest first); each next page starts after the last comment seen. */
  thread: (r: ThreadRef) =>
    infiniteQueryOptions({
      queryKey: commentKeys.thread(r),
      queryFn: ({ pageParam, signal }) =>
        commentApi.list(
          {
            subjectKind: r.subjectKind,
            subjectId: r.subjectId,
            sectionId: r.sectionId,
            parentId: r.parentId,
            pageSize: COMMENT_PAGE,
            after: pageParam ?? undefined,
          },
          signal,
        ),
      initialPageParam: null as number | null,
      getNextPageParam: (last) => last.nextAfter ?? null,
    }),
  moderation: (q: ModerationQuery) =>
    queryOptions({ queryKey: commentKeys.moderation(q), queryFn: ({ signal }) => commentApi.moderation(q, signal) }),
}
