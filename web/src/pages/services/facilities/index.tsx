import { hasRole } from '../../../modules'
import { idParam } from '../../../router'
import { SERVICES_STAFF, type SectionProps } from '../section'
import { MyBookings, StaffDay } from './Bookings'
import { FacilityEditor } from './FacilityEditor'
import { FacilityList } from './FacilityList'
import { FacilityPage } from './FacilityPage'
import './facilities.css'

/**
 * Facility booking below #/services/facilities: the list, `mine` (my bookings), `day` (staff: the
 * day's bookings), `new` (staff), one facility by id and `<id>/edit` (staff).
 */
export function FacilitiesSection({ params, user }: SectionProps) {
  const staff = hasRole(user, SERVICES_STAFF)
  if (params[0] === 'mine') return <MyBookings staff={staff} />
  if (params[0] === 'day' && staff) return <StaffDay />
  if (params[0] === 'new' && staff) return <FacilityEditor key="new" />
  const facilityId = idParam(params)
  if (facilityId && params[1] === 'edit' && staff) return <FacilityEditor key={facilityId} id={facilityId} />
  if (facilityId) return <FacilityPage key={facilityId} id={facilityId} />
  return <FacilityList staff={staff} />
}
