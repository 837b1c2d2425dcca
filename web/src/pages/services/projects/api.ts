// Social organisations and purchase-of-service projects (src/services/projects-routes.ts) through
// the generated client: their types picked out of the generated paths, the calls, the query keys
// (kept here, under ['services', 'projects' | 'organisations', …]) and the queries.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

export type OrganisationFilter = ApiQuery<'/api/v1/social-organisations'>
export type OrganisationView = Item<ApiResponse<'/api/v1/social-organisations'>['items']>
export type OrganisationDetail = ApiResponse<'/api/v1/social-organisations/{id}'>
export type NewOrganisation = ApiBody<'/api/v1/social-organisations'>
export type OrganisationPut = ApiBody<'/api/v1/social-organisations/{id}', 'put'>
export type OrganisationField = OrganisationView['fields'][number]

export type ProjectFilter = ApiQuery<'/api/v1/projects'>
export type ProjectView = Item<ApiResponse<'/api/v1/projects'>['items']>
export type ProjectDetail = ApiResponse<'/api/v1/projects/{id}'>
export type ProjectState = ProjectView['status']
export type NewProject = ApiBody<'/api/v1/projects'>
export type ProjectPut = ApiBody<'/api/v1/projects/{id}', 'put'>
export type ProjectAction = ApiBody<'/api/v1/projects/{id}/actions'>['action']
export type NewReport = ApiBody<'/api/v1/projects/{id}/reports'>
export type NewEvaluation = ApiBody<'/api/v1/projects/{id}/evaluations'>
export type Milestone = Item<ProjectDetail['milestones']>
export type Report = Item<ProjectDetail['reports']>
export type Evaluation = Item<ProjectDetail['evaluations']>

export const organisationFields: OrganisationField[] = [
  'elderly',
  'children',
  'disability',
  'social_work',
  'mediation',
  'culture',
  'environment',
  'health',
  'employment',
  'volunteering',
  'other',
]
export const projectStates: ProjectState[] = ['draft', 'active', 'completed', 'terminated']
/** What the server takes as a report's attachment (it decides the type by the bytes; these are for the picker). */
export const ATTACHMENT_ACCEPT = 'application/pdf,image/png,image/jpeg,image/webp'

export const projectApi = {
  organisations: (q: OrganisationFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/social-organisations', { params: { query: q }, signal })),
  organisation: (orgId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/social-organisations/{id}', { params: id(orgId), signal })),
  registerOrganisation: (body: NewOrganisation, idempotencyKey: string) =>
    call(client.POST('/api/v1/social-organisations', { body, params: once(idempotencyKey) })),
  updateOrganisation: (orgId: number, body: OrganisationPut) =>
    call(client.PUT('/api/v1/social-organisations/{id}', { params: id(orgId), body })),

  list: (q: ProjectFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/projects', { params: { query: q }, signal })),
  detail: (projectId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/projects/{id}', { params: id(projectId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer drafts one project. */
  create: (body: NewProject, idempotencyKey: string) =>
    call(client.POST('/api/v1/projects', { body, params: once(idempotencyKey) })),
  update: (projectId: number, body: ProjectPut) =>
    call(client.PUT('/api/v1/projects/{id}', { params: id(projectId), body })),
  act: (projectId: number, action: ProjectAction, reason?: string) =>
    call(
      client.POST('/api/v1/projects/{id}/actions', {
        params: id(projectId),
        body: { action, ...(reason ? { reason } : {}) },
      }),
    ),
  report: (projectId: number, body: NewReport, idempotencyKey: string) =>
    call(client.POST('/api/v1/projects/{id}/reports', { params: { ...id(projectId), ...once(idempotencyKey) }, body })),
  /** The file as the raw body with its own type (octet-stream when the browser does not know it). */
  attach: (projectId: number, reportId: number, file: File, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/projects/{id}/reports/{reportId}/attachments', {
        params: {
          path: { id: projectId, reportId },
          query: { fileName: file.name },
          header: { 'idempotency-key': idempotencyKey },
        },
        body: file as unknown as Record<string, never>,
        bodySerializer: (f: unknown) => f as BodyInit,
        headers: { 'Content-Type': file.type || 'application/octet-stream' },
      }),
    ),
  evaluate: (projectId: number, body: NewEvaluation, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/projects/{id}/evaluations', { params: { ...id(projectId), ...once(idempotencyKey) }, body }),
    ),
  /** The file itself; the browser sends the session cookie with it like any same-origin request. */
  fileUrl: (projectId: number, reportId: number, attachmentId: number) =>
    `/api/v1/projects/${projectId}/reports/${reportId}/attachments/${attachmentId}`,
}

export const projectKeys = {
  all: ['services', 'projects'] as const,
  list: (q: ProjectFilter) => ['services', 'projects', 'list', q] as const,
  detail: (projectId: number) => ['services', 'projects', 'detail', projectId] as const,
  organisations: ['services', 'organisations'] as const,
  organisationList: (q: OrganisationFilter) => ['services', 'organisations', 'list', q] as const,
  organisation: (orgId: number) => ['services', 'organisations', 'detail', orgId] as const,
}

export const projectQueries = {
  list: (q: ProjectFilter) =>
    queryOptions({ queryKey: projectKeys.list(q), queryFn: ({ signal }) => projectApi.list(q, signal) }),
  detail: (projectId: number) =>
    queryOptions({
      queryKey: projectKeys.detail(projectId),
      queryFn: ({ signal }) => projectApi.detail(projectId, signal),
    }),
  organisations: (q: OrganisationFilter) =>
    queryOptions({
      queryKey: projectKeys.organisationList(q),
      queryFn: ({ signal }) => projectApi.organisations(q, signal),
    }),
  organisation: (orgId: number) =>
    queryOptions({
      queryKey: projectKeys.organisation(orgId),
      queryFn: ({ signal }) => projectApi.organisation(orgId, signal),
    }),
}

/** A project changed: its detail at once; the lists and the organisations (ratings, history) refresh. */
export async function projectChanged(detail: ProjectDetail): Promise<void> {
  queryClient.setQueryData(projectKeys.detail(detail.id), detail)
  await Promise.all([
    queryClient.invalidateQueries({
      queryKey: projectKeys.all,
      predicate: (q) => !(q.queryKey[2] === 'detail' && q.queryKey[3] === detail.id),
    }),
    queryClient.invalidateQueries({ queryKey: projectKeys.organisations }),
  ])
}

/** An organisation changed: its detail at once, the lists refreshed. */
export function organisationChanged(detail: OrganisationDetail): Promise<void> {
  queryClient.setQueryData(projectKeys.organisation(detail.id), detail)
  return queryClient.invalidateQueries({
    queryKey: projectKeys.organisations,
    predicate: (q) => !(q.queryKey[2] === 'detail' && q.queryKey[3] === detail.id),
  })
}

/** Yuan, as the locale writes money. */
export function money(n: number, lng: string): string {
  return new Intl.NumberFormat(lng, { style: 'currency', currency: 'CNY', maximumFractionDigits: 2 }).format(n)
}
