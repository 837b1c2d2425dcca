// Resident proposals (src/participation/proposals-routes.ts), verification and participation
// preferences (verification-routes.ts) through the generated client: their types picked out of the
// generated paths, the calls, the query keys (kept here, under ['participation', …]) and the queries.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { keys, queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type ProposalFilter = ApiQuery<'/api/v1/proposals'>
export type ProposalPage = ApiResponse<'/api/v1/proposals'>
export type ProposalView = Item<ProposalPage['items']>
export type ProposalDetail = ApiResponse<'/api/v1/proposals/{id}'>
export type ProposalEvent = Item<ProposalDetail['events']>
export type NewProposal = ApiBody<'/api/v1/proposals'>
export type ProposalActionBody = ApiBody<'/api/v1/proposals/{id}/actions'>
export type ProposalAction = ProposalActionBody['action']
export type ProposalState = ProposalView['status']
export type ProposalCategory = ProposalView['category']
export type ProposalSort = NonNullable<ProposalFilter['sort']>
export type SimilarProposal = Item<ApiResponse<'/api/v1/proposals/similar'>['items']>
export type SupportResult = ApiResponse<'/api/v1/proposals/{id}/supports', 'post'>
export type ProposalSetting = ApiResponse<'/api/v1/proposal-settings'>
export type ProposalSettingBody = ApiBody<'/api/v1/proposal-settings', 'put'>

export type NewRecord = ApiBody<'/api/v1/accountability'>

export type Verification = ApiResponse<'/api/v1/verification'>
export type Challenge = ApiResponse<'/api/v1/verification/challenge', 'post'>
export type ChallengeBody = ApiBody<'/api/v1/verification/challenge'>
export type InPersonBody = ApiBody<'/api/v1/verification/in-person'>
export type Preferences = ApiResponse<'/api/v1/participation/preferences'>
export type Delivery = Preferences['delivery']
export type Subscription = ApiBody<'/api/v1/participation/unsubscriptions'>
export type SubjectKind = Subscription['subjectKind']

export const proposalApi = {
  list: (q: ProposalFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/proposals', { params: { query: q }, signal })),
  similar: (q: string, areaId: number | undefined, signal?: AbortSignal) =>
    call(client.GET('/api/v1/proposals/similar', { params: { query: { q, areaId } }, signal })),
  detail: (proposalId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/proposals/{id}', { params: id(proposalId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer makes one proposal. */
  create: (body: NewProposal, idempotencyKey: string) =>
    call(client.POST('/api/v1/proposals', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  support: (proposalId: number) => call(client.POST('/api/v1/proposals/{id}/supports', { params: id(proposalId) })),
  takeBack: (proposalId: number) => call(client.DELETE('/api/v1/proposals/{id}/supports', { params: id(proposalId) })),
  act: (proposalId: number, body: ProposalActionBody) =>
    call(client.POST('/api/v1/proposals/{id}/actions', { params: id(proposalId), body })),
  /** The image itself; the browser sends the session cookie like any same-origin request. */
  photoUrl: (proposalId: number, photoId: number) => `/api/v1/proposals/${proposalId}/photos/${photoId}`,
  setting: (areaId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/proposal-settings', { params: { query: { areaId } }, signal })),
  saveSetting: (body: ProposalSettingBody) => call(client.PUT('/api/v1/proposal-settings', { body })),
  /** A "you said, we did" record following an accepted proposal (one per proposal; staff of its area). */
  follow: (body: NewRecord, idempotencyKey: string) =>
    call(client.POST('/api/v1/accountability', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),

  verification: (signal?: AbortSignal) => call(client.GET('/api/v1/verification', { signal })),
  challenge: (body: ChallengeBody) => call(client.POST('/api/v1/verification/challenge', { body })),
  confirm: (code: string) => call(client.POST('/api/v1/verification/confirm', { body: { code } })),
  inPerson: (body: InPersonBody) => call(client.POST('/api/v1/verification/in-person', { body })),
  preferences: (signal?: AbortSignal) => call(client.GET('/api/v1/participation/preferences', { signal })),
  savePreferences: (delivery: Delivery) =>
    call(client.PUT('/api/v1/participation/preferences', { body: { delivery } })),
  unsubscribe: (body: Subscription) => call(client.POST('/api/v1/participation/unsubscriptions', { body })),
  resubscribe: (body: Subscription) => call(client.DELETE('/api/v1/participation/unsubscriptions', { body })),
}

export const proposalKeys = {
  /** Every list, detail, suggestion and setting of proposals. */
  all: ['participation', 'proposals'] as const,
  lists: ['participation', 'proposals', 'list'] as const,
  list: (q: ProposalFilter) => ['participation', 'proposals', 'list', q] as const,
  detail: (proposalId: number) => ['participation', 'proposals', 'detail', proposalId] as const,
  similar: (q: string, areaId: number | undefined) => ['participation', 'proposals', 'similar', q, areaId] as const,
  setting: (areaId: number) => ['participation', 'proposals', 'setting', areaId] as const,
  verification: ['participation', 'verification'] as const,
  preferences: ['participation', 'preferences'] as const,
}

export const proposalQueries = {
  list: (q: ProposalFilter) =>
    queryOptions({ queryKey: proposalKeys.list(q), queryFn: ({ signal }) => proposalApi.list(q, signal) }),
  detail: (proposalId: number) =>
    queryOptions({
      queryKey: proposalKeys.detail(proposalId),
      queryFn: ({ signal }) => proposalApi.detail(proposalId, signal),
    }),
  similar: (q: string, areaId: number | undefined) =>
    queryOptions({
      queryKey: proposalKeys.similar(q, areaId),
      queryFn: ({ signal }) => proposalApi.similar(q, areaId, signal),
      staleTime: 60_000,
    }),
  setting: (areaId: number) =>
    queryOptions({
      queryKey: proposalKeys.setting(areaId),
      queryFn: ({ signal }) => proposalApi.setting(areaId, signal),
    }),
  verification: () =>
    queryOptions({ queryKey: proposalKeys.verification, queryFn: ({ signal }) => proposalApi.verification(signal) }),
  preferences: () =>
    queryOptions({ queryKey: proposalKeys.preferences, queryFn: ({ signal }) => proposalApi.preferences(signal) }),
}

/**
 * A proposal changed (an action): its new detail shows at once; the lists it appears in are
 * refreshed, and the inbox (actions tell the author, the supporters and the staff).
 */
export function proposalChanged(detail: ProposalDetail): Promise<void> {
  queryClient.setQueryData(proposalKeys.detail(detail.id), detail)
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: proposalKeys.lists }),
    queryClient.invalidateQueries({ queryKey: keys.notifications }),
  ]).then(() => undefined)
}

/** A support given or taken back, or a comment written: the detail and the lists refetch (counts, state, the answer clock). */
export function supportChanged(proposalId: number): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: proposalKeys.detail(proposalId) }),
    queryClient.invalidateQueries({ queryKey: proposalKeys.lists }),
  ]).then(() => undefined)
}
