import { useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { queries } from '../api/queries'
import { attributeLabel, attributeValueText, findCategory } from '../caseUtils'
import { formatDateTime, localName } from '../i18n'
import type { CaseDetail } from '../types'
import { UrgencyBadge } from '../pages/loop/common'
import { ColourDot } from './CaseBadges'

/** The facts of a case: where, when, who handles it, deadlines, and the category's attributes. */
export function CaseFacts({ detail, compact = false }: { detail: CaseDetail; compact?: boolean }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  // Both only name things better (attribute labels, assisting departments); without them codes and ids show.
  const categories = useQuery(queries.categories()).data
  const departments = useQuery({
    ...queries.departments(),
    enabled: !compact && detail.assistingDepartmentIds.length > 0,
  }).data
  const category = useMemo(
    () => (categories ? findCategory(categories, (c) => c.code === detail.category.code) : undefined),
    [categories, detail.category.code],
  )

  const attrEntries = Object.entries(detail.attributes ?? {})
  const assisting = detail.assistingDepartmentIds.map((id) => {
    const d = departments?.find((x) => x.id === id)
    return d ? localName(d, lng) : `#${id}`
  })

  return (
    <section className="card case-facts" data-testid="case-facts">
      <dl className="facts">
        <div>
          <dt>{t('case.category')}</dt>
          <dd>
            {localName(detail.category, lng)} <span className="muted mono">{detail.category.code}</span>
          </dd>
        </div>
        <div>
          <dt>{t('case.area')}</dt>
          <dd data-testid="case-area">{localName(detail.area, lng)}</dd>
        </div>
        {detail.address && (
          <div>
            <dt>{t('case.address')}</dt>
            <dd>{detail.address}</dd>
          </div>
        )}
        <div>
          <dt>{t('case.submittedAt')}</dt>
          <dd>{formatDateTime(detail.submittedAt, lng)}</dd>
        </div>
        <div>
          <dt>{t('case.department')}</dt>
          <dd data-testid="case-department">{(detail.department && localName(detail.department, lng)) || '—'}</dd>
        </div>
        {detail.stageDueAt && (
          <div>
            <dt>{t('case.stageDue', { stage: detail.stage ? t(`stages.${detail.stage}`) : '' })}</dt>
            <dd data-testid="case-due">
              <ColourDot colour={detail.colour} /> {formatDateTime(detail.stageDueAt, lng)}
            </dd>
          </div>
        )}
        <div>
          <dt>{t('loop.panel.facts.urgency')}</dt>
          <dd>
            <UrgencyBadge urgency={detail.urgency} />
          </dd>
        </div>
        {!compact && <LoopFacts detail={detail} />}
        {!compact && (
          <>
            <div>
              <dt>{t('case.channel')}</dt>
              <dd>{t(`channels.${detail.channel}`, { defaultValue: detail.channel })}</dd>
            </div>
            {assisting.length > 0 && (
              <div>
                <dt>{t('case.assisting')}</dt>
                <dd>{assisting.join(t('common.listSeparator'))}</dd>
              </div>
            )}
            {detail.reporter && (detail.reporter.name || detail.reporter.phone) && (
              <div>
                <dt>{t('case.reporter')}</dt>
                <dd data-testid="case-reporter">
                  {[detail.reporter.name, detail.reporter.phone].filter(Boolean).join(' · ')}
                </dd>
              </div>
            )}
            {detail.escalationLevel > 0 && (
              <div>
                <dt>{t('case.escalation')}</dt>
                <dd>
                  <span className="badge badge-danger">
                    {t('case.escalationLevel', { level: detail.escalationLevel })}
                  </span>
                </dd>
              </div>
            )}
            {(detail.reworkCount > 0 || detail.reopenCount > 0) && (
              <div>
                <dt>{t('case.rework')}</dt>
                <dd>{t('case.reworkCounts', { rework: detail.reworkCount, reopen: detail.reopenCount })}</dd>
              </div>
            )}
            {detail.extensionRequest && (
              <div>
                <dt>{t('case.extensionRequest')}</dt>
                <dd>
                  {t('actions.extensionRequest', {
                    days: detail.extensionRequest.workdays,
                    reason: detail.extensionRequest.comment,
                  })}
                </dd>
              </div>
            )}
          </>
        )}
        {attrEntries.map(([code, v]) => {
          const def = category?.attributes.find((a) => a.code === code)
          return (
            <div key={code}>
              <dt>{def ? attributeLabel(def, lng) : code}</dt>
              <dd>{attributeValueText(def, v, lng)}</dd>
            </div>
          )
        })}
      </dl>
    </section>
  )
}

/**
 * The loop's facts (issue 12): first contact with the requester, a pending return or shelving
 * request, the shelving and its review, the requester's answer (or why none is asked), a direct answer.
 */
function LoopFacts({ detail }: { detail: CaseDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const closedish = detail.state === 'closed' || detail.state === 'rated'
  const answer = !detail.rateable
    ? t('loop.panel.facts.notRateable')
    : detail.ratingStatus === 'rated'
      ? t('loop.panel.facts.rated')
      : detail.ratingStatus === 'not_rated'
        ? t('loop.panel.facts.notRated')
        : closedish
          ? t('loop.panel.facts.awaitingAnswer')
          : null
  return (
    <>
      {detail.contactRequired ? (
        <div>
          <dt>{t('loop.panel.facts.contacted')}</dt>
          <dd data-testid="case-contact" data-contacted={detail.contactedAt ? 'yes' : 'no'}>
            {detail.contactedAt
              ? formatDateTime(detail.contactedAt, lng)
              : `${t('loop.panel.facts.notContacted')} · ${t('loop.panel.facts.contactDue')} ${formatDateTime(detail.contactDueAt, lng)}`}
          </dd>
        </div>
      ) : (
        <div>
          <dt>{t('loop.panel.facts.contacted')}</dt>
          <dd data-testid="case-contact" data-contacted="not-required">
            {t('loop.panel.facts.contactNotRequired')}
          </dd>
        </div>
      )}
      {detail.returnRequest && (
        <div>
          <dt>{t('loop.panel.facts.returnRequest')}</dt>
          <dd data-testid="case-return-request">
            {t('loop.panel.facts.returnRequestText', {
              reason: t(`loop.panel.returnReasons.${detail.returnRequest.reason}`),
              comment: detail.returnRequest.comment,
            })}
          </dd>
        </div>
      )}
      {detail.returnCount > 0 && (
        <div>
          <dt>{t('loop.panel.facts.returns')}</dt>
          <dd data-testid="case-returns">{t('loop.panel.facts.returnCounts', { n: detail.returnCount })}</dd>
        </div>
      )}
      {detail.extensionCount > 0 && (
        <div>
          <dt>{t('case.extensionRequest')}</dt>
          <dd>{t('loop.panel.facts.extensions', { n: detail.extensionCount })}</dd>
        </div>
      )}
      {detail.shelvingRequest && (
        <div>
          <dt>{t('loop.panel.facts.shelvingRequest')}</dt>
          <dd data-testid="case-shelving-request">{detail.shelvingRequest.comment}</dd>
        </div>
      )}
      {detail.shelvedAt && detail.state === 'shelved' && (
        <div>
          <dt>{t('loop.panel.facts.shelved')}</dt>
          <dd data-testid="case-shelved">
            {t('loop.panel.facts.shelvedText', {
              at: formatDateTime(detail.shelvedAt, lng),
              review: formatDateTime(detail.shelveReviewAt, lng),
            })}
          </dd>
        </div>
      )}
      {detail.directAnswer && (
        <div>
          <dt>{t('case.result')}</dt>
          <dd data-testid="case-direct-answer">{t('loop.panel.facts.directAnswer')}</dd>
        </div>
      )}
      {answer && (
        <div>
          <dt>{t('loop.panel.facts.ratingStatus')}</dt>
          <dd
            data-testid="case-rating-status"
            data-status={detail.ratingStatus ?? (detail.rateable ? 'awaiting' : 'unrateable')}
          >
            {answer}
            {detail.solved !== null &&
              ` · ${detail.solved ? t('loop.panel.facts.solved') : t('loop.panel.facts.notSolved')}`}
            {detail.callbackAttempts > 0 &&
              ` · ${t('loop.panel.facts.callbackAttempts', { n: detail.callbackAttempts })}`}
          </dd>
        </div>
      )}
    </>
  )
}

/** The report's photos, full size on a click. Served to signed-in users who may see the case. */
export function CasePhotos({ detail }: { detail: CaseDetail }) {
  const { t } = useTranslation()
  if (detail.photos.length === 0) return null
  return (
    <section className="card">
      <h2 className="section-title">{t('case.photos')}</h2>
      <div className="photo-strip large" data-testid="case-photos">
        {detail.photos.map((p, i) => (
          <a key={p.id} href={api.photoUrl(p.id)} target="_blank" rel="noreferrer">
            <img src={api.photoUrl(p.id)} alt={t('photos.photoN', { n: i + 1 })} data-testid="case-photo" />
          </a>
        ))}
      </div>
    </section>
  )
}

/** The department's result and, once rated, the reporter's rating. */
export function CaseResult({ detail, card = false }: { detail: CaseDetail; card?: boolean }) {
  const { t } = useTranslation()
  if (!detail.result) return null
  return (
    <div className={card ? 'card result-box' : 'result-box'} data-testid="case-result">
      <h2 className="section-title">{t('case.result')}</h2>
      <p>{detail.result}</p>
      {detail.rating && (
        <p data-testid="case-rating">
          {t('case.rating')}: <strong>{t(`ratings.${detail.rating}`)}</strong>
          {detail.ratingComment ? ` — ${detail.ratingComment}` : ''}
        </p>
      )}
    </div>
  )
}
