import type { AppConfig, User } from '../../types'

/** What the training hub gives each part's screens: the route below #/training/<part>. */
export interface SectionProps {
  /** Route segments after the part, e.g. ['12'] for #/training/courses/12. */
  params: string[]
  user: User
  config: AppConfig | null
}

export const trainingParts = ['learn', 'courses', 'records', 'policies', 'models'] as const
export type TrainingPart = (typeof trainingParts)[number]

/** Who writes material and assigns and follows training (the server's trainingKeepers, src/training/common.ts). */
export const TRAINING_KEEPERS = ['admin', 'leader', 'staff'] as const
/** Parts only the keepers see in the tabs. */
export const keeperParts: readonly TrainingPart[] = ['records']
