import { hasRole } from '../../../modules'
import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { PARTICIPATION_STAFF } from './common'
import { CouncilDetail, CouncilList } from './Councils'
import { MeetingDetail } from './MeetingDetail'
import { MeetingEditor } from './MeetingEditor'
import { MeetingList } from './MeetingList'

/**
 * Deliberation meetings and resident councils below #/participation/meetings: the list, `new` for
 * staff, one meeting by id, `councils` and one council by id.
 */
export function MeetingsSection({ params, user }: SectionProps) {
  const staff = hasRole(user, PARTICIPATION_STAFF)
  if (params[0] === 'councils') {
    const councilId = idParam(params, 1)
    return councilId ? <CouncilDetail key={councilId} id={councilId} /> : <CouncilList staff={staff} />
  }
  if (params[0] === 'new' && staff) return <MeetingEditor user={user} />
  const meetingId = idParam(params)
  if (meetingId) return <MeetingDetail key={meetingId} id={meetingId} />
  return <MeetingList staff={staff} />
}
