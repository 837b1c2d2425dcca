import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { formatDateTime, localName } from '../i18n'
import type { TimelineEvent } from '../types'

function detailText(e: TimelineEvent, t: (k: string, o?: Record<string, unknown>) => string): string | null {
  const d = e.detail ?? {}
  if (e.action === 'rate' && typeof d.rating === 'string') return t(`ratings.${d.rating}`)
  if (e.action === 'request_extension' && typeof d.workdays === 'number')
    return t('timeline.workdays', { days: d.workdays })
  if (e.action === 'decide_extension' && typeof d.approve === 'boolean')
    return d.approve ? t('timeline.extensionApproved', { days: d.workdays }) : t('timeline.extensionDenied')
  if (e.action === 'merge' && typeof d.intoTrackingCode === 'string')
    return t('timeline.mergedInto', { code: d.intoTrackingCode })
  if (e.action === 'merged_from' && typeof d.trackingCode === 'string')
    return t('timeline.mergedFrom', { code: d.trackingCode })
  if (e.action === 'dispatch' && d.automatic === true) return t('timeline.automatic')
  return null
}

/**
 * The case's history, oldest first. The public timeline names roles and departments, not people;
 * `hideActors` does the same for residents looking at their own report.
 */
export function Timeline({
  events,
  showPhotos = true,
  hideActors = false,
}: {
  events: TimelineEvent[]
  showPhotos?: boolean
  hideActors?: boolean
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e) => {
        const extra = detailText(e, t)
        const who = [
          !hideActors && e.actorName && e.actorName !== 'system' ? e.actorName : null,
          e.actorRole ? t(`actorRoles.${e.actorRole}`, { defaultValue: e.actorRole }) : null,
          e.department ? localName(e.department, lng) : null,
        ].filter(Boolean)
        return (
          <li
            key={e.id}
            className={`timeline-item action-${e.action}`}
            data-testid="timeline-item"
            data-action={e.action}
          >
            <span className="timeline-dot" aria-hidden="true" />
            <div className="timeline-body">
              <div className="timeline-head">
                <strong>{t(`caseActions.${e.action}`, { defaultValue: e.action })}</strong>
                <time dateTime={e.at} className="muted">
                  {formatDateTime(e.at, lng)}
                </time>
              </div>
              {who.length > 0 && <div className="timeline-who muted">{who.join(' · ')}</div>}
              {extra && <div className="timeline-extra">{extra}</div>}
              {e.comment && <p className="timeline-comment">{e.comment}</p>}
              {showPhotos && e.photoIds.length > 0 && (
                <div className="photo-strip">
                  {e.photoIds.map((id) => (
                    <a key={id} href={api.photoUrl(id)} target="_blank" rel="noreferrer">
                      <img src={api.photoUrl(id)} alt={t('photos.photoN', { n: id })} loading="lazy" />
                    </a>
                  ))}
                </div>
              )}
            </div>
          </li>
        )
      })}
    </ol>
  )
}
