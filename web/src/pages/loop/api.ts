// The loop's own calls beside the shared case client (web/src/api): an area's case rules.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../api'
import type { CaseRulesBody } from '../../types'

const path = (areaId: number) => ({ params: { path: { id: areaId } } })

export const loopApi = {
  caseRules: (areaId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/areas/{id}/case-rules', { ...path(areaId), signal })),
  /** The requester's number in clear for the call-back, for a stated purpose (audited on the server). */
  revealPhone: (caseId: number, purpose: string) =>
    call(client.POST('/api/v1/cases/{id}/reporter-phone', { params: { path: { id: caseId } }, body: { purpose } })),
  /** Replaces what the area sets itself; `{}` clears it (everything then comes from above). */
  saveCaseRules: (areaId: number, body: CaseRulesBody) =>
    call(client.PUT('/api/v1/areas/{id}/case-rules', { ...path(areaId), body })),
}

export const loopKeys = {
  /** Under ['cases']: a change of rules moves deadlines, so it refreshes the case screens too. */
  caseRules: (areaId: number) => ['cases', 'rules', areaId] as const,
}

export const loopQueries = {
  caseRules: (areaId: number) =>
    queryOptions({
      queryKey: loopKeys.caseRules(areaId),
      queryFn: ({ signal }) => loopApi.caseRules(areaId, signal),
      staleTime: 5 * 60_000,
    }),
}
