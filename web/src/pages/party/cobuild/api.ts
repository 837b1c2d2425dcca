// Co-building (src/party/cobuild-routes.ts) through the generated client: the types picked out of
// the generated paths, the calls and the query keys (under ['party', 'cobuild', …]).
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

export type AgreementFilter = ApiQuery<'/api/v1/party/cobuild/agreements'>
export type Agreement = Item<ApiResponse<'/api/v1/party/cobuild/agreements'>['items']>
export type AgreementDetail = ApiResponse<'/api/v1/party/cobuild/agreements/{id}'>
export type NewAgreement = ApiBody<'/api/v1/party/cobuild/agreements'>
export type AgreementPatch = ApiBody<'/api/v1/party/cobuild/agreements/{id}', 'patch'>
export type ItemFilter = ApiQuery<'/api/v1/party/cobuild/items'>
export type CobuildItem = Item<ApiResponse<'/api/v1/party/cobuild/items'>['items']>
export type NewItem = ApiBody<'/api/v1/party/cobuild/items'>
export type ItemPatch = ApiBody<'/api/v1/party/cobuild/items/{id}', 'patch'>
export type NewProject = ApiBody<'/api/v1/party/cobuild/projects'>
export type Topic = CobuildItem['topic']
export type ItemStatus = CobuildItem['status']
export type UnitKind = Agreement['unitKind']

export const topics: Topic[] = [
  'elderly_care',
  'children',
  'education',
  'health',
  'environment',
  'culture',
  'employment',
  'safety',
  'facilities',
  'other',
]
export const itemStatuses: ItemStatus[] = ['open', 'matched', 'in_progress', 'done', 'cancelled']
export const unitKinds: UnitKind[] = [
  'department',
  'enterprise',
  'school',
  'hospital',
  'institution',
  'social_organisation',
  'other',
]

export const cobuildApi = {
  agreements: (q: AgreementFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/cobuild/agreements', { params: { query: q }, signal })),
  agreement: (agreementId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/cobuild/agreements/{id}', { params: id(agreementId), signal })),
  createAgreement: (body: NewAgreement, key: string) =>
    call(client.POST('/api/v1/party/cobuild/agreements', { body, params: once(key) })),
  updateAgreement: (agreementId: number, body: AgreementPatch) =>
    call(client.PATCH('/api/v1/party/cobuild/agreements/{id}', { params: id(agreementId), body })),
  items: (q: ItemFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/cobuild/items', { params: { query: q }, signal })),
  createItem: (body: NewItem, key: string) =>
    call(client.POST('/api/v1/party/cobuild/items', { body, params: once(key) })),
  updateItem: (itemId: number, body: ItemPatch) =>
    call(client.PATCH('/api/v1/party/cobuild/items/{id}', { params: id(itemId), body })),
  match: (body: NewProject, key: string) =>
    call(client.POST('/api/v1/party/cobuild/projects', { body, params: once(key) })),
}

export const cobuildKeys = {
  all: ['party', 'cobuild'] as const,
  agreements: (q: AgreementFilter) => ['party', 'cobuild', 'agreements', q] as const,
  agreement: (agreementId: number) => ['party', 'cobuild', 'agreement', agreementId] as const,
  items: (q: ItemFilter) => ['party', 'cobuild', 'items', q] as const,
}

/** After a change: every list and agreement of co-building, and the statistics, read again. */
export const cobuildChanged = async () => {
  await queryClient.invalidateQueries({ queryKey: cobuildKeys.all })
  await queryClient.invalidateQueries({ queryKey: ['party', 'stats'] })
}

export const cobuildQueries = {
  agreements: (q: AgreementFilter) =>
    queryOptions({ queryKey: cobuildKeys.agreements(q), queryFn: ({ signal }) => cobuildApi.agreements(q, signal) }),
  agreement: (agreementId: number) =>
    queryOptions({
      queryKey: cobuildKeys.agreement(agreementId),
      queryFn: ({ signal }) => cobuildApi.agreement(agreementId, signal),
    }),
  items: (q: ItemFilter) =>
    queryOptions({ queryKey: cobuildKeys.items(q), queryFn: ({ signal }) => cobuildApi.items(q, signal) }),
}
