import type { AppConfig, User } from '../../types'

/** What the party hub gives each part's screens: the route below #/party/<part>. */
export interface SectionProps {
  /** Route segments after the part, e.g. ['12'] for #/party/organisations/12. */
  params: string[]
  user: User
  config: AppConfig | null
}

export const partyParts = ['organisations', 'members', 'cobuild', 'stats'] as const
export type PartyPart = (typeof partyParts)[number]

/** Who builds the network and records members and co-building (the server's partyKeepers, src/party/common.ts). */
export const PARTY_KEEPERS = ['admin', 'leader', 'staff'] as const
/** Who reads them (the server's partyReaders). */
export const PARTY_READERS = ['admin', 'leader', 'staff', 'grid_worker'] as const
