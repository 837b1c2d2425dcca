import { useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { AreaSelect } from '../../../components/AreaSelect'
import { QueryStatus } from '../../../components/QueryStatus'
import { categoryLeaves, newIdempotencyKey } from '../../../caseUtils'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import { Problem, Required } from '../meetings/common'
import {
  accountabilityApi,
  accountabilityQueries,
  recordChanged,
  type RecordDetail as Detail,
  type RecordStatus,
} from './api'
import { RECORD_STATUSES, RecordProgress, StatusChip } from './common'

/** Today in the browser's zone, as a date input writes it. */
function today(): string {
  const d = new Date()
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/**
 * One record: what was said (its source, linked) and what is done — progress, the milestones as a
 * timeline, the event case it became with its state; for staff the editor, milestones and the case.
 */
export function RecordDetail({ id }: { id: number }) {
  const { t } = useTranslation()
  const query = useQuery(accountabilityQueries.detail(id))
  const d = query.data
  return (
    <div className="record-detail-page" data-testid="record-detail" data-record-id={id}>
      <a className="back-link" href={routes.participation('accountability')} data-testid="record-back">
        ← {t('participation.meetings.accountability.back')}
      </a>
      <QueryStatus query={query} />
      {d && (
        <div className="meeting-detail">
          <div className="meeting-detail-main">
            <Head detail={d} />
            <Milestones detail={d} />
            <LinkedCase detail={d} />
          </div>
          {d.canManage && (
            <div className="meeting-detail-side">
              <Editor key={`${d.status}:${d.progress}:${d.updatedAt}`} detail={d} />
              <MilestoneForm detail={d} />
              {!d.case && <CaseForm detail={d} />}
            </div>
          )}
        </div>
      )}
    </div>
  )
}

function sourceLink(d: Detail): string | null {
  if (d.source.kind === 'proposal') return routes.participation('proposals', d.source.id)
  if (d.source.kind === 'consultation') return routes.participation('consultations', d.source.id)
  return d.source.meetingId !== null ? routes.participation('meetings', d.source.meetingId) : null
}

function Head({ detail: d }: { detail: Detail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const link = sourceLink(d)
  return (
    <article className="card record-head" aria-labelledby="record-title">
      <div className="meeting-card-head">
        <StatusChip status={d.status} />
        <span className="badge badge-muted">{t(`participation.meetings.accountability.sources.${d.source.kind}`)}</span>
      </div>
      <h2 id="record-title" data-testid="record-title">
        {d.title}
      </h2>
      <RecordProgress progress={d.progress} status={d.status} />
      <section className="record-said-we-did">
        <h3>{t('participation.meetings.accountability.saidTitle')}</h3>
        <p data-testid="record-source">
          {link ? (
            <a href={link} data-testid="record-source-link">
              {d.source.title ?? t('participation.meetings.accountability.sourceHidden')}
            </a>
          ) : (
            (d.source.title ?? t('participation.meetings.accountability.sourceHidden'))
          )}
        </p>
        <h3>{t('participation.meetings.accountability.didTitle')}</h3>
        <p className="meeting-text" data-testid="record-description">
          {d.description || t('participation.meetings.accountability.noDescription')}
        </p>
      </section>
      <p className="muted meeting-card-meta">
        <span>{localName(d.area, lng)}</span>
        <span>{t('participation.meetings.accountability.followers', { n: d.followerCount })}</span>
        <span>{t('participation.meetings.accountability.updated', { at: formatDateTime(d.updatedAt, lng) })}</span>
      </p>
    </article>
  )
}

function Milestones({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const mark = useMutation({
    mutationFn: ({ milestoneId, doneOn }: { milestoneId: number; doneOn: string | null }) =>
      accountabilityApi.updateMilestone(d.id, milestoneId, { doneOn }),
    onSuccess: recordChanged,
  })
  return (
    <section
      className="card record-milestones"
      aria-labelledby="record-milestones-title"
      data-testid="record-milestones"
    >
      <h3 id="record-milestones-title">{t('participation.meetings.accountability.milestones')}</h3>
      {d.milestones.length === 0 ? (
        <p className="muted">{t('participation.meetings.accountability.noMilestones')}</p>
      ) : (
        <ol className="milestone-timeline">
          {d.milestones.map((m) => (
            <li
              key={m.id}
              className={`milestone${m.doneOn ? ' done' : ''}${m.overdue ? ' overdue' : ''}`}
              data-testid="milestone"
              data-done={m.doneOn ? 'true' : 'false'}
            >
              <span className="milestone-dot" aria-hidden="true" />
              <div className="milestone-body">
                <p className="milestone-title">{m.title}</p>
                <p className="muted milestone-dates">
                  {m.doneOn
                    ? t('participation.meetings.accountability.doneOn', { day: m.doneOn })
                    : m.dueOn
                      ? t('participation.meetings.accountability.dueOn', { day: m.dueOn })
                      : t('participation.meetings.accountability.noDue')}
                  {m.overdue && (
                    <span className="badge badge-danger" data-testid="milestone-overdue">
                      {t('participation.meetings.accountability.overdue')}
                    </span>
                  )}
                </p>
                {m.note && <p className="milestone-note">{m.note}</p>}
                {d.canManage && (
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={mark.isPending}
                    onClick={() => mark.mutate({ milestoneId: m.id, doneOn: m.doneOn ? null : today() })}
                    aria-label={t(
                      m.doneOn
                        ? 'participation.meetings.accountability.reopenWhat'
                        : 'participation.meetings.accountability.markDoneWhat',
                      { title: m.title },
                    )}
                    data-testid="milestone-toggle"
                  >
                    {m.doneOn
                      ? t('participation.meetings.accountability.reopen')
                      : t('participation.meetings.accountability.markDone')}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      <Problem error={mark.error} testId="milestone-error" />
    </section>
  )
}

function LinkedCase({ detail: d }: { detail: Detail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  if (!d.case) return null
  const c = d.case
  return (
    <section className="card record-case" aria-labelledby="record-case-title" data-testid="record-case">
      <h3 id="record-case-title">{t('participation.meetings.accountability.case')}</h3>
      <p>{t('participation.meetings.accountability.caseIntro', { category: localName(c.category, lng) })}</p>
      <dl className="facts">
        <dt>{t('participation.meetings.accountability.trackingCode')}</dt>
        <dd>
          <a className="mono" href={routes.track(c.trackingCode)} data-testid="record-case-code">
            {c.trackingCode}
          </a>
        </dd>
        <dt>{t('participation.meetings.accountability.caseState')}</dt>
        <dd data-testid="record-case-state" data-state={c.state}>
          {t(`participation.meetings.accountability.caseStates.${c.state}`, { defaultValue: c.state })}
        </dd>
        <dt>{t('participation.meetings.accountability.caseUpdated')}</dt>
        <dd>{formatDateTime(c.updatedAt, lng)}</dd>
      </dl>
    </section>
  )
}

function Editor({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const [status, setStatus] = useState<RecordStatus>(d.status)
  const [progress, setProgress] = useState(String(d.progress))
  const [description, setDescription] = useState(d.description)
  const save = useMutation({
    mutationFn: () =>
      accountabilityApi.update(d.id, {
        status,
        progress: Math.max(0, Math.min(100, Math.round(Number(progress) || 0))),
        description: description.trim(),
      }),
    onSuccess: recordChanged,
  })
  return (
    <form
      className="card record-editor"
      aria-labelledby="record-editor-title"
      onSubmit={(e) => {
        e.preventDefault()
        save.mutate()
      }}
      data-testid="record-editor"
    >
      <h3 id="record-editor-title">{t('participation.meetings.accountability.edit')}</h3>
      <label className="field">
        <span>{t('participation.meetings.fields.status')}</span>
        <select
          value={status}
          onChange={(e) => {
            const s = e.target.value as RecordStatus
            setStatus(s)
            if (s === 'done') setProgress('100')
          }}
          data-testid="record-status-select"
        >
          {RECORD_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`participation.meetings.accountability.statuses.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('participation.meetings.fields.progress')}</span>
        <input
          type="number"
          min={0}
          max={100}
          step={5}
          inputMode="numeric"
          value={progress}
          onChange={(e) => setProgress(e.target.value)}
          data-testid="record-progress-input"
        />
      </label>
      <label className="field">
        <span>{t('participation.meetings.fields.description')}</span>
        <textarea
          rows={4}
          maxLength={6000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          data-testid="record-description-input"
        />
      </label>
      <Problem error={save.error} testId="record-editor-error" />
      <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="record-save">
        {t('participation.meetings.accountability.save')}
      </button>
    </form>
  )
}

function MilestoneForm({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const [title, setTitle] = useState('')
  const [dueOn, setDueOn] = useState('')
  const [key, setKey] = useState(newIdempotencyKey)
  const add = useMutation({
    mutationFn: () => accountabilityApi.addMilestone(d.id, { title: title.trim(), ...(dueOn ? { dueOn } : {}) }, key),
    onSuccess: async (detail) => {
      setTitle('')
      setDueOn('')
      setKey(newIdempotencyKey())
      await recordChanged(detail)
    },
  })
  return (
    <form
      className="card milestone-form"
      aria-labelledby="milestone-form-title"
      onSubmit={(e: FormEvent) => {
        e.preventDefault()
        if (title.trim()) add.mutate()
      }}
      data-testid="milestone-form"
    >
      <h3 id="milestone-form-title">{t('participation.meetings.accountability.addMilestone')}</h3>
      <label className="field">
        <span>
          {t('participation.meetings.fields.milestoneTitle')}
          <Required />
        </span>
        <input value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} data-testid="milestone-title" />
      </label>
      <label className="field">
        <span>{t('participation.meetings.fields.dueOn')}</span>
        <input type="date" value={dueOn} onChange={(e) => setDueOn(e.target.value)} data-testid="milestone-due" />
      </label>
      <Problem error={add.error} testId="milestone-form-error" />
      <button
        type="submit"
        className="btn btn-primary"
        disabled={add.isPending || !title.trim()}
        data-testid="milestone-submit"
      >
        {t('participation.meetings.accountability.add')}
      </button>
    </form>
  )
}

function CaseForm({ detail: d }: { detail: Detail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const categories = useQuery(queries.categories())
  // Photo-required categories cannot be filed without a photo, which this form does not take.
  const leaves = useMemo(
    () => (categories.data ? categoryLeaves(categories.data).filter((x) => !x.leaf.photoRequired) : []),
    [categories.data],
  )
  const [open, setOpen] = useState(false)
  const [categoryCode, setCategoryCode] = useState('')
  const [gridId, setGridId] = useState('')
  const [address, setAddress] = useState('')
  const file = useMutation({
    mutationFn: () => accountabilityApi.toCase(d.id, { categoryCode, gridId: Number(gridId), address: address.trim() }),
    onSuccess: recordChanged,
  })
  if (!open)
    return (
      <section className="card" aria-labelledby="case-form-title">
        <h3 id="case-form-title">{t('participation.meetings.accountability.toCase')}</h3>
        <p className="muted">{t('participation.meetings.accountability.toCaseIntro')}</p>
        <button type="button" className="btn" onClick={() => setOpen(true)} data-testid="record-case-open">
          {t('participation.meetings.accountability.toCaseStart')}
        </button>
      </section>
    )
  return (
    <form
      className="card record-case-form"
      aria-labelledby="case-form-title"
      onSubmit={(e) => {
        e.preventDefault()
        if (categoryCode && gridId && address.trim()) file.mutate()
      }}
      data-testid="record-case-form"
    >
      <h3 id="case-form-title">{t('participation.meetings.accountability.toCase')}</h3>
      <label className="field">
        <span>
          {t('participation.meetings.fields.categoryCode')}
          <Required />
        </span>
        <select
          value={categoryCode}
          onChange={(e) => setCategoryCode(e.target.value)}
          data-testid="record-case-category"
        >
          <option value="">{t('participation.meetings.accountability.chooseCategory')}</option>
          {leaves.map(({ group, leaf }) => (
            <option key={leaf.code} value={leaf.code}>
              {localName(group, lng)} · {localName(leaf, lng)}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor="record-case-grid">
        <span>
          {t('participation.meetings.fields.gridId')}
          <Required />
        </span>
        <AreaSelect
          id="record-case-grid"
          value={gridId}
          onChange={setGridId}
          emptyLabel={t('participation.meetings.accountability.chooseGrid')}
          testId="record-case-grid"
        />
      </label>
      <label className="field">
        <span>
          {t('participation.meetings.fields.address')}
          <Required />
        </span>
        <input
          value={address}
          maxLength={300}
          onChange={(e) => setAddress(e.target.value)}
          data-testid="record-case-address"
        />
      </label>
      <Problem error={file.error} testId="record-case-error" />
      <div className="form-buttons">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={file.isPending || !categoryCode || !gridId || !address.trim()}
          data-testid="record-case-submit"
        >
          {t('participation.meetings.accountability.toCaseSubmit')}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          {t('participation.meetings.cancel')}
        </button>
      </div>
    </form>
  )
}
