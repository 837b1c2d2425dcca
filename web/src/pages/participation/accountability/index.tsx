import { hasRole } from '../../../modules'
import { idParam } from '../../../router'
import { PARTICIPATION_STAFF } from '../meetings/common'
import type { SectionProps } from '../section'
import type { SourceKind } from './api'
import { SOURCE_KINDS } from './common'
import { NewRecord } from './NewRecord'
import { RecordDetail } from './RecordDetail'
import { RecordList } from './RecordList'

/**
 * You said, we did (件件有回音) below #/participation/accountability: the list with progress bars,
 * one record by id, and `new/<sourceKind>/<sourceId>` for staff following an outcome.
 */
export function AccountabilitySection({ params, user }: SectionProps) {
  if (params[0] === 'new' && hasRole(user, PARTICIPATION_STAFF)) {
    const kind = SOURCE_KINDS.find((k) => k === params[1]) as SourceKind | undefined
    const sourceId = idParam(params, 2)
    if (kind && sourceId) return <NewRecord key={`${kind}:${sourceId}`} sourceKind={kind} sourceId={sourceId} />
  }
  const recordId = idParam(params)
  if (recordId) return <RecordDetail key={recordId} id={recordId} />
  return <RecordList />
}
