import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText, formatDateTime, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { RESPONDER_ROLES } from '../section'
import {
  checkApi,
  checkQueries,
  checkStatuses,
  dropFailed,
  enqueueMark,
  flushQueue,
  markStatuses,
  PAGE_SIZE,
  type CheckFilter,
  type CheckRow,
  type CheckStatus,
  type MarkStatus,
  type QueuedMark,
} from './api'
import { useLiveChecks, useOutbox } from './live'

/**
 * The phone check list of one incident for grid workers and volunteers: the people of the grids
 * they work, filtered by grid, status and name, marked safe / needs help / unreachable with big
 * buttons. Marks are queued on the phone and sent when it is online; another worker's marks
 * arrive live.
 */
export function CheckList({ incidentId, user }: { incidentId: number; user: User }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [gridId, setGridId] = useState<number | ''>('')
  const [status, setStatus] = useState<CheckStatus | ''>('')
  const [search, setSearch] = useState('')
  const [q, setQ] = useState('')
  useEffect(() => {
    const h = setTimeout(() => setQ(search.trim()), 300)
    return () => clearTimeout(h)
  }, [search])
  const filter: CheckFilter = {
    pageSize: PAGE_SIZE,
    ...(gridId ? { gridId } : {}),
    ...(status ? { status } : {}),
    ...(q ? { q } : {}),
  }
  const summary = useQuery(checkQueries.summary(incidentId))
  const list = useInfiniteQuery(checkQueries.list(incidentId, filter))
  const live = useLiveChecks(incidentId)
  const outbox = useOutbox(incidentId)
  const rows = list.data?.pages.flatMap((p) => p.items) ?? []
  const total = list.data?.pages[0]?.total ?? 0

  // Infinite scroll: the next page loads when the end of the list comes into view.
  const sentinel = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = sentinel.current
    if (!el || typeof IntersectionObserver === 'undefined') return
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && list.hasNextPage && !list.isFetchingNextPage)
        void list.fetchNextPage()
    })
    io.observe(el)
    return () => io.disconnect()
  }, [list])

  const mark = (row: CheckRow, s: MarkStatus, note: string) => {
    enqueueMark(incidentId, row.id, s, note)
    if (navigator.onLine) void flushQueue(incidentId)
  }
  const incidents = useQuery(checkQueries.incidents())
  const incident = incidents.data?.items.find((i) => i.id === incidentId)

  return (
    <div className="check-list-page" data-testid="check-list">
      <div className="check-list-head">
        <a href={routes.emergency('checks')} className="muted">
          {t('emergency.checks.back')}
        </a>
        {incident && (
          <h2 className="check-incident-title" data-testid="check-incident-title">
            {incident.drill && <span className="chip">{t('emergency.checks.drill')}</span>} {incident.title}
          </h2>
        )}
        <div className="check-status-line">
          <span className={`check-live ${live ? 'on' : 'off'}`} data-testid="check-live" data-live={live}>
            {live ? t('emergency.checks.live') : t('emergency.checks.notLive')}
          </span>
          <span
            className={`check-outbox${outbox.waiting.length ? ' waiting' : ''}`}
            data-testid="check-outbox"
            data-waiting={outbox.waiting.length}
            role="status"
            aria-live="polite"
          >
            {outbox.waiting.length
              ? t('emergency.checks.waiting', { count: outbox.waiting.length })
              : t('emergency.checks.allSent')}
            {!outbox.online && ` · ${t('emergency.checks.offline')}`}
          </span>
          {outbox.waiting.length > 0 && outbox.online && (
            <button type="button" className="btn btn-small" onClick={() => void outbox.flush()}>
              {t('emergency.checks.sendNow')}
            </button>
          )}
        </div>
        {outbox.failed.length > 0 && (
          <div className="error-banner" role="alert" data-testid="check-failed">
            {t('emergency.checks.failed', { count: outbox.failed.length })}{' '}
            {outbox.failed.map((m) => t(`errors.${m.failed}`, { defaultValue: m.failed })).join('、')}{' '}
            <button type="button" className="btn btn-small" onClick={() => dropFailed(incidentId)}>
              {t('emergency.checks.dismiss')}
            </button>
          </div>
        )}
      </div>

      {summary.data && (
        <p className="check-progress-line" data-testid="check-progress">
          {t('emergency.checks.progress', {
            done: summary.data.totals.total - summary.data.totals.pending,
            total: summary.data.totals.total,
          })}
        </p>
      )}

      <search className="check-filters">
        <label>
          <span>{t('emergency.checks.filter.grid')}</span>
          <select
            value={gridId}
            onChange={(e) => setGridId(e.target.value ? Number(e.target.value) : '')}
            data-testid="check-filter-grid"
          >
            <option value="">{t('emergency.checks.filter.allGrids')}</option>
            {summary.data?.grids.map((g) => (
              <option key={g.gridId} value={g.gridId}>
                {localName(g, lng)} ({g.total})
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('emergency.checks.filter.status')}</span>
          <select
            value={status}
            onChange={(e) => setStatus(e.target.value as CheckStatus | '')}
            data-testid="check-filter-status"
          >
            <option value="">{t('emergency.checks.filter.allStatuses')}</option>
            {checkStatuses.map((s) => (
              <option key={s} value={s}>
                {t(`emergency.checks.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('emergency.checks.filter.search')}</span>
          <input
            type="search"
            value={search}
            maxLength={20}
            onChange={(e) => setSearch(e.target.value)}
            placeholder={t('emergency.checks.filter.searchHint')}
            data-testid="check-search"
          />
        </label>
      </search>

      <QueryStatus query={list} />
      {list.data && rows.length === 0 && (
        <p className="muted empty" data-testid="check-empty">
          {t('emergency.checks.empty')}
        </p>
      )}
      {rows.length > 0 && (
        <>
          <p className="muted check-count">{t('emergency.checks.count', { shown: rows.length, total })}</p>
          <ul className="check-cards" aria-label={t('emergency.checks.listLabel')}>
            {rows.map((r) => (
              <CheckCard
                key={r.id}
                row={r}
                queued={outbox.pendingByCheck.get(r.id) ?? null}
                onMark={(s, note) => mark(r, s, note)}
                canReveal={hasRole(user, RESPONDER_ROLES)}
              />
            ))}
          </ul>
        </>
      )}
      <div ref={sentinel} />
      {list.hasNextPage && (
        <button
          type="button"
          className="btn check-more"
          onClick={() => void list.fetchNextPage()}
          disabled={list.isFetchingNextPage}
          data-testid="check-more"
        >
          {list.isFetchingNextPage ? t('common.loading') : t('emergency.checks.more')}
        </button>
      )}
    </div>
  )
}

export function StatusChip({ status }: { status: CheckStatus }) {
  const { t } = useTranslation()
  return (
    <span className={`check-chip check-chip-${status}`} data-testid="check-status">
      {t(`emergency.checks.status.${status}`)}
    </span>
  )
}

function CheckCard({
  row: r,
  queued,
  onMark,
  canReveal,
}: {
  row: CheckRow
  queued: QueuedMark | null
  onMark: (s: MarkStatus, note: string) => void
  canReveal: boolean
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [note, setNote] = useState('')
  const [noteOpen, setNoteOpen] = useState(false)
  const reveal = useMutation({ mutationFn: () => checkApi.revealPhone(r.personId) })
  // What the phone shows: its own waiting mark when newer than what the server has.
  const newer = queued && (!r.observedAt || queued.update.observedAt >= r.observedAt) ? queued : null
  const shown: CheckStatus = newer ? newer.update.status : r.status
  const noteId = `check-note-${r.id}`
  const submit = (s: MarkStatus) => {
    onMark(s, note)
    setNote('')
    setNoteOpen(false)
  }
  return (
    <li
      className={`card check-card check-card-${shown}`}
      data-testid="check-card"
      data-id={r.id}
      data-status={shown}
      data-queued={newer ? 'true' : 'false'}
    >
      <div className="check-card-head">
        <strong className="check-name">{r.name}</strong>
        <span className="muted">
          {t(`emergency.checks.sex.${r.sex ?? 'unknown'}`, { defaultValue: '' })}
          {r.age !== null && ` · ${t('emergency.checks.age', { count: r.age })}`}
        </span>
        <StatusChip status={shown} />
        {newer && (
          <span className="check-chip check-chip-queued" data-testid="check-queued">
            {t('emergency.checks.queued')}
          </span>
        )}
      </div>
      <div className="check-tags">
        {r.tags.map((tag) => (
          <span key={tag} className="chip">
            {t(`emergency.checks.tags.${tag}`, { defaultValue: tag })}
          </span>
        ))}
        <span className="muted">{localName({ nameZh: r.gridNameZh, nameEn: r.gridNameEn }, lng)}</span>
      </div>
      {r.address && <div className="check-address">{r.address}</div>}
      <div className="check-phone">
        {reveal.data?.phone ? (
          <a href={`tel:${reveal.data.phone}`} data-testid="check-call">
            {t('emergency.checks.call', { phone: reveal.data.phone })}
          </a>
        ) : (
          <>
            <span>{r.phoneMasked ?? t('emergency.checks.noPhone')}</span>
            {canReveal && r.phoneMasked && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => reveal.mutate()}
                disabled={reveal.isPending}
                aria-label={t('emergency.checks.revealFor', { name: r.name })}
              >
                {t('emergency.checks.reveal')}
              </button>
            )}
          </>
        )}
        {reveal.error && <span className="check-error">{errorText(reveal.error)}</span>}
      </div>
      {r.observedAt && (
        <div className="muted check-last">
          {t('emergency.checks.last', {
            status: t(`emergency.checks.status.${r.status}`),
            by: r.checkedBy ?? '—',
            at: formatDateTime(r.observedAt, lng),
          })}
          {r.note && `：${r.note}`}
          {r.escalatedAt && <span className="check-chip check-chip-escalated"> {t('emergency.checks.escalated')}</span>}
        </div>
      )}
      {noteOpen ? (
        <div className="check-note">
          <label htmlFor={noteId}>{t('emergency.checks.note')}</label>
          <textarea
            id={noteId}
            value={note}
            maxLength={1000}
            rows={2}
            onChange={(e) => setNote(e.target.value)}
            data-testid="check-note"
          />
        </div>
      ) : (
        <button type="button" className="btn btn-small check-note-open" onClick={() => setNoteOpen(true)}>
          {t('emergency.checks.addNote')}
        </button>
      )}
      <div className="check-actions">
        {markStatuses.map((s) => (
          <button
            key={s}
            type="button"
            className={`btn check-mark check-mark-${s}`}
            onClick={() => submit(s)}
            aria-label={t(`emergency.checks.markFor.${s}`, { name: r.name })}
            data-testid={`check-mark-${s}`}
          >
            {t(`emergency.checks.mark.${s}`)}
          </button>
        ))}
      </div>
    </li>
  )
}
