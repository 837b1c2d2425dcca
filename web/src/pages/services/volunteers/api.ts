// Volunteers, activities and the time bank (src/services/volunteers-routes.ts) through the generated
// client: the types picked out of the generated paths, the calls and the query keys (kept here,
// under ['services', 'volunteers', …]).
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type Volunteer = ApiResponse<'/api/v1/volunteers/{id}'>
export type VolunteerFilter = ApiQuery<'/api/v1/volunteers'>
export type NewVolunteer = ApiBody<'/api/v1/volunteers'>
export type Skill = Item<NonNullable<NewVolunteer['skills']>>
export type Slot = Item<NonNullable<NewVolunteer['availability']>>
export type Hours = ApiResponse<'/api/v1/volunteers/{id}/hours'>
export type Entry = Item<Hours['items']>
export type Assignment = Item<ApiResponse<'/api/v1/volunteers/{id}/assignments'>['items']>
export type NewAssignment = ApiBody<'/api/v1/volunteers/{id}/assignments'>
export type ActivityFilter = ApiQuery<'/api/v1/activities'>
export type Activity = Item<ApiResponse<'/api/v1/activities'>['items']>
export type ActivityDetail = ApiResponse<'/api/v1/activities/{id}'>
export type NewActivity = ApiBody<'/api/v1/activities'>
export type ActivityKind = NewActivity['kind']
export type ActivityAction = ApiBody<'/api/v1/activities/{id}/actions'>['action']
export type Signup = Item<ApiResponse<'/api/v1/activities/{id}/signups'>['items']>
export type CheckinResult = ApiResponse<'/api/v1/activities/{id}/checkin', 'post'>

export const SKILLS: Skill[] = [
  'elderly_care',
  'tutoring',
  'medical',
  'legal',
  'repair',
  'driving',
  'cooking',
  'language',
  'it',
  'culture',
  'environment',
  'psychology',
  'first_aid',
  'other',
]
export const KINDS: ActivityKind[] = [
  'elderly_care',
  'environment',
  'education',
  'culture',
  'safety_patrol',
  'health',
  'care_visit',
  'emergency',
  'other',
]

export const volunteerApi = {
  me: (signal?: AbortSignal) => call(client.GET('/api/v1/volunteers/me', { signal })),
  register: (body: NewVolunteer, key: string) =>
    call(client.POST('/api/v1/volunteers', { body, params: { header: { 'idempotency-key': key } } })),
  list: (q: VolunteerFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/volunteers', { params: { query: q }, signal })),
  detail: (v: number, signal?: AbortSignal) => call(client.GET('/api/v1/volunteers/{id}', { params: id(v), signal })),
  update: (v: number, body: ApiBody<'/api/v1/volunteers/{id}', 'put'>) =>
    call(client.PUT('/api/v1/volunteers/{id}', { params: id(v), body })),
  hours: (v: number, page: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/volunteers/{id}/hours', { params: { ...id(v), query: { page, pageSize: 20 } }, signal })),
  adjust: (v: number, body: ApiBody<'/api/v1/volunteers/{id}/adjustments'>, key: string) =>
    call(
      client.POST('/api/v1/volunteers/{id}/adjustments', {
        params: { ...id(v), header: { 'idempotency-key': key } },
        body,
      }),
    ),
  assignments: (v: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/volunteers/{id}/assignments', { params: id(v), signal })),
  assign: (v: number, body: NewAssignment, key: string) =>
    call(
      client.POST('/api/v1/volunteers/{id}/assignments', {
        params: { ...id(v), header: { 'idempotency-key': key } },
        body,
      }),
    ),
  certificateUrl: (v: number) => `/api/v1/volunteers/${v}/certificate`,
}

export const activityApi = {
  list: (q: ActivityFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/activities', { params: { query: q }, signal })),
  detail: (a: number, signal?: AbortSignal) => call(client.GET('/api/v1/activities/{id}', { params: id(a), signal })),
  create: (body: NewActivity, key: string) =>
    call(client.POST('/api/v1/activities', { body, params: { header: { 'idempotency-key': key } } })),
  update: (a: number, body: ApiBody<'/api/v1/activities/{id}', 'put'>) =>
    call(client.PUT('/api/v1/activities/{id}', { params: id(a), body })),
  act: (a: number, action: ActivityAction) =>
    call(client.POST('/api/v1/activities/{id}/actions', { params: id(a), body: { action } })),
  signUp: (a: number) => call(client.POST('/api/v1/activities/{id}/signups', { params: id(a) })),
  cancel: (a: number) => call(client.POST('/api/v1/activities/{id}/signups/cancel', { params: id(a) })),
  signups: (a: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/activities/{id}/signups', { params: id(a), signal })),
  token: (a: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/activities/{id}/checkin-token', { params: id(a), signal })),
  checkin: (a: number, token: string) =>
    call(client.POST('/api/v1/activities/{id}/checkin', { params: id(a), body: { token } })),
  staffIn: (a: number, v: number) =>
    call(
      client.POST('/api/v1/activities/{id}/signups/{volunteerId}/checkin', {
        params: { path: { id: a, volunteerId: v } },
      }),
    ),
  staffOut: (a: number, v: number, hours?: number) =>
    call(
      client.POST('/api/v1/activities/{id}/signups/{volunteerId}/checkout', {
        params: { path: { id: a, volunteerId: v } },
        body: hours === undefined ? {} : { hours },
      }),
    ),
}

export type PersonSearch = ApiBody<'/api/v1/people/search'>
export type CareTag = Item<NonNullable<PersonSearch['tags']>>
/** The registry's care tags: a care visit is for a person with one of them. */
export const CARE_TAGS: CareTag[] = ['elderly_alone', 'elderly', 'disabled', 'key_care', 'left_behind_child']

/** The registry's search (volunteer staff are its readers): people to visit, by care tag and name. */
export const peopleApi = {
  search: (body: PersonSearch) => call(client.POST('/api/v1/people/search', { body })),
}

export const keys = {
  all: ['services', 'volunteers'] as const,
  me: ['services', 'volunteers', 'me'] as const,
  list: (q: VolunteerFilter) => ['services', 'volunteers', 'list', q] as const,
  volunteer: (v: number) => ['services', 'volunteers', 'volunteer', v] as const,
  hours: (v: number, page: number) => ['services', 'volunteers', 'volunteer', v, 'hours', page] as const,
  assignments: (v: number) => ['services', 'volunteers', 'volunteer', v, 'assignments'] as const,
  activities: (q: ActivityFilter) => ['services', 'volunteers', 'activities', q] as const,
  activity: (a: number) => ['services', 'volunteers', 'activity', a] as const,
  signups: (a: number) => ['services', 'volunteers', 'activity', a, 'signups'] as const,
  token: (a: number) => ['services', 'volunteers', 'activity', a, 'token'] as const,
}

export const volunteerQueries = {
  me: () => queryOptions({ queryKey: keys.me, queryFn: ({ signal }) => volunteerApi.me(signal) }),
  list: (q: VolunteerFilter) =>
    queryOptions({ queryKey: keys.list(q), queryFn: ({ signal }) => volunteerApi.list(q, signal) }),
  detail: (v: number) =>
    queryOptions({ queryKey: keys.volunteer(v), queryFn: ({ signal }) => volunteerApi.detail(v, signal) }),
  hours: (v: number, page: number) =>
    queryOptions({ queryKey: keys.hours(v, page), queryFn: ({ signal }) => volunteerApi.hours(v, page, signal) }),
  assignments: (v: number) =>
    queryOptions({ queryKey: keys.assignments(v), queryFn: ({ signal }) => volunteerApi.assignments(v, signal) }),
  activities: (q: ActivityFilter) =>
    queryOptions({ queryKey: keys.activities(q), queryFn: ({ signal }) => activityApi.list(q, signal) }),
  activity: (a: number) =>
    queryOptions({ queryKey: keys.activity(a), queryFn: ({ signal }) => activityApi.detail(a, signal) }),
  signups: (a: number) =>
    queryOptions({ queryKey: keys.signups(a), queryFn: ({ signal }) => activityApi.signups(a, signal) }),
}

/** Everything of this part may have moved after a mutation: refetch what is shown. */
export const invalidateVolunteers = () => queryClient.invalidateQueries({ queryKey: keys.all })
