import type { SectionProps } from '../section'

/** Training (records). Stub: the records part fills it in. */
export function RecordsSection(_props: SectionProps) {
  return null
}
