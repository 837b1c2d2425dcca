import { AppError } from '../core/errors.js'
import { holds, type RequestContext, type Role, requireActor } from '../core/scope.js'

// What the parts of the training module share: who writes the material, who learns, and the
// words of the domain (the check constraints of migration 0072 list the same values).

/** Who writes courses, policy explainers and model cases, and assigns and follows training (over the area). */
export const trainingKeepers: Role[] = ['admin', 'leader', 'staff']
/** Who reads the material on their branch and learns: every staff role. */
export const trainingLearners: Role[] = ['admin', 'leader', 'staff', 'grid_worker', 'department_handler', 'mediator']

/** Whether the caller keeps training (material, assignment, records) over the area at `path`. */
export const keepsTraining = (ctx: RequestContext, path: string) => holds(ctx.actor, trainingKeepers, path)

/** The caller, when they keep training over the area at `path`; else 403 saying what is refused. */
export function requireTrainingKeeper(ctx: RequestContext, path: string, refusal: string) {
  const actor = requireActor(ctx)
  if (!holds(actor, trainingKeepers, path)) throw new AppError('FORBIDDEN', refusal)
  return actor
}

export const courseTopics = [
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
] as const
export type CourseTopic = (typeof courseTopics)[number]
export const courseStatuses = ['draft', 'published', 'archived'] as const
export const lessonKinds = ['text', 'image', 'pdf', 'video'] as const
export type LessonKind = (typeof lessonKinds)[number]
export const questionKinds = ['single', 'multiple', 'true_false'] as const

/** The files a lesson may carry, by kind; the bytes decide the type. */
export const mediaTypes = {
  image: ['image/png', 'image/jpeg', 'image/webp'],
  pdf: ['application/pdf'],
  video: ['video/mp4', 'video/webm'],
} as const satisfies Record<Exclude<LessonKind, 'text'>, readonly string[]>
export type MediaType = (typeof mediaTypes)[keyof typeof mediaTypes][number]
/** The largest file of each kind, in bytes. */
export const mediaMaxBytes = { image: 10 << 20, pdf: 20 << 20, video: 200 << 20 } as const

/** The roles a course is assigned to by rule (the staff roles). */
export const learnerRoles = trainingLearners
export const enrolmentStatuses = ['assigned', 'in_progress', 'completed', 'withdrawn'] as const

export const policyStatuses = ['draft', 'published', 'retired'] as const
export const modelCaseSources = ['case', 'dispute', 'proposal'] as const
export type ModelCaseSource = (typeof modelCaseSources)[number]
export const modelCaseStatuses = ['draft', 'published', 'withdrawn'] as const
