// Learning (src/training/learning-routes.ts) through the generated client: the learner's
// enrolments, lessons, quiz and certificate; the keepers' rules, hand enrolments, records and
// export (used by ../records too). Query keys under ['training', 'learning', …].
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

export type EnrolmentFilter = ApiQuery<'/api/v1/training/enrolments'>
export type Enrolment = Item<ApiResponse<'/api/v1/training/enrolments'>['items']>
export type EnrolmentDetail = ApiResponse<'/api/v1/training/enrolments/{id}'>
export type Lesson = EnrolmentDetail['lessonList'][number]
export type Question = EnrolmentDetail['questionList'][number]
export type AttemptResult = ApiResponse<'/api/v1/training/enrolments/{id}/attempts', 'post'>
export type Answers = ApiBody<'/api/v1/training/enrolments/{id}/attempts'>['answers']
export type RuleFilter = ApiQuery<'/api/v1/training/rules'>
export type Rule = Item<ApiResponse<'/api/v1/training/rules'>['items']>
export type NewRule = ApiBody<'/api/v1/training/rules'>
export type NewEnrolments = ApiBody<'/api/v1/training/enrolments'>
export type StatsQuery = ApiQuery<'/api/v1/training/stats'>
export type Stats = ApiResponse<'/api/v1/training/stats'>
export type Figures = Stats['figures']
export type LearnerRole = Enrolment['role']
export type EnrolmentStatus = Enrolment['status']

export const learnerRoles: LearnerRole[] = ['admin', 'leader', 'staff', 'grid_worker', 'department_handler', 'mediator']
export const enrolmentStatuses: EnrolmentStatus[] = ['assigned', 'in_progress', 'completed', 'withdrawn']

const blob = (p: Promise<unknown>) => call(p as never) as unknown as Promise<Blob>

export const learningApi = {
  enrolments: (q: EnrolmentFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/enrolments', { params: { query: q }, signal })),
  enrolment: (enrolmentId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/enrolments/{id}', { params: id(enrolmentId), signal })),
  lessonDone: (enrolmentId: number, lessonId: number) =>
    call(
      client.POST('/api/v1/training/enrolments/{id}/lessons/{lessonId}/done', {
        params: { path: { id: enrolmentId, lessonId } },
      }),
    ),
  attempt: (enrolmentId: number, answers: Answers, key: string) =>
    call(
      client.POST('/api/v1/training/enrolments/{id}/attempts', {
        params: { ...id(enrolmentId), ...once(key) },
        body: { answers },
      }),
    ),
  certificate: (enrolmentId: number) =>
    blob(
      client.GET('/api/v1/training/enrolments/{id}/certificate', {
        params: id(enrolmentId),
        parseAs: 'blob',
        headers: { Accept: 'application/pdf' },
      }),
    ),
  rules: (q: RuleFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/rules', { params: { query: q }, signal })),
  createRule: (body: NewRule, key: string) => call(client.POST('/api/v1/training/rules', { body, params: once(key) })),
  setRuleActive: (ruleId: number, active: boolean) =>
    call(client.PATCH('/api/v1/training/rules/{id}', { params: id(ruleId), body: { active } })),
  enrol: (body: NewEnrolments, key: string) =>
    call(client.POST('/api/v1/training/enrolments', { body, params: once(key) })),
  stats: (q: StatsQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/stats', { params: { query: q }, signal })),
  exportRecords: (areaId: number | undefined, format: 'csv' | 'xlsx') =>
    blob(
      client.GET('/api/v1/training/records/export', {
        params: { query: { ...(areaId ? { areaId } : {}), format } },
        parseAs: 'blob',
      }),
    ),
}

export const learningKeys = {
  all: ['training', 'learning'] as const,
  enrolments: (q: EnrolmentFilter) => ['training', 'learning', 'enrolments', q] as const,
  enrolment: (enrolmentId: number) => ['training', 'learning', 'enrolment', enrolmentId] as const,
  rules: (q: RuleFilter) => ['training', 'learning', 'rules', q] as const,
  stats: (q: StatsQuery) => ['training', 'learning', 'stats', q] as const,
}

/** After a change: every list, enrolment and figure of learning read again. */
export const learningChanged = () => queryClient.invalidateQueries({ queryKey: learningKeys.all })

export const learningQueries = {
  enrolments: (q: EnrolmentFilter) =>
    queryOptions({ queryKey: learningKeys.enrolments(q), queryFn: ({ signal }) => learningApi.enrolments(q, signal) }),
  enrolment: (enrolmentId: number) =>
    queryOptions({
      queryKey: learningKeys.enrolment(enrolmentId),
      queryFn: ({ signal }) => learningApi.enrolment(enrolmentId, signal),
    }),
  rules: (q: RuleFilter) =>
    queryOptions({ queryKey: learningKeys.rules(q), queryFn: ({ signal }) => learningApi.rules(q, signal) }),
  stats: (q: StatsQuery) =>
    queryOptions({ queryKey: learningKeys.stats(q), queryFn: ({ signal }) => learningApi.stats(q, signal) }),
}

/** A fresh idempotency key per submission. */
export const newKey = () => crypto.randomUUID()
