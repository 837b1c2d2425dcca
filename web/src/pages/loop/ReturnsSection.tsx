import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../api/queries'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { formatDateTime, localName } from '../../i18n'
import { type Done, DoneNotice, Facts, InlineAction, QueueCard } from './common'

const PAGE_SIZE = 20

/**
 * Return review (退单审核): cases a department asked to return within the window after dispatch. Triage
 * approves (re-dispatch to another department, whose clock starts anew, or back to acceptance) or
 * denies (back to the same department; its clock never stopped).
 */
export function ReturnsSection() {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [page, setPage] = useState(1)
  const [notice, setNotice] = useState<Done | null>(null)
  const list = useQuery({
    ...queries.cases({ state: ['return_requested'], sort: 'oldest', page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  return (
    <div data-testid="loop-returns">
      <div className="page-head">
        <h2 className="section-title">{t('loop.returns.title')}</h2>
        {data && (
          <span className="badge badge-warn" data-testid="returns-total">
            {t('loop.returns.total', { n: data.total })}
          </span>
        )}
      </div>
      <p className="muted">{t('loop.returns.intro')}</p>
      <DoneNotice done={notice} testId="returns-notice" />
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="returns-empty">
          {t('loop.returns.empty')}
        </p>
      )}
      <ul className="case-cards">
        {data?.items.map((c) => (
          <li key={c.id}>
            <QueueCard c={c} testId="return-card">
              <Facts
                items={[
                  [t('loop.returns.from'), (c.department && localName(c.department, lng)) || '—'],
                  [
                    t('loop.returns.reason'),
                    c.returnRequest
                      ? t('loop.panel.facts.returnRequestText', {
                          reason: t(`loop.panel.returnReasons.${c.returnRequest.reason}`),
                          comment: c.returnRequest.comment,
                        })
                      : '—',
                    'return-reason',
                  ],
                  [t('loop.returns.requestedAt'), formatDateTime(c.returnRequest?.at, lng)],
                ]}
              />
              <div className="task-buttons">
                <InlineAction
                  c={c}
                  action="approve_return"
                  label={t('loop.returns.approve')}
                  tone="primary"
                  department={t('loop.panel.approveDepartment')}
                  comment={{ label: t('actions.fields.comment'), required: false }}
                  submitLabel={t('loop.returns.approve')}
                  doneKey="loop.returns.approved"
                  onDone={setNotice}
                />
                <InlineAction
                  c={c}
                  action="deny_return"
                  label={t('loop.returns.deny')}
                  tone="danger"
                  comment={{ label: t('loop.returns.denyReason'), required: true }}
                  submitLabel={t('loop.returns.deny')}
                  doneKey="loop.returns.denied"
                  onDone={setNotice}
                />
              </div>
            </QueueCard>
          </li>
        ))}
      </ul>
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}
