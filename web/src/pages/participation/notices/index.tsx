import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { NoticeDetailPage } from './NoticeDetail'
import { NoticeEditPage, NoticeNewPage } from './NoticeForm'
import { NoticeList } from './NoticeList'
import './notices.css'

/**
 * Notices and policies (通知公告、政策解读) below #/participation/notices: the list (pinned first, unread
 * marked), `new` (publish), `<id>` (read it; staff manage it there) and `<id>/edit`.
 */
export function NoticesSection({ params, user }: SectionProps) {
  if (params[0] === 'new') return <NoticeNewPage user={user} />
  const id = idParam(params)
  if (id !== null && params[1] === 'edit') return <NoticeEditPage id={id} user={user} />
  if (id !== null) return <NoticeDetailPage id={id} />
  return <NoticeList user={user} />
}
