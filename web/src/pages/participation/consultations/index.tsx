import { hasRole } from '../../../modules'
import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { PARTICIPATION_STAFF } from './common'
import { ConsultationDetail } from './ConsultationDetail'
import { ConsultationEditor } from './ConsultationEditor'
import { ConsultationList } from './ConsultationList'
import { ModerationQueue } from './ModerationQueue'

/**
 * Consultations on drafts (征求意见) below #/participation/consultations: the list, one consultation
 * by id, and for participation staff `new`, `<id>/edit` (a draft) and `moderation` (the queue of
 * reported comments, consultations' and proposals').
 */
export function ConsultationsSection({ params, user }: SectionProps) {
  const staff = hasRole(user, PARTICIPATION_STAFF)
  const consultationId = idParam(params)
  if (consultationId && params[1] === 'edit' && staff)
    return <ConsultationEditor key={consultationId} id={consultationId} />
  if (consultationId) return <ConsultationDetail key={consultationId} id={consultationId} />
  if (params[0] === 'new' && staff) return <ConsultationEditor />
  if (params[0] === 'moderation' && staff) return <ModerationQueue />
  return <ConsultationList staff={staff} />
}
