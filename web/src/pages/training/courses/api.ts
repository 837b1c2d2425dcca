// Training courses (src/training/courses-routes.ts) through the generated client: the types picked
// out of the generated paths, the calls, the query keys (under ['training', 'courses', …]) and the
// queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

export type CourseFilter = ApiQuery<'/api/v1/training/courses'>
export type CourseItem = Item<ApiResponse<'/api/v1/training/courses'>['items']>
export type CourseDetail = ApiResponse<'/api/v1/training/courses/{id}'>
export type Lesson = Item<CourseDetail['lessons']>
export type Question = Item<CourseDetail['questions']>
export type NewCourse = ApiBody<'/api/v1/training/courses'>
export type CoursePatch = ApiBody<'/api/v1/training/courses/{id}', 'patch'>
export type NewLesson = ApiBody<'/api/v1/training/courses/{id}/lessons'>
export type LessonPatch = ApiBody<'/api/v1/training/lessons/{id}', 'patch'>
export type NewQuestion = ApiBody<'/api/v1/training/courses/{id}/questions'>
export type QuestionPatch = ApiBody<'/api/v1/training/questions/{id}', 'patch'>
export type Topic = CourseItem['topic']
export type CourseStatus = CourseItem['status']
export type LessonKind = Lesson['kind']
export type QuestionKind = Question['kind']
export type MediaKind = Exclude<LessonKind, 'text'>

export const topics: Topic[] = [
  'induction',
  'grid_work',
  'case_handling',
  'mediation',
  'policy',
  'party',
  'safety',
  'digital',
  'service',
  'other',
]
export const courseStatuses: CourseStatus[] = ['draft', 'published', 'archived']
export const lessonKinds: LessonKind[] = ['text', 'image', 'pdf', 'video']
export const questionKinds: QuestionKind[] = ['single', 'multiple', 'true_false']
/** What the file picker offers per kind (the server judges by the bytes). */
export const mediaAccept: Record<MediaKind, string> = {
  image: 'image/png,image/jpeg,image/webp,.png,.jpg,.jpeg,.webp',
  pdf: 'application/pdf,.pdf',
  video: 'video/mp4,video/webm,.mp4,.webm',
}

export const coursesApi = {
  list: (q: CourseFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/courses', { params: { query: q }, signal })),
  detail: (courseId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/courses/{id}', { params: id(courseId), signal })),
  create: (body: NewCourse, key: string) => call(client.POST('/api/v1/training/courses', { body, params: once(key) })),
  update: (courseId: number, body: CoursePatch) =>
    call(client.PATCH('/api/v1/training/courses/{id}', { params: id(courseId), body })),
  addLesson: (courseId: number, body: NewLesson, key: string) =>
    call(client.POST('/api/v1/training/courses/{id}/lessons', { params: { ...id(courseId), ...once(key) }, body })),
  updateLesson: (lessonId: number, body: LessonPatch) =>
    call(client.PATCH('/api/v1/training/lessons/{id}', { params: id(lessonId), body })),
  deleteLesson: (lessonId: number) => call(client.DELETE('/api/v1/training/lessons/{id}', { params: id(lessonId) })),
  addQuestion: (courseId: number, body: NewQuestion, key: string) =>
    call(client.POST('/api/v1/training/courses/{id}/questions', { params: { ...id(courseId), ...once(key) }, body })),
  updateQuestion: (questionId: number, body: QuestionPatch) =>
    call(client.PATCH('/api/v1/training/questions/{id}', { params: id(questionId), body })),
  deleteQuestion: (questionId: number) =>
    call(client.DELETE('/api/v1/training/questions/{id}', { params: id(questionId) })),
  /** The file as the raw body with its own type (octet-stream when the browser does not know it). */
  upload: (areaId: number, kind: MediaKind, file: File, key: string) =>
    call(
      client.POST('/api/v1/training/media', {
        params: { query: { areaId, kind, fileName: file.name.slice(0, 200) || 'file' }, ...once(key) },
        body: file as never,
        bodySerializer: (f: unknown) => f as never,
        headers: { 'Content-Type': file.type || 'application/octet-stream' },
      }),
    ),
}

export const courseKeys = {
  all: ['training', 'courses'] as const,
  list: (q: CourseFilter) => ['training', 'courses', 'list', q] as const,
  detail: (courseId: number) => ['training', 'courses', 'detail', courseId] as const,
}

/** After a change: the catalogue and every course read again (the learners' views too). */
export const coursesChanged = async () => {
  await queryClient.invalidateQueries({ queryKey: courseKeys.all })
  await queryClient.invalidateQueries({ queryKey: ['training', 'learn'] })
}

export const courseQueries = {
  list: (q: CourseFilter) =>
    queryOptions({ queryKey: courseKeys.list(q), queryFn: ({ signal }) => coursesApi.list(q, signal) }),
  detail: (courseId: number) =>
    queryOptions({
      queryKey: courseKeys.detail(courseId),
      queryFn: ({ signal }) => coursesApi.detail(courseId, signal),
    }),
}
