import type { AppConfig, User } from '../../types'

/** What the participation hub gives each process's screens: the route below #/participation/<part>. */
export interface SectionProps {
  /** Route segments after the part, e.g. ['12'] for #/participation/proposals/12. */
  params: string[]
  user: User
  config: AppConfig | null
}

export const participationParts = [
  'notices',
  'consultations',
  'surveys',
  'proposals',
  'meetings',
  'accountability',
  'verify',
] as const
export type ParticipationPart = (typeof participationParts)[number]
