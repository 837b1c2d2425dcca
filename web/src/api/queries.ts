// What the screens read, as TanStack Query options: one key per resource, so a change invalidates
// exactly what it touches. Keys are hierarchical: ['cases'] covers every list, count and case detail.
import { QueryClient, queryOptions, type QueryKey } from '@tanstack/react-query'
import type {
  AreaFeatureCollection,
  AreaNode,
  Category,
  AuditFilter,
  CaseDetail,
  CaseFilter,
  Department,
  StatsGroupBy,
} from '../types'
import { ApiError, api, type RegistryListQuery } from './index'
import type { ApiBody, ApiQuery } from './schema'

/** How long rarely changing reference data (catalogue, area tree, departments) is taken as fresh. */
const REFERENCE = 30 * 60_000

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // One more try when the server was not reached; an answer (404, 403, 409 …) is the answer.
      retry: (failures, error) => failures < 1 && error instanceof ApiError && error.code === 'NETWORK',
      // Screens load what they show when they open, as before; no refetch behind the user's back.
      refetchOnWindowFocus: false,
    },
  },
})

export const keys = {
  config: ['config'] as const,
  me: ['me'] as const,
  categories: ['categories'] as const,
  departments: ['departments'] as const,
  areas: ['areas'] as const,
  areaTree: ['areas', 'tree'] as const,
  area: (id: number) => ['areas', 'detail', id] as const,
  boundaries: (q: ApiQuery<'/api/v1/areas/boundaries'>) => ['areas', 'boundaries', q] as const,
  allGrids: ['areas', 'grids'] as const,
  coverage: (id: number) => ['areas', 'coverage', id] as const,
  locate: (lng: number, lat: number) => ['areas', 'locate', lng, lat] as const,
  /** Every list, count, statistic and detail of cases. */
  cases: ['cases'] as const,
  caseList: (filter: CaseFilter) => ['cases', 'list', filter] as const,
  caseDetail: (id: number) => ['cases', 'detail', id] as const,
  supervision: (q: ApiQuery<'/api/v1/supervision'>) => ['cases', 'supervision', q] as const,
  caseStats: (q: ApiQuery<'/api/v1/stats/cases'>) => ['cases', 'stats', q] as const,
  caseEvaluation: (q: ApiQuery<'/api/v1/stats/evaluation'>) => ['cases', 'evaluation', q] as const,
  publicMap: (days: number) => ['cases', 'public-map', days] as const,
  publicCase: (code: string) => ['public-case', code] as const,
  notifications: ['notifications'] as const,
  notificationList: (q: ApiQuery<'/api/v1/notifications'>) => ['notifications', 'list', q] as const,
  unreadCount: ['notifications', 'unread'] as const,
  audit: (filter: AuditFilter) => ['audit', filter] as const,
  /** Everything of the population registry. */
  registry: ['registry'] as const,
  person: (id: number) => ['registry', 'people', id] as const,
  care: ['care'] as const,
  carePeople: (q: ApiQuery<'/api/v1/care/people'>) => ['care', 'people', q] as const,
  // registry
  /** Every search, card, history and visit list of people (a person's own under keys.person). */
  people: ['registry', 'people'] as const,
  peopleSearch: (q: ApiBody<'/api/v1/people/search'>) => ['registry', 'people', 'search', q] as const,
  personCard: (id: number, asOf: string | null) => ['registry', 'people', id, 'card', asOf] as const,
  personHistory: (id: number) => ['registry', 'people', id, 'history'] as const,
  personVisits: (id: number) => ['registry', 'people', id, 'visits'] as const,
  /** Every page of suspected duplicates. */
  duplicates: ['registry', 'duplicates'] as const,
  duplicateList: (q: ApiQuery<'/api/v1/people/duplicates'>) => ['registry', 'duplicates', q] as const,
  households: (q: RegistryListQuery) => ['registry', 'households', 'list', q] as const,
  household: (id: number) => ['registry', 'households', 'detail', id] as const,
  buildings: (q: RegistryListQuery) => ['registry', 'buildings', 'list', q] as const,
  building: (id: number) => ['registry', 'buildings', 'detail', id] as const,
  organisations: (q: RegistryListQuery) => ['registry', 'organisations', 'list', q] as const,
  places: (q: RegistryListQuery) => ['registry', 'places', 'list', q] as const,
  /** Every list and detail of imports. */
  imports: ['registry', 'imports'] as const,
  importList: (q: ApiQuery<'/api/v1/imports'>) => ['registry', 'imports', 'list', q] as const,
  importJob: (id: number) => ['registry', 'imports', 'detail', id] as const,
  registryFields: ['registry', 'fields'] as const,
  /** Every list of data-sharing grants. */
  dataGrants: ['registry', 'grants'] as const,
  dataGrantList: (q: ApiQuery<'/api/v1/data-grants'>) => ['registry', 'grants', q] as const,
  // disputes
  /** Every list, detail, map and statistic of disputes (a dispute's detail under keys.dispute). */
  disputes: ['disputes'] as const,
  disputeList: (q: ApiQuery<'/api/v1/disputes'>) => ['disputes', 'list', q] as const,
  dispute: (id: number) => ['disputes', 'detail', id] as const,
  disputeMap: (q: ApiQuery<'/api/v1/disputes/map'>) => ['disputes', 'map', q] as const,
  disputeStats: (q: ApiQuery<'/api/v1/stats/disputes'>) => ['disputes', 'stats', q] as const,
  disputeSettings: ['dispute-settings'] as const,
  /** Every list and detail of petitions. */
  petitions: ['petitions'] as const,
  petitionList: (q: ApiQuery<'/api/v1/petitions'>) => ['petitions', 'list', q] as const,
  petition: (id: number) => ['petitions', 'detail', id] as const,
}

export const queries = {
  config: () =>
    queryOptions({ queryKey: keys.config, queryFn: ({ signal }) => api.config(signal), staleTime: Infinity }),
  /** Who is signed in: null without a session (401), which is an answer, not an error. */
  me: () =>
    queryOptions({
      queryKey: keys.me,
      queryFn: ({ signal }) =>
        api.me(signal).then(
          (r) => r.user,
          (err: unknown) => {
            if (err instanceof ApiError && err.status === 401) return null
            throw err
          },
        ),
      staleTime: Infinity,
      retry: false,
    }),
  categories: () =>
    queryOptions({
      queryKey: keys.categories,
      queryFn: ({ signal }) => api.categories(signal).then((r) => r.categories as Category[]),
      staleTime: REFERENCE,
    }),
  areaTree: () =>
    queryOptions({
      queryKey: keys.areaTree,
      queryFn: ({ signal }) => api.areaTree(signal).then((r) => r.areas as AreaNode[]),
      staleTime: REFERENCE,
    }),
  area: (id: number) => queryOptions({ queryKey: keys.area(id), queryFn: ({ signal }) => api.area(id, signal) }),
  boundaries: (q: ApiQuery<'/api/v1/areas/boundaries'>) =>
    queryOptions({ queryKey: keys.boundaries(q), queryFn: ({ signal }) => api.boundaries(q, signal) }),
  /** Every active grid under the first root (the city). */
  allGrids: () =>
    queryOptions({
      queryKey: keys.allGrids,
      queryFn: async ({ signal }): Promise<AreaFeatureCollection> => {
        const root = (await queryClient.ensureQueryData(queries.areaTree()))[0]
        return root
          ? api.boundaries({ within: root.id, level: 'grid' }, signal)
          : { type: 'FeatureCollection', features: [] }
      },
      staleTime: REFERENCE,
    }),
  coverage: (id: number) =>
    queryOptions({ queryKey: keys.coverage(id), queryFn: ({ signal }) => api.coverage(id, signal) }),
  locate: (at: { lng: number; lat: number }) =>
    queryOptions({ queryKey: keys.locate(at.lng, at.lat), queryFn: ({ signal }) => api.locate(at, signal) }),
  /** All departments, page by page (at most 5,000). */
  departments: () =>
    queryOptions({
      queryKey: keys.departments,
      queryFn: async ({ signal }): Promise<Department[]> => {
        const first = await api.departments({ pageSize: 500 }, signal)
        const all = [...first.items]
        for (let page = 2; (page - 1) * first.pageSize < first.total && page <= 10; page++) {
          all.push(...(await api.departments({ page, pageSize: 500 }, signal)).items)
        }
        return all
      },
      staleTime: REFERENCE,
    }),

  cases: (filter: CaseFilter) =>
    queryOptions({ queryKey: keys.caseList(filter), queryFn: ({ signal }) => api.cases(filter, signal) }),
  caseDetail: (id: number) =>
    queryOptions({ queryKey: keys.caseDetail(id), queryFn: ({ signal }) => api.caseDetail(id, signal) }),
  supervision: (q: ApiQuery<'/api/v1/supervision'>) =>
    queryOptions({ queryKey: keys.supervision(q), queryFn: ({ signal }) => api.supervision(q, signal) }),
  caseStats: (q: ApiQuery<'/api/v1/stats/cases'> & { groupBy: StatsGroupBy }) =>
    queryOptions({ queryKey: keys.caseStats(q), queryFn: ({ signal }) => api.caseStats(q, signal) }),
  caseEvaluation: (q: ApiQuery<'/api/v1/stats/evaluation'>) =>
    queryOptions({ queryKey: keys.caseEvaluation(q), queryFn: ({ signal }) => api.caseEvaluation(q, signal) }),
  publicMap: (days: number) =>
    queryOptions({ queryKey: keys.publicMap(days), queryFn: ({ signal }) => api.publicMap(days, signal) }),
  publicCase: (code: string) =>
    queryOptions({ queryKey: keys.publicCase(code), queryFn: ({ signal }) => api.publicCase(code, signal) }),
  notifications: (q: ApiQuery<'/api/v1/notifications'>) =>
    queryOptions({ queryKey: keys.notificationList(q), queryFn: ({ signal }) => api.notifications(q, signal) }),
  unreadCount: () =>
    queryOptions({
      queryKey: keys.unreadCount,
      queryFn: ({ signal }) => api.notifications({ unread: true, pageSize: 1 }, signal).then((r) => r.total),
    }),
  audit: (filter: AuditFilter) =>
    queryOptions({ queryKey: keys.audit(filter), queryFn: ({ signal }) => api.audit(filter, signal) }),
  carePeople: (q: ApiQuery<'/api/v1/care/people'>) =>
    queryOptions({ queryKey: keys.carePeople(q), queryFn: ({ signal }) => api.carePeople(q, signal) }),
  // registry
  peopleSearch: (q: ApiBody<'/api/v1/people/search'>) =>
    queryOptions({ queryKey: keys.peopleSearch(q), queryFn: ({ signal }) => api.searchPeople(q, signal) }),
  /** A person's card, as it is or (`asOf`, YYYY-MM-DD) as it was on that day. */
  personCard: (id: number, asOf: string | null) =>
    queryOptions({
      queryKey: keys.personCard(id, asOf),
      queryFn: ({ signal }) => api.person(id, asOf ?? undefined, signal),
    }),
  personHistory: (id: number) =>
    queryOptions({
      queryKey: keys.personHistory(id),
      queryFn: ({ signal }) => api.personHistory(id, signal).then((r) => r.items),
    }),
  personVisits: (id: number) =>
    queryOptions({
      queryKey: keys.personVisits(id),
      queryFn: ({ signal }) => api.personVisits(id, signal).then((r) => r.items),
    }),
  duplicates: (q: ApiQuery<'/api/v1/people/duplicates'>) =>
    queryOptions({ queryKey: keys.duplicateList(q), queryFn: ({ signal }) => api.duplicates(q, signal) }),
  households: (q: RegistryListQuery) =>
    queryOptions({ queryKey: keys.households(q), queryFn: ({ signal }) => api.households(q, signal) }),
  household: (id: number) =>
    queryOptions({ queryKey: keys.household(id), queryFn: ({ signal }) => api.household(id, signal) }),
  buildings: (q: RegistryListQuery) =>
    queryOptions({ queryKey: keys.buildings(q), queryFn: ({ signal }) => api.buildings(q, signal) }),
  building: (id: number) =>
    queryOptions({ queryKey: keys.building(id), queryFn: ({ signal }) => api.building(id, signal) }),
  organisations: (q: RegistryListQuery) =>
    queryOptions({ queryKey: keys.organisations(q), queryFn: ({ signal }) => api.organisations(q, signal) }),
  places: (q: RegistryListQuery) =>
    queryOptions({ queryKey: keys.places(q), queryFn: ({ signal }) => api.places(q, signal) }),
  importList: (q: ApiQuery<'/api/v1/imports'>) =>
    queryOptions({ queryKey: keys.importList(q), queryFn: ({ signal }) => api.imports(q, signal) }),
  importJob: (id: number) =>
    queryOptions({ queryKey: keys.importJob(id), queryFn: ({ signal }) => api.importJob(id, signal) }),
  registryFields: () =>
    queryOptions({
      queryKey: keys.registryFields,
      queryFn: ({ signal }) => api.registryFields(signal),
      staleTime: REFERENCE,
    }),
  dataGrants: (q: ApiQuery<'/api/v1/data-grants'>) =>
    queryOptions({ queryKey: keys.dataGrantList(q), queryFn: ({ signal }) => api.dataGrants(q, signal) }),
}

/** Invalidates every query under each key (and so refetches the ones on screen). */
export function invalidate(...prefixes: QueryKey[]): Promise<void> {
  return Promise.all(prefixes.map((queryKey) => queryClient.invalidateQueries({ queryKey }))).then(() => undefined)
}

/**
 * A case changed (an action, a rating): show its new detail at once, and refresh the lists, counts and
 * statistics it appears in, the inbox (actions notify people) and its public page.
 */
export function caseChanged(detail: CaseDetail): Promise<void> {
  queryClient.setQueryData(keys.caseDetail(detail.id), detail)
  return Promise.all([
    queryClient.invalidateQueries({
      queryKey: keys.cases,
      predicate: (q) => !(q.queryKey[1] === 'detail' && q.queryKey[2] === detail.id),
    }),
    invalidate(keys.notifications, keys.publicCase(detail.trackingCode)),
  ]).then(() => undefined)
}

/** Drops what belongs to the signed-in user (at sign-out, or when the session ends), keeping public data. */
export function forgetUserData(): void {
  const shared: readonly unknown[] = [
    keys.config[0],
    keys.me[0],
    keys.categories[0],
    keys.areas[0],
    keys.publicCase('')[0],
  ]
  queryClient.removeQueries({ predicate: (q) => !shared.includes(q.queryKey[0]) })
}
