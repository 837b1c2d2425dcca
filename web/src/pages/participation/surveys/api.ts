// Surveys (src/participation/surveys-routes.ts) through the generated client: their types picked out
// of the generated paths, the calls, the query keys (under ['participation', 'surveys']) and the
// queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

export type SurveyFilter = ApiQuery<'/api/v1/surveys'>
export type SurveyPage = ApiResponse<'/api/v1/surveys'>
export type SurveySummary = Item<SurveyPage['items']>
export type SurveyDetail = ApiResponse<'/api/v1/surveys/{id}'>
export type SurveyQuestion = Item<SurveyDetail['questions']>
export type SurveyState = SurveySummary['state']
export type AnswerBlock = SurveyDetail['answerBlock']
export type SurveyBody = ApiBody<'/api/v1/surveys'>
export type QuestionBody = Item<SurveyBody['questions']>
export type QuestionKind = QuestionBody['kind']
export type Answers = ApiBody<'/api/v1/surveys/{id}/responses'>['answers']
export type Answer = Answers[string]
export type SurveyResults = ApiResponse<'/api/v1/surveys/{id}/results'>
export type QuestionResult = Item<SurveyResults['questions']>
export type LinkSurvey = ApiResponse<'/api/v1/survey-links/{token}'>
export type SurveyLinks = ApiResponse<'/api/v1/surveys/{id}/links', 'post'>

export const SURVEY_STATES: readonly SurveyState[] = ['open', 'scheduled', 'draft', 'closed']
export const QUESTION_KINDS: readonly QuestionKind[] = ['single', 'multiple', 'scale', 'text']
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const

export const surveyKeys = {
  all: ['participation', 'surveys'] as const,
  list: (q: SurveyFilter) => ['participation', 'surveys', 'list', q] as const,
  detail: (surveyId: number) => ['participation', 'surveys', 'detail', surveyId] as const,
  results: (surveyId: number) => ['participation', 'surveys', 'results', surveyId] as const,
  link: (token: string) => ['participation', 'surveys', 'link', token] as const,
}

export const surveyApi = {
  list: (q: SurveyFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/surveys', { params: { query: q }, signal })),
  detail: (surveyId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/surveys/{id}', { params: id(surveyId), signal })),
  /** One Idempotency-Key per filled-in builder: a retry after a lost answer makes one draft. */
  create: (body: SurveyBody, idempotencyKey: string) =>
    call(client.POST('/api/v1/surveys', { body, params: once(idempotencyKey) })),
  replace: (surveyId: number, body: SurveyBody) =>
    call(client.PUT('/api/v1/surveys/{id}', { params: id(surveyId), body })),
  act: (surveyId: number, action: 'open' | 'close') =>
    call(client.POST('/api/v1/surveys/{id}/actions', { params: id(surveyId), body: { action } })),
  /** One Idempotency-Key per filled-in answer sheet: a retry after a lost answer is not a second response. */
  respond: (surveyId: number, answers: Answers, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/surveys/{id}/responses', {
        params: { ...id(surveyId), ...once(idempotencyKey) },
        body: { answers },
      }),
    ),
  links: (surveyId: number, count: number, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/surveys/{id}/links', {
        params: { ...id(surveyId), ...once(idempotencyKey) },
        body: { count },
      }),
    ),
  results: (surveyId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/surveys/{id}/results', { params: id(surveyId), signal })),
  /** The file itself; the browser sends the session cookie with it like any same-origin request. */
  exportUrl: (surveyId: number, format: (typeof EXPORT_FORMATS)[number]) =>
    `/api/v1/surveys/${surveyId}/export?format=${format}`,
  link: (token: string, signal?: AbortSignal) =>
    call(client.GET('/api/v1/survey-links/{token}', { params: { path: { token } }, signal })),
  respondByLink: (token: string, answers: Answers, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/survey-links/{token}/responses', {
        params: { path: { token }, ...once(idempotencyKey) },
        body: { answers },
      }),
    ),
}

export const surveyQueries = {
  list: (q: SurveyFilter) =>
    queryOptions({ queryKey: surveyKeys.list(q), queryFn: ({ signal }) => surveyApi.list(q, signal) }),
  detail: (surveyId: number) =>
    queryOptions({
      queryKey: surveyKeys.detail(surveyId),
      queryFn: ({ signal }) => surveyApi.detail(surveyId, signal),
    }),
  results: (surveyId: number) =>
    queryOptions({
      queryKey: surveyKeys.results(surveyId),
      queryFn: ({ signal }) => surveyApi.results(surveyId, signal),
    }),
  link: (token: string) =>
    queryOptions({ queryKey: surveyKeys.link(token), queryFn: ({ signal }) => surveyApi.link(token, signal) }),
}

/** A survey changed: its new detail shows at once, and the lists and results it appears in refresh. */
export function surveyChanged(detail: SurveyDetail): Promise<void> {
  queryClient.setQueryData(surveyKeys.detail(detail.id), detail)
  return queryClient.invalidateQueries({
    queryKey: surveyKeys.all,
    predicate: (q) => !(q.queryKey[2] === 'detail' && q.queryKey[3] === detail.id),
  })
}

/** Something of a survey changed on the server (an answer): everything of it refreshes. */
export function surveyTouched(): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: surveyKeys.all })
}
