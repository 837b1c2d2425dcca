// Party members (src/party/members-routes.ts) through the generated client: the types picked out
// of the generated paths, the calls, the query keys (under ['party', 'members', …]).
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

const id = (n: number) => ({ path: { id: n } })

export type MemberFilter = ApiQuery<'/api/v1/party/members'>
export type MemberList = ApiResponse<'/api/v1/party/members'>
export type Member = MemberList['items'][number]
export type MemberDetail = ApiResponse<'/api/v1/party/members/{id}'>
export type NewMember = ApiBody<'/api/v1/party/members'>
export type MemberPatch = ApiBody<'/api/v1/party/members/{id}', 'patch'>
export type NewReport = ApiBody<'/api/v1/party/members/{id}/reports'>
export type ReportFilter = ApiQuery<'/api/v1/party/reports'>
export type Report = ApiResponse<'/api/v1/party/reports'>['items'][number]
export type NewAssignment = ApiBody<'/api/v1/party/members/{id}/assignments'>
export type Assignment = ApiResponse<'/api/v1/party/assignments'>['items'][number]
export type Role = Member['role']
export type Standing = Member['standing']
export type WorkplaceKind = Member['workplaceKind']
export type ServicePost = Report['servicePost']

export const roles: Role[] = ['secretary', 'deputy_secretary', 'committee_member', 'member']
export const standings: Standing[] = ['full', 'probationary']
export const workplaceKinds: WorkplaceKind[] = [
  'department',
  'enterprise',
  'institution',
  'social_organisation',
  'community',
  'retired',
  'other',
]
export const servicePosts: ServicePost[] = [
  'policy_outreach',
  'elderly_care',
  'environment',
  'safety_patrol',
  'dispute_mediation',
  'volunteer_service',
  'culture',
  'youth',
  'other',
]

export const membersApi = {
  list: (q: MemberFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/members', { params: { query: q }, signal })),
  detail: (memberId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/members/{id}', { params: id(memberId), signal })),
  create: (body: NewMember, idempotencyKey: string) =>
    call(client.POST('/api/v1/party/members', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  update: (memberId: number, body: MemberPatch) =>
    call(client.PATCH('/api/v1/party/members/{id}', { params: id(memberId), body })),
  report: (memberId: number, body: NewReport, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/party/members/{id}/reports', {
        params: { ...id(memberId), header: { 'idempotency-key': idempotencyKey } },
        body,
      }),
    ),
  reports: (q: ReportFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/reports', { params: { query: q }, signal })),
  withdraw: (reportId: number, version: number) =>
    call(client.PATCH('/api/v1/party/reports/{id}', { params: id(reportId), body: { version } })),
  assign: (memberId: number, body: NewAssignment, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/party/members/{id}/assignments', {
        params: { ...id(memberId), header: { 'idempotency-key': idempotencyKey } },
        body,
      }),
    ),
  end: (assignmentId: number) =>
    call(client.PATCH('/api/v1/party/assignments/{id}', { params: id(assignmentId), body: { ended: true } })),
  onCase: (caseId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/assignments', { params: { query: { caseId } }, signal })),
  organisations: (signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/organisations', { params: { query: { status: 'active', pageSize: 200 } }, signal })),
  /** The registry's people as the caller may find them (the query in the body, never in the URL). */
  people: (q: string, signal?: AbortSignal) =>
    call(client.POST('/api/v1/people/search', { body: { q, pageSize: 20 }, signal })),
}

export const memberKeys = {
  list: (q: MemberFilter) => ['party', 'members', 'list', q] as const,
  detail: (memberId: number) => ['party', 'members', 'detail', memberId] as const,
  reports: (q: ReportFilter) => ['party', 'members', 'reports', q] as const,
  onCase: (caseId: number) => ['party', 'members', 'case', caseId] as const,
}

/** After a change: members, reports, assignments and the statistics read again. */
export const membersChanged = () => queryClient.invalidateQueries({ queryKey: ['party'] })

export const memberQueries = {
  list: (q: MemberFilter) =>
    queryOptions({ queryKey: memberKeys.list(q), queryFn: ({ signal }) => membersApi.list(q, signal) }),
  detail: (memberId: number) =>
    queryOptions({
      queryKey: memberKeys.detail(memberId),
      queryFn: ({ signal }) => membersApi.detail(memberId, signal),
    }),
  reports: (q: ReportFilter) =>
    queryOptions({ queryKey: memberKeys.reports(q), queryFn: ({ signal }) => membersApi.reports(q, signal) }),
  organisations: () =>
    queryOptions({
      queryKey: ['party', 'members', 'organisations'] as const,
      queryFn: ({ signal }) => membersApi.organisations(signal),
      staleTime: 60_000,
    }),
}
