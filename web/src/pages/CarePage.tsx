import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { invalidate, keys, queries } from '../api/queries'
import { Pager } from '../components/Pager'
import { QueryStatus } from '../components/QueryStatus'
import { newIdempotencyKey } from '../caseUtils'
import { errorText } from '../i18n'
import { routes } from '../router'
import type { CarePerson } from '../types'
import { CARE_TAGS, TagBadges, todayLocal } from './registry/common'

type CareTag = (typeof CARE_TAGS)[number]

const PAGE_SIZE = 30

/** Special-care visits on the grid worker's phone: most urgent first, a quick visit log per person. */
export function CarePage() {
  const { t } = useTranslation()
  const [tag, setTag] = useState<CareTag | ''>('')
  const [overdueOnly, setOverdueOnly] = useState(false)
  const [page, setPage] = useState(1)
  const [logged, setLogged] = useState<string | null>(null)
  const list = useQuery({
    ...queries.carePeople({ tag: tag || undefined, overdueOnly: overdueOnly || undefined, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data

  return (
    <section className="page narrow-page care-page" data-testid="page-care">
      <div className="page-head">
        <h1 className="page-title">{t('care.title')}</h1>
        {data && <span className="badge badge-muted">{t('care.total', { n: data.total })}</span>}
      </div>
      <p className="muted">{t('care.intro')}</p>
      <div className="filters care-filters">
        <select
          data-testid="care-tag"
          aria-label={t('care.group')}
          value={tag}
          onChange={(e) => {
            setTag(CARE_TAGS.find((c) => c === e.target.value) ?? '')
            setPage(1)
          }}
        >
          <option value="">{t('care.allGroups')}</option>
          {CARE_TAGS.map((c) => (
            <option key={c} value={c}>
              {t(`registry.careTags.${c}`)}
            </option>
          ))}
        </select>
        <label className="check">
          <input
            type="checkbox"
            data-testid="care-overdue-only"
            checked={overdueOnly}
            onChange={(e) => {
              setOverdueOnly(e.target.checked)
              setPage(1)
            }}
          />
          {t('care.overdueOnly')}
        </label>
      </div>
      {logged && (
        <p className="notice" role="status" data-testid="care-logged">
          {t('care.logged', { name: logged })}
        </p>
      )}
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="care-empty">
          {t('care.empty')}
        </p>
      )}
      <ul className="case-cards care-list">
        {data?.items.map((c) => (
          <li key={c.person.id}>
            <CareCard c={c} onLogged={() => setLogged(c.person.name)} />
          </li>
        ))}
      </ul>
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </section>
  )
}

function CareCard({ c, onLogged }: { c: CarePerson; onLogged: () => void }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState(false)
  const [visitedOn, setVisitedOn] = useState(todayLocal())
  const [findings, setFindings] = useState('')
  const [followUp, setFollowUp] = useState('')
  const [needsFollowUp, setNeedsFollowUp] = useState(false)
  // One key per filled-in visit: a retry after a lost answer logs one visit.
  const [key, setKey] = useState(newIdempotencyKey)
  const [problem, setProblem] = useState(false)
  const overdue = c.overdueDays > 0

  const log = useMutation({
    mutationFn: () =>
      api.logVisit(
        {
          personId: c.person.id,
          visitedOn,
          findings: findings.trim(),
          ...(followUp.trim() ? { followUp: followUp.trim() } : {}),
          needsFollowUp,
        },
        key,
      ),
    onSuccess: () => {
      setOpen(false)
      setFindings('')
      setFollowUp('')
      setNeedsFollowUp(false)
      setKey(newIdempotencyKey())
      onLogged()
      // The care list and the person's card (visits, due date) change; overdue reminders may go.
      return invalidate(keys.care, keys.person(c.person.id), keys.notifications)
    },
  })
  const busy = log.isPending

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    if (!findings.trim()) {
      setProblem(true)
      return
    }
    setProblem(false)
    log.mutate()
  }

  return (
    <article
      className={`card care-card${overdue ? ' overdue' : ''}`}
      data-testid="care-card"
      data-person-id={c.person.id}
      data-overdue-days={c.overdueDays}
    >
      <div className="case-card-head">
        <a href={routes.person(c.person.id)} data-testid="care-person-link">
          <strong>{c.person.name}</strong>
        </a>
        {overdue ? (
          <span className="badge badge-danger" data-testid="care-overdue">
            {t('care.overdueDays', { n: c.overdueDays })}
          </span>
        ) : (
          <span className="badge badge-muted" data-testid="care-due">
            {t('care.dueOn', { date: c.dueOn })}
          </span>
        )}
      </div>
      <TagBadges tags={c.careTags} />
      <dl className="facts compact care-facts">
        <div>
          <dt>{t('care.lastVisit')}</dt>
          <dd>{c.lastVisitOn ?? t('care.never')}</dd>
        </div>
        <div>
          <dt>{t('care.interval')}</dt>
          <dd>{t('care.everyDays', { n: c.intervalDays })}</dd>
        </div>
        {c.person.address && (
          <div className="wide">
            <dt>{t('registry.person.address')}</dt>
            <dd>{c.person.address}</dd>
          </div>
        )}
        {c.person.phone && (
          <div>
            <dt>{t('registry.person.phone')}</dt>
            <dd className="mono">{c.person.phone}</dd>
          </div>
        )}
      </dl>
      {!open ? (
        <button
          type="button"
          className="btn btn-primary btn-block"
          data-testid="care-log-open"
          onClick={() => setOpen(true)}
        >
          {t('care.logVisit')}
        </button>
      ) : (
        <form className="care-form" onSubmit={submit} noValidate data-testid="care-form">
          <label className="field">
            <span>{t('care.visitedOn')}</span>
            <input
              type="date"
              data-testid="care-visited-on"
              value={visitedOn}
              max={todayLocal()}
              onChange={(e) => setVisitedOn(e.target.value)}
            />
          </label>
          <label className="field">
            <span>
              {t('care.findings')}
              <abbr className="required" title={t('report.required')}>
                *
              </abbr>
            </span>
            <textarea
              data-testid="care-findings"
              rows={3}
              maxLength={4000}
              aria-invalid={problem || undefined}
              value={findings}
              onChange={(e) => setFindings(e.target.value)}
            />
          </label>
          {problem && <p className="field-error">{t('care.findingsRequired')}</p>}
          <label className="field">
            <span>{t('care.followUp')}</span>
            <textarea
              data-testid="care-follow-up"
              rows={2}
              maxLength={2000}
              value={followUp}
              onChange={(e) => setFollowUp(e.target.value)}
            />
          </label>
          <label className="check">
            <input
              type="checkbox"
              data-testid="care-needs-follow-up"
              checked={needsFollowUp}
              onChange={(e) => setNeedsFollowUp(e.target.checked)}
            />
            {t('care.needsFollowUp')}
          </label>
          {log.error && (
            <p className="field-error" role="alert">
              {errorText(log.error)}
            </p>
          )}
          <div className="form-buttons">
            <button type="submit" className="btn btn-primary" data-testid="care-submit" disabled={busy}>
              {busy ? t('common.sending') : t('care.save')}
            </button>
            <button type="button" className="btn" onClick={() => setOpen(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </article>
  )
}
