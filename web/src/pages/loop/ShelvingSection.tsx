import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../api/queries'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { formatDateTime } from '../../i18n'
import { hasRole } from '../../modules'
import type { User } from '../../types'
import { type Done, DoneNotice, Facts, InlineAction, QueueCard } from './common'

const PAGE_SIZE = 20
/** Who approves shelving (the workflow's supervisor: leaders and admins over the area). */
const APPROVERS = ['leader', 'admin'] as const

/**
 * Shelving (挂账): requests awaiting a leader's approval (approve = shelve, or decline), and the shelved
 * cases with their review dates, which leaders and triage may revive.
 */
export function ShelvingSection({ user, now }: { user: User; now: Date }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const approver = hasRole(user, APPROVERS)
  const [pendingPage, setPendingPage] = useState(1)
  const [shelvedPage, setShelvedPage] = useState(1)
  const [notice, setNotice] = useState<Done | null>(null)
  const pending = useQuery({
    ...queries.cases({ shelvingRequested: true, sort: 'oldest', page: pendingPage, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const shelved = useQuery({
    ...queries.cases({ state: ['shelved'], sort: 'due', page: shelvedPage, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  return (
    <div data-testid="loop-shelving">
      <DoneNotice done={notice} testId="shelving-notice" />
      <h2 className="section-title">{t('loop.shelving.pendingTitle')}</h2>
      <p className="muted">{t('loop.shelving.pendingIntro')}</p>
      <QueryStatus query={pending} />
      {pending.data && pending.data.items.length === 0 && (
        <p className="muted empty" data-testid="shelving-pending-empty">
          {t('loop.shelving.pendingEmpty')}
        </p>
      )}
      <ul className="case-cards">
        {pending.data?.items.map((c) => (
          <li key={c.id}>
            <QueueCard c={c} testId="shelving-request-card">
              <Facts
                items={[
                  [t('loop.shelving.request'), c.shelvingRequest?.comment ?? '—', 'shelving-reason'],
                  [t('loop.shelving.requestedAt'), formatDateTime(c.shelvingRequest?.at, lng)],
                ]}
              />
              {approver && (
                <div className="task-buttons">
                  <InlineAction
                    c={c}
                    action="shelve"
                    label={t('loop.shelving.approve')}
                    tone="primary"
                    comment={{ label: t('loop.shelving.approveComment'), required: true }}
                    submitLabel={t('loop.shelving.approve')}
                    doneKey="loop.shelving.approved"
                    onDone={setNotice}
                  />
                  <InlineAction
                    c={c}
                    action="decline_shelving"
                    label={t('loop.shelving.decline')}
                    tone="danger"
                    comment={{ label: t('loop.shelving.declineComment'), required: true }}
                    submitLabel={t('loop.shelving.decline')}
                    doneKey="loop.shelving.declined"
                    onDone={setNotice}
                  />
                </div>
              )}
            </QueueCard>
          </li>
        ))}
      </ul>
      {pending.data && (
        <Pager
          page={pending.data.page}
          pageSize={pending.data.pageSize}
          total={pending.data.total}
          onPage={setPendingPage}
        />
      )}

      <h2 className="section-title">{t('loop.shelving.shelvedTitle')}</h2>
      <p className="muted">{t('loop.shelving.shelvedIntro')}</p>
      <QueryStatus query={shelved} />
      {shelved.data && shelved.data.items.length === 0 && (
        <p className="muted empty" data-testid="shelved-empty">
          {t('loop.shelving.shelvedEmpty')}
        </p>
      )}
      <ul className="case-cards">
        {shelved.data?.items.map((c) => {
          const reviewDue = !!c.shelveReviewAt && new Date(c.shelveReviewAt) <= now
          return (
            <li key={c.id}>
              <QueueCard c={c} testId="shelved-card">
                <Facts
                  items={[
                    [t('loop.shelving.shelvedAt'), formatDateTime(c.shelvedAt, lng)],
                    [
                      t('loop.shelving.reviewAt'),
                      <>
                        {formatDateTime(c.shelveReviewAt, lng)}
                        {reviewDue && <span className="badge badge-warn">{t('loop.shelving.reviewDue')}</span>}
                      </>,
                      'shelved-review',
                    ],
                  ]}
                />
                <div className="task-buttons">
                  <InlineAction
                    c={c}
                    action="revive"
                    label={t('loop.shelving.revive')}
                    tone="primary"
                    comment={{ label: t('loop.shelving.reviveComment'), required: false }}
                    submitLabel={t('loop.shelving.revive')}
                    doneKey="loop.shelving.revived"
                    onDone={setNotice}
                  />
                </div>
              </QueueCard>
            </li>
          )
        })}
      </ul>
      {shelved.data && (
        <Pager
          page={shelved.data.page}
          pageSize={shelved.data.pageSize}
          total={shelved.data.total}
          onPage={setShelvedPage}
        />
      )}
    </div>
  )
}
