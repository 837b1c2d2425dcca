// The party-organisation network (src/party/organisations-routes.ts) through the generated client:
// the types picked out of the generated paths, the calls, the query keys (under ['party',
// 'organisations', …]) and the queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type OrganisationFilter = ApiQuery<'/api/v1/party/organisations'>
export type OrganisationPage = ApiResponse<'/api/v1/party/organisations'>
export type Organisation = ApiResponse<'/api/v1/party/organisations/{id}'>
export type TreeNode = Item<ApiResponse<'/api/v1/party/organisations/tree'>['nodes']>
export type Coverage = ApiResponse<'/api/v1/party/coverage'>
export type PartyMap = ApiResponse<'/api/v1/party/map'>
export type MapOrganisation = Item<PartyMap['organisations']>
export type NewOrganisation = ApiBody<'/api/v1/party/organisations'>
export type OrganisationPatch = ApiBody<'/api/v1/party/organisations/{id}', 'patch'>
export type Kind = Organisation['kind']
export type Sector = Organisation['sector']

export const kinds: Kind[] = ['committee', 'general_branch', 'branch', 'group']
export const sectors: Sector[] = ['area', 'enterprise', 'social_organisation', 'institution', 'compound']

export const organisationsApi = {
  list: (q: OrganisationFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/organisations', { params: { query: q }, signal })),
  tree: (areaId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/organisations/tree', { params: { query: { areaId } }, signal })),
  detail: (organisationId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/organisations/{id}', { params: id(organisationId), signal })),
  coverage: (areaId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/coverage', { params: { query: { areaId } }, signal })),
  map: (areaId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/party/map', { params: { query: { areaId } }, signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer creates once. */
  create: (body: NewOrganisation, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/party/organisations', {
        body,
        params: { header: { 'idempotency-key': idempotencyKey } },
      }),
    ),
  update: (organisationId: number, body: OrganisationPatch) =>
    call(client.PATCH('/api/v1/party/organisations/{id}', { params: id(organisationId), body })),
  registryOrganisations: (
    q: string,
    kind: 'enterprise' | 'social_organisation' | 'public_institution',
    signal?: AbortSignal,
  ) =>
    call(
      client.GET('/api/v1/organisations', {
        params: { query: { pageSize: 50, kind, ...(q ? { q } : {}) } },
        signal,
      }),
    ),
  departments: (signal?: AbortSignal) =>
    call(client.GET('/api/v1/departments', { params: { query: { pageSize: 200 } }, signal })),
  buildings: (areaId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/buildings', { params: { query: { pageSize: 200, areaId } }, signal })),
}

export const organisationKeys = {
  all: ['party', 'organisations'] as const,
  list: (q: OrganisationFilter) => ['party', 'organisations', 'list', q] as const,
  tree: (areaId: number) => ['party', 'organisations', 'tree', areaId] as const,
  detail: (organisationId: number) => ['party', 'organisations', 'detail', organisationId] as const,
  coverage: (areaId: number) => ['party', 'organisations', 'coverage', areaId] as const,
  map: (areaId: number) => ['party', 'organisations', 'map', areaId] as const,
}

/** After a change: the tree, lists, coverage, map and details read again (the other parts count organisations too). */
export const organisationsChanged = () => queryClient.invalidateQueries({ queryKey: ['party'] })

export const organisationQueries = {
  list: (q: OrganisationFilter) =>
    queryOptions({ queryKey: organisationKeys.list(q), queryFn: ({ signal }) => organisationsApi.list(q, signal) }),
  tree: (areaId: number) =>
    queryOptions({
      queryKey: organisationKeys.tree(areaId),
      queryFn: ({ signal }) => organisationsApi.tree(areaId, signal),
    }),
  detail: (organisationId: number) =>
    queryOptions({
      queryKey: organisationKeys.detail(organisationId),
      queryFn: ({ signal }) => organisationsApi.detail(organisationId, signal),
    }),
  coverage: (areaId: number) =>
    queryOptions({
      queryKey: organisationKeys.coverage(areaId),
      queryFn: ({ signal }) => organisationsApi.coverage(areaId, signal),
    }),
  map: (areaId: number) =>
    queryOptions({
      queryKey: organisationKeys.map(areaId),
      queryFn: ({ signal }) => organisationsApi.map(areaId, signal),
    }),
}

/** The member counts by role, in the roles' order. */
export const memberRolesOf = (o: Organisation) =>
  (['secretary', 'deputy_secretary', 'committee_member', 'member'] as const).map(
    (r) => [r, o.membersByRole[r]] as const,
  )
