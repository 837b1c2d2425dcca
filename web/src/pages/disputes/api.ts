// The disputes module's operations (src/disputes/routes.ts) through the generated client, their types
// picked out of the generated paths, and the queries the screens read. Keys live in api/queries.ts.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../api'
import { keys, queryClient } from '../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

export type DisputeFilter = ApiQuery<'/api/v1/disputes'>
export type DisputeView = Item<ApiResponse<'/api/v1/disputes'>['items']>
export type DisputeDetail = ApiResponse<'/api/v1/disputes/{id}'>
export type NewDispute = ApiBody<'/api/v1/disputes'>
export type NewParty = Item<NewDispute['parties']>
export type NewDisputeResult = ApiResponse<'/api/v1/disputes', 'post'>
export type DisputeActionBody = ApiBody<'/api/v1/disputes/{id}/actions'>
export type DisputeAction = DisputeActionBody['action']
export type Agreement = NonNullable<DisputeDetail['agreement']>
export type AgreementBody = ApiBody<'/api/v1/disputes/{id}/agreement', 'put'>
export type SignatureBody = ApiBody<'/api/v1/disputes/{id}/agreement/signatures'>
export type SessionBody = ApiBody<'/api/v1/disputes/{id}/sessions'>
export type DisputeStats = ApiResponse<'/api/v1/stats/disputes'>
export type DisputeStatsQuery = ApiQuery<'/api/v1/stats/disputes'>
export type DisputeMapQuery = ApiQuery<'/api/v1/disputes/map'>
export type DisputeMapPoint = Item<ApiResponse<'/api/v1/disputes/map'>['points']>
export type DisputeSettings = ApiResponse<'/api/v1/dispute-settings'>
export type DisputeSettingsBody = ApiBody<'/api/v1/dispute-settings', 'put'>
export type RiskRule = Item<DisputeSettings['rules']>

export type PetitionFilter = ApiQuery<'/api/v1/petitions'>
export type PetitionView = Item<ApiResponse<'/api/v1/petitions'>['items']>
export type PetitionDetail = ApiResponse<'/api/v1/petitions/{id}'>
export type NewPetition = ApiBody<'/api/v1/petitions'>
export type PetitionActionBody = ApiBody<'/api/v1/petitions/{id}/actions'>
export type PetitionAction = PetitionActionBody['action']

export type RiskLevel = DisputeView['riskLevel']
export type DisputeState = DisputeView['state']
export type DisputeCategory = DisputeView['category']
export type DisputeSource = DisputeView['source']
export type MediationLevel = NonNullable<DisputeView['level']>
export type PartyRole = NewParty['role']
export type PetitionState = PetitionView['state']
export type PetitionChannel = PetitionView['channel']
export type AgreementElement = Item<Agreement['missing']>
export type Performance = NonNullable<DisputeActionBody['performance']>
export type JudicialMode = NonNullable<DisputeActionBody['judicialMode']>
export type CourtOutcome = NonNullable<DisputeActionBody['courtOutcome']>
export type JudicialStatus = NonNullable<DisputeActionBody['judicialStatus']>
export type RiskFactor = RiskRule['factor']

export const disputeApi = {
  list: (q: DisputeFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/disputes', { params: { query: q }, signal })),
  detail: (disputeId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/disputes/{id}', { params: id(disputeId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer registers one dispute. */
  register: (body: NewDispute, idempotencyKey: string) =>
    call(client.POST('/api/v1/disputes', { body, params: once(idempotencyKey) })),
  act: (disputeId: number, body: DisputeActionBody) =>
    call(client.POST('/api/v1/disputes/{id}/actions', { params: id(disputeId), body })),
  session: (disputeId: number, body: SessionBody, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/disputes/{id}/sessions', { params: { ...id(disputeId), ...once(idempotencyKey) }, body }),
    ),
  saveAgreement: (disputeId: number, body: AgreementBody) =>
    call(client.PUT('/api/v1/disputes/{id}/agreement', { params: id(disputeId), body })),
  sign: (disputeId: number, body: SignatureBody) =>
    call(client.POST('/api/v1/disputes/{id}/agreement/signatures', { params: id(disputeId), body })),
  /** The printable agreement; the browser sends the session cookie with it like any same-origin request. */
  agreementPdfUrl: (disputeId: number) => `/api/v1/disputes/${disputeId}/agreement.pdf`,
  map: (q: DisputeMapQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/disputes/map', { params: { query: q }, signal })),
  stats: (q: DisputeStatsQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/stats/disputes', { params: { query: q }, signal })),
  settings: (signal?: AbortSignal) => call(client.GET('/api/v1/dispute-settings', { signal })),
  saveSettings: (body: DisputeSettingsBody) => call(client.PUT('/api/v1/dispute-settings', { body })),

  petitions: (q: PetitionFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/petitions', { params: { query: q }, signal })),
  petition: (petitionId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/petitions/{id}', { params: id(petitionId), signal })),
  registerPetition: (body: NewPetition, idempotencyKey: string) =>
    call(client.POST('/api/v1/petitions', { body, params: once(idempotencyKey) })),
  petitionAct: (petitionId: number, body: PetitionActionBody) =>
    call(client.POST('/api/v1/petitions/{id}/actions', { params: id(petitionId), body })),
}

export const disputeQueries = {
  list: (q: DisputeFilter) =>
    queryOptions({ queryKey: keys.disputeList(q), queryFn: ({ signal }) => disputeApi.list(q, signal) }),
  detail: (disputeId: number) =>
    queryOptions({ queryKey: keys.dispute(disputeId), queryFn: ({ signal }) => disputeApi.detail(disputeId, signal) }),
  map: (q: DisputeMapQuery) =>
    queryOptions({ queryKey: keys.disputeMap(q), queryFn: ({ signal }) => disputeApi.map(q, signal) }),
  stats: (q: DisputeStatsQuery) =>
    queryOptions({ queryKey: keys.disputeStats(q), queryFn: ({ signal }) => disputeApi.stats(q, signal) }),
  settings: () =>
    queryOptions({ queryKey: keys.disputeSettings, queryFn: ({ signal }) => disputeApi.settings(signal) }),
  petitions: (q: PetitionFilter) =>
    queryOptions({ queryKey: keys.petitionList(q), queryFn: ({ signal }) => disputeApi.petitions(q, signal) }),
  petition: (petitionId: number) =>
    queryOptions({
      queryKey: keys.petition(petitionId),
      queryFn: ({ signal }) => disputeApi.petition(petitionId, signal),
    }),
}

/**
 * A dispute changed (an action, a session, the agreement, a signature): its new detail shows at once;
 * the register, the map and the statistics it counts in are refreshed, and the inbox (actions notify).
 */
export function disputeChanged(detail: DisputeDetail): Promise<void> {
  queryClient.setQueryData(keys.dispute(detail.id), detail)
  return Promise.all([
    queryClient.invalidateQueries({
      queryKey: keys.disputes,
      predicate: (q) => !(q.queryKey[1] === 'detail' && q.queryKey[2] === detail.id),
    }),
    queryClient.invalidateQueries({ queryKey: keys.notifications }),
  ]).then(() => undefined)
}

/** A petition changed: the same for the desk; a petition turned into a dispute adds to the register too. */
export function petitionChanged(detail: PetitionDetail): Promise<void> {
  queryClient.setQueryData(keys.petition(detail.id), detail)
  return Promise.all([
    queryClient.invalidateQueries({
      queryKey: keys.petitions,
      predicate: (q) => !(q.queryKey[1] === 'detail' && q.queryKey[2] === detail.id),
    }),
    queryClient.invalidateQueries({ queryKey: keys.disputes }),
  ]).then(() => undefined)
}
