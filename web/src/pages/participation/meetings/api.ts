// Councils and meetings (src/participation/meetings-routes.ts) through the generated client: their
// types picked out of the generated paths, the calls, the query keys (kept here, under
// ['participation', 'meetings' | 'councils', …]) and the queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

export type MeetingFilter = ApiQuery<'/api/v1/meetings'>
export type MeetingView = Item<ApiResponse<'/api/v1/meetings'>['items']>
export type MeetingDetail = ApiResponse<'/api/v1/meetings/{id}'>
export type NewMeeting = ApiBody<'/api/v1/meetings'>
export type MeetingKind = NewMeeting['kind']
export type MeetingState = MeetingView['status']
export type MeetingAction = ApiBody<'/api/v1/meetings/{id}/actions'>['action']
export type Decision = Item<MeetingDetail['decisions']>
export type NewDecision = ApiBody<'/api/v1/meetings/{id}/decisions'>
export type Majority = NewDecision['majority']
export type VoteChoice = ApiBody<'/api/v1/meetings/{id}/decisions/{decisionId}/votes'>['choice']
export type DecisionResult = NonNullable<Decision['result']>
export type Subject = Item<MeetingDetail['subjects']>
export type Registrant = Item<MeetingDetail['registrants']>

export type CouncilFilter = ApiQuery<'/api/v1/councils'>
export type CouncilView = Item<ApiResponse<'/api/v1/councils'>['items']>
export type CouncilDetail = ApiResponse<'/api/v1/councils/{id}'>
export type NewCouncil = ApiBody<'/api/v1/councils'>
export type NewMember = ApiBody<'/api/v1/councils/{id}/members'>
export type CouncilMember = Item<CouncilDetail['members']>
export type MemberRole = CouncilMember['role']

export const meetingApi = {
  list: (q: MeetingFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/meetings', { params: { query: q }, signal })),
  detail: (meetingId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/meetings/{id}', { params: id(meetingId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer schedules one meeting. */
  create: (body: NewMeeting, idempotencyKey: string) =>
    call(client.POST('/api/v1/meetings', { body, params: once(idempotencyKey) })),
  act: (meetingId: number, action: MeetingAction, minutes?: string) =>
    call(
      client.POST('/api/v1/meetings/{id}/actions', {
        params: id(meetingId),
        body: { action, ...(minutes ? { minutes } : {}) },
      }),
    ),
  minutes: (meetingId: number, minutes: string) =>
    call(client.PUT('/api/v1/meetings/{id}/minutes', { params: id(meetingId), body: { minutes } })),
  register: (meetingId: number) => call(client.POST('/api/v1/meetings/{id}/registrations', { params: id(meetingId) })),
  unregister: (meetingId: number) =>
    call(client.DELETE('/api/v1/meetings/{id}/registrations', { params: id(meetingId) })),
  attendance: (meetingId: number, userIds: number[], attended: boolean) =>
    call(client.POST('/api/v1/meetings/{id}/attendance', { params: id(meetingId), body: { userIds, attended } })),
  decide: (meetingId: number, body: NewDecision, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/meetings/{id}/decisions', { params: { ...id(meetingId), ...once(idempotencyKey) }, body }),
    ),
  vote: (meetingId: number, decisionId: number, choice: VoteChoice) =>
    call(
      client.POST('/api/v1/meetings/{id}/decisions/{decisionId}/votes', {
        params: { path: { id: meetingId, decisionId } },
        body: { choice },
      }),
    ),

  councils: (q: CouncilFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/councils', { params: { query: q }, signal })),
  council: (councilId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/councils/{id}', { params: id(councilId), signal })),
  createCouncil: (body: NewCouncil, idempotencyKey: string) =>
    call(client.POST('/api/v1/councils', { body, params: once(idempotencyKey) })),
  addMember: (councilId: number, body: NewMember, idempotencyKey: string) =>
    call(client.POST('/api/v1/councils/{id}/members', { params: { ...id(councilId), ...once(idempotencyKey) }, body })),
  removeMember: (councilId: number, memberId: number) =>
    call(client.DELETE('/api/v1/councils/{id}/members/{memberId}', { params: { path: { id: councilId, memberId } } })),
}

export const meetingKeys = {
  all: ['participation', 'meetings'] as const,
  list: (q: MeetingFilter) => ['participation', 'meetings', 'list', q] as const,
  detail: (meetingId: number) => ['participation', 'meetings', 'detail', meetingId] as const,
  councils: ['participation', 'councils'] as const,
  councilList: (q: CouncilFilter) => ['participation', 'councils', 'list', q] as const,
  council: (councilId: number) => ['participation', 'councils', 'detail', councilId] as const,
}

export const meetingQueries = {
  list: (q: MeetingFilter) =>
    queryOptions({ queryKey: meetingKeys.list(q), queryFn: ({ signal }) => meetingApi.list(q, signal) }),
  detail: (meetingId: number) =>
    queryOptions({
      queryKey: meetingKeys.detail(meetingId),
      queryFn: ({ signal }) => meetingApi.detail(meetingId, signal),
    }),
  councils: (q: CouncilFilter) =>
    queryOptions({ queryKey: meetingKeys.councilList(q), queryFn: ({ signal }) => meetingApi.councils(q, signal) }),
  council: (councilId: number) =>
    queryOptions({
      queryKey: meetingKeys.council(councilId),
      queryFn: ({ signal }) => meetingApi.council(councilId, signal),
    }),
}

/** A meeting changed: its new detail shows at once, the lists refresh (counts, registered). */
export function meetingChanged(detail: MeetingDetail): Promise<void> {
  queryClient.setQueryData(meetingKeys.detail(detail.id), detail)
  return queryClient.invalidateQueries({
    queryKey: meetingKeys.all,
    predicate: (q) => !(q.queryKey[2] === 'detail' && q.queryKey[3] === detail.id),
  })
}

/** A council changed: its detail at once, the lists refreshed. */
export function councilChanged(detail: CouncilDetail): Promise<void> {
  queryClient.setQueryData(meetingKeys.council(detail.id), detail)
  return queryClient.invalidateQueries({
    queryKey: meetingKeys.councils,
    predicate: (q) => !(q.queryKey[2] === 'detail' && q.queryKey[3] === detail.id),
  })
}
