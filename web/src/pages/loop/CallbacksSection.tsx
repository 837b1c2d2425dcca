import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../api/queries'
import { ErrorBanner } from '../../components/ErrorBanner'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { formatDateTime } from '../../i18n'
import type { CaseView } from '../../types'
import { loopApi } from './api'
import { CallbackForm } from './CallbackForm'
import { type Done, DoneNotice, Facts, QueueCard } from './common'

const PAGE_SIZE = 20

/**
 * The hotline operators' call-back console (回访): closed, rateable cases without the requester's
 * answer, oldest closure first, each with its attempts so far and the form inline; below, the cases
 * counted as not rated (不参评).
 */
export function CallbacksSection() {
  const { t } = useTranslation()
  const [page, setPage] = useState(1)
  const [notRatedPage, setNotRatedPage] = useState(1)
  const [notice, setNotice] = useState<Done | null>(null)
  const awaiting = useQuery({
    ...queries.cases({ awaitingCallback: true, sort: 'oldest', page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const notRated = useQuery({
    ...queries.cases({ ratingStatus: 'not_rated', sort: 'newest', page: notRatedPage, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = awaiting.data
  return (
    <div data-testid="loop-callbacks">
      <div className="page-head">
        <h2 className="section-title">{t('loop.callbacks.title')}</h2>
        {data && (
          <span className="badge badge-warn" data-testid="callbacks-total">
            {t('loop.callbacks.total', { n: data.total })}
          </span>
        )}
      </div>
      <p className="muted">{t('loop.callbacks.intro')}</p>
      <DoneNotice done={notice} testId="callbacks-notice" />
      <QueryStatus query={awaiting} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="callbacks-empty">
          {t('loop.callbacks.empty')}
        </p>
      )}
      <ul className="case-cards">
        {data?.items.map((c) => (
          <li key={c.id}>
            <CallbackCard c={c} onDone={setNotice} />
          </li>
        ))}
      </ul>
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}

      <h2 className="section-title">{t('loop.callbacks.notRatedTitle')}</h2>
      <p className="muted">{t('loop.callbacks.notRatedIntro')}</p>
      <QueryStatus query={notRated} />
      {notRated.data && notRated.data.items.length === 0 && (
        <p className="muted empty" data-testid="not-rated-empty">
          {t('loop.callbacks.notRatedEmpty')}
        </p>
      )}
      <ul className="case-cards">
        {notRated.data?.items.map((c) => (
          <li key={c.id}>
            <QueueCard c={c} testId="not-rated-card">
              <Facts
                items={[
                  [t('loop.callbacks.closedAt'), formatDateTime(c.closedAt)],
                  [
                    t('loop.panel.facts.ratingStatus'),
                    `${t('loop.panel.facts.notRated')} · ${t('loop.panel.facts.callbackAttempts', { n: c.callbackAttempts })}`,
                  ],
                ]}
              />
            </QueueCard>
          </li>
        ))}
      </ul>
      {notRated.data && (
        <Pager
          page={notRated.data.page}
          pageSize={notRated.data.pageSize}
          total={notRated.data.total}
          onPage={setNotRatedPage}
        />
      )}
    </div>
  )
}

function CallbackCard({ c, onDone }: { c: CaseView; onDone: (done: Done) => void }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState(false)
  // Whom to call: the requester's name and phone come with the case's detail (not with the list).
  const detail = useQuery({ ...queries.caseDetail(c.id), enabled: open })
  const reporter = detail.data?.reporter
  return (
    <QueueCard c={c} testId="callback-card">
      <Facts
        items={[
          [t('loop.callbacks.closedAt'), formatDateTime(c.closedAt)],
          [t('loop.callbacks.result'), c.result ?? '—'],
          [
            t('loop.panel.facts.ratingStatus'),
            t('loop.callbacks.attempts', { n: c.callbackAttempts }),
            'callback-attempts',
          ],
        ]}
      />
      <div className="task-buttons">
        <button
          type="button"
          className={`btn btn-primary btn-small${open ? ' active' : ''}`}
          data-testid="callback-open"
          aria-expanded={open}
          onClick={() => setOpen((o) => !o)}
        >
          {t('loop.callbacks.record')}
        </button>
      </div>
      {open && (
        <>
          <p data-testid="callback-requester">
            {t('loop.callbacks.requester')}:{' '}
            <strong>
              {reporter && (reporter.name || reporter.phone)
                ? [reporter.name, reporter.phone].filter(Boolean).join(' · ')
                : detail.data
                  ? t('loop.callbacks.anonymous')
                  : t('common.loading')}
            </strong>
          </p>
          {reporter?.phone && <RevealPhone caseId={c.id} />}
          <CallbackForm c={c} onDone={onDone} onCancel={() => setOpen(false)} />
        </>
      )}
    </QueueCard>
  )
}

/** The masked phone is not enough to dial: the operator reveals it, and the server audits the reveal. */
function RevealPhone({ caseId }: { caseId: number }) {
  const { t } = useTranslation()
  const reveal = useMutation({ mutationFn: () => loopApi.revealPhone(caseId, 'hotline call-back (回访)') })
  if (reveal.data)
    return (
      <p data-testid="callback-phone">
        <strong className="mono">{reveal.data.phone}</strong>{' '}
        <span className="muted">{t('loop.callbacks.phoneRevealed')}</span>
      </p>
    )
  return (
    <p>
      <button
        type="button"
        className="btn btn-small"
        data-testid="callback-reveal-phone"
        disabled={reveal.isPending}
        onClick={() => reveal.mutate()}
      >
        {t('loop.callbacks.showPhone')}
      </button>
      {reveal.error && <ErrorBanner error={reveal.error} />}
    </p>
  )
}
