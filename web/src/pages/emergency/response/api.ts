// Responders, tasks, resources and shelters (src/emergency/response-routes.ts) through the
// generated client: their types picked out of the generated paths, the calls, the query keys
// (kept here, under ['emergency', 'response', …]) and the queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

export type Responder = Item<ApiResponse<'/api/v1/incidents/{id}/responders'>['items']>
export type Enrol = ApiBody<'/api/v1/incidents/{id}/responders'>
export type Task = Item<ApiResponse<'/api/v1/emergency/tasks/mine'>['items']>
export type TaskFilter = ApiQuery<'/api/v1/incidents/{id}/tasks'>
export type NewTask = ApiBody<'/api/v1/incidents/{id}/tasks'>
export type TaskPatch = ApiBody<'/api/v1/incidents/{id}/tasks/{taskId}', 'put'>
export type TaskAction = ApiBody<'/api/v1/incidents/{id}/tasks/{taskId}/actions'>['action']
export type TaskStatus = Task['status']
export type Resource = Item<ApiResponse<'/api/v1/emergency/resources'>['items']>
export type ResourceFilter = ApiQuery<'/api/v1/emergency/resources'>
export type NewResource = ApiBody<'/api/v1/emergency/resources'>
export type ResourcePatch = ApiBody<'/api/v1/emergency/resources/{id}', 'put'>
export type ResourceKind = Resource['kind']
export type Allocation = Item<ApiResponse<'/api/v1/incidents/{id}/allocations'>['items']>
export type Shelter = Item<ApiResponse<'/api/v1/emergency/shelters'>['items']>
export type ShelterFilter = ApiQuery<'/api/v1/emergency/shelters'>
export type NewShelter = ApiBody<'/api/v1/emergency/shelters'>
export type ShelterPatch = ApiBody<'/api/v1/emergency/shelters/{id}', 'put'>
export type ShelterStatus = Shelter['status']
export type Facility = Item<Shelter['facilities']>
export type IncidentShelter = Item<ApiResponse<'/api/v1/incidents/{id}/shelters'>['items']>
export type Occupant = Item<IncidentShelter['occupants']>
export type NewCheckin = ApiBody<'/api/v1/incidents/{id}/shelters/{shelterId}/checkins'>
export type Volunteer = Item<ApiResponse<'/api/v1/volunteers'>['items']>
export type Skill = Item<Volunteer['skills']>

export const resourceKinds: ResourceKind[] = [
  'sandbags',
  'pump',
  'generator',
  'boat',
  'vehicle',
  'tent',
  'water',
  'food',
  'medical_kit',
  'fire_extinguisher',
  'lighting',
  'other',
]
export const facilities: Facility[] = [
  'water',
  'food',
  'beds',
  'medical',
  'power',
  'toilets',
  'accessible',
  'cooling',
  'heating',
]
export const skills: Skill[] = [
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

export const responseApi = {
  responders: (incidentId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}/responders', { params: id(incidentId), signal })),
  enrol: (incidentId: number, body: Enrol) =>
    call(client.POST('/api/v1/incidents/{id}/responders', { params: id(incidentId), body })),
  removeResponder: (incidentId: number, userId: number) =>
    call(client.DELETE('/api/v1/incidents/{id}/responders/{userId}', { params: { path: { id: incidentId, userId } } })),
  volunteers: (q: ApiQuery<'/api/v1/volunteers'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/volunteers', { params: { query: q }, signal })),

  myTasks: (signal?: AbortSignal) => call(client.GET('/api/v1/emergency/tasks/mine', { signal })),
  tasks: (incidentId: number, q: TaskFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}/tasks', { params: { ...id(incidentId), query: q }, signal })),
  createTask: (incidentId: number, body: NewTask, key: string) =>
    call(client.POST('/api/v1/incidents/{id}/tasks', { params: { ...id(incidentId), ...once(key) }, body })),
  updateTask: (incidentId: number, taskId: number, body: TaskPatch) =>
    call(client.PUT('/api/v1/incidents/{id}/tasks/{taskId}', { params: { path: { id: incidentId, taskId } }, body })),
  taskAction: (incidentId: number, taskId: number, action: TaskAction, result?: string) =>
    call(
      client.POST('/api/v1/incidents/{id}/tasks/{taskId}/actions', {
        params: { path: { id: incidentId, taskId } },
        body: { action, ...(result ? { result } : {}) },
      }),
    ),

  resources: (q: ResourceFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/emergency/resources', { params: { query: q }, signal })),
  createResource: (body: NewResource, key: string) =>
    call(client.POST('/api/v1/emergency/resources', { params: once(key), body })),
  updateResource: (resourceId: number, body: ResourcePatch) =>
    call(client.PUT('/api/v1/emergency/resources/{id}', { params: id(resourceId), body })),
  allocations: (incidentId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}/allocations', { params: id(incidentId), signal })),
  allocate: (incidentId: number, body: ApiBody<'/api/v1/incidents/{id}/allocations'>, key: string) =>
    call(client.POST('/api/v1/incidents/{id}/allocations', { params: { ...id(incidentId), ...once(key) }, body })),
  giveBack: (incidentId: number, allocationId: number, quantity: number) =>
    call(
      client.POST('/api/v1/incidents/{id}/allocations/{allocationId}/return', {
        params: { path: { id: incidentId, allocationId } },
        body: { quantity },
      }),
    ),

  shelters: (q: ShelterFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/emergency/shelters', { params: { query: q }, signal })),
  createShelter: (body: NewShelter, key: string) =>
    call(client.POST('/api/v1/emergency/shelters', { params: once(key), body })),
  updateShelter: (shelterId: number, body: ShelterPatch) =>
    call(client.PUT('/api/v1/emergency/shelters/{id}', { params: id(shelterId), body })),
  shelterStatus: (shelterId: number, status: ShelterStatus) =>
    call(client.POST('/api/v1/emergency/shelters/{id}/status', { params: id(shelterId), body: { status } })),
  incidentShelters: (incidentId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}/shelters', { params: id(incidentId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer checks in once. */
  checkIn: (incidentId: number, shelterId: number, body: NewCheckin, key: string) =>
    call(
      client.POST('/api/v1/incidents/{id}/shelters/{shelterId}/checkins', {
        params: { path: { id: incidentId, shelterId }, ...once(key) },
        body,
      }),
    ),
  checkOut: (incidentId: number, shelterId: number, checkinId: number) =>
    call(
      client.POST('/api/v1/incidents/{id}/shelters/{shelterId}/checkins/{checkinId}/checkout', {
        params: { path: { id: incidentId, shelterId, checkinId } },
      }),
    ),
  /** Registry people by name (staff and grid workers; audited by the registry). */
  searchPeople: (name: string) => call(client.POST('/api/v1/people/search', { body: { name, pageSize: 8 } })),
}

export const responseKeys = {
  all: ['emergency', 'response'] as const,
  responders: (incidentId: number) => ['emergency', 'response', 'responders', incidentId] as const,
  volunteers: (skill: string) => ['emergency', 'response', 'volunteers', skill] as const,
  myTasks: ['emergency', 'response', 'tasks', 'mine'] as const,
  tasks: (incidentId: number, q: TaskFilter) => ['emergency', 'response', 'tasks', incidentId, q] as const,
  resources: (q: ResourceFilter) => ['emergency', 'response', 'resources', q] as const,
  allocations: (incidentId: number) => ['emergency', 'response', 'allocations', incidentId] as const,
  shelters: (q: ShelterFilter) => ['emergency', 'response', 'shelters', q] as const,
  incidentShelters: (incidentId: number) => ['emergency', 'response', 'incident-shelters', incidentId] as const,
}

export const responseQueries = {
  responders: (incidentId: number) =>
    queryOptions({
      queryKey: responseKeys.responders(incidentId),
      queryFn: ({ signal }) => responseApi.responders(incidentId, signal),
    }),
  volunteers: (skill: Skill | '') =>
    queryOptions({
      queryKey: responseKeys.volunteers(skill),
      queryFn: ({ signal }) => responseApi.volunteers({ pageSize: 100, ...(skill ? { skill } : {}) }, signal),
    }),
  myTasks: () => queryOptions({ queryKey: responseKeys.myTasks, queryFn: ({ signal }) => responseApi.myTasks(signal) }),
  tasks: (incidentId: number, q: TaskFilter) =>
    queryOptions({
      queryKey: responseKeys.tasks(incidentId, q),
      queryFn: ({ signal }) => responseApi.tasks(incidentId, q, signal),
    }),
  resources: (q: ResourceFilter) =>
    queryOptions({ queryKey: responseKeys.resources(q), queryFn: ({ signal }) => responseApi.resources(q, signal) }),
  allocations: (incidentId: number) =>
    queryOptions({
      queryKey: responseKeys.allocations(incidentId),
      queryFn: ({ signal }) => responseApi.allocations(incidentId, signal),
    }),
  shelters: (q: ShelterFilter) =>
    queryOptions({ queryKey: responseKeys.shelters(q), queryFn: ({ signal }) => responseApi.shelters(q, signal) }),
  incidentShelters: (incidentId: number) =>
    queryOptions({
      queryKey: responseKeys.incidentShelters(incidentId),
      queryFn: ({ signal }) => responseApi.incidentShelters(incidentId, signal),
    }),
}

/** Something of the response changed: every list of it refreshes (they are small). */
export const responseChanged = () => queryClient.invalidateQueries({ queryKey: responseKeys.all })
