import type { AppConfig, User } from '../../types'

/** What the devices hub gives each part's screens: the route below #/devices/<part>. */
export interface SectionProps {
  /** Route segments after the part, e.g. ['12'] for #/devices/registry/12. */
  params: string[]
  user: User
  config: AppConfig | null
}

export const deviceParts = ['registry', 'alarms', 'rules', 'risk'] as const
export type DevicePart = (typeof deviceParts)[number]

/** Who registers and keeps devices (the server's deviceKeepers, src/devices/common.ts). */
export const DEVICE_KEEPERS = ['admin', 'leader', 'staff'] as const
/** Who reads devices and works alarms (the server's deviceReaders). */
export const DEVICE_READERS = ['admin', 'leader', 'staff', 'grid_worker', 'department_handler'] as const
