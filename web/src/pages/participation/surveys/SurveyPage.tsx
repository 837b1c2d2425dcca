import { useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useId, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { href, routes } from '../../../router'
import { EXPORT_FORMATS, surveyApi, surveyChanged, surveyQueries, surveyTouched, type SurveyDetail } from './api'
import { AnswerForm } from './AnswerForm'
import { StateBadge } from './common'

/** One survey: residents answer it (or learn why they cannot); its staff also run it from here. */
export function SurveyPage({ id }: { id: number }) {
  const { t } = useTranslation()
  const detail = useQuery(surveyQueries.detail(id))
  const s = detail.data
  return (
    <div className="surveys" data-testid="survey-page">
      <a className="back-link" href={routes.participation('surveys')}>
        {t('participation.surveys.back')}
      </a>
      <QueryStatus query={detail} />
      {s && (
        <>
          <SurveyHead survey={s} />
          {s.canManage && <ManagePanel survey={s} />}
          <Answering survey={s} />
        </>
      )}
    </div>
  )
}

export function SurveyHead({
  survey: s,
}: {
  survey: Pick<SurveyDetail, 'title' | 'description' | 'state' | 'closesAt' | 'areaNameZh' | 'areaNameEn'> &
    Partial<Pick<SurveyDetail, 'verifiedOnly' | 'opensAt'>>
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <header className="card surveys-intro">
      <div className="surveys-card-badges">
        <StateBadge state={s.state} />
        {s.verifiedOnly && <span className="badge badge-muted">{t('participation.surveys.verifiedOnly')}</span>}
      </div>
      <h2 className="surveys-title" data-testid="survey-title">
        {s.title}
      </h2>
      {s.description && <p className="surveys-description">{s.description}</p>}
      <p className="muted small surveys-card-meta">
        <span>{localName({ nameZh: s.areaNameZh, nameEn: s.areaNameEn }, lng)}</span>
        {s.opensAt && s.state === 'scheduled' && (
          <span>{t('participation.surveys.opensAt', { at: formatDateTime(s.opensAt, lng) })}</span>
        )}
        {s.closesAt && (
          <span>
            {t(s.state === 'closed' ? 'participation.surveys.closedAt' : 'participation.surveys.closesAt', {
              at: formatDateTime(s.closesAt, lng),
            })}
          </span>
        )}
      </p>
    </header>
  )
}

function Answering({ survey: s }: { survey: SurveyDetail }) {
  const { t, i18n } = useTranslation()
  const [key, setKey] = useState(newIdempotencyKey)
  const respond = useMutation({
    mutationFn: (answers: Parameters<typeof surveyApi.respond>[1]) => surveyApi.respond(s.id, answers, key),
    onSuccess: async () => {
      setKey(newIdempotencyKey())
      await surveyTouched()
    },
  })
  const results = (
    <a className="btn" href={routes.participation('surveys', s.id, 'results')} data-testid="survey-results-link">
      {t('participation.surveys.seeResults')}
    </a>
  )
  switch (s.answerBlock) {
    case null:
      return (
        <section aria-label={t('participation.surveys.answer.label')}>
          {s.verifiedOnly && <p className="muted small">{t('participation.surveys.answer.verifiedNote')}</p>}
          <AnswerForm
            questions={s.questions}
            pending={respond.isPending}
            error={respond.error}
            onSubmit={(answers) => respond.mutate(answers)}
          />
        </section>
      )
    case 'answered':
      return (
        <div className="card surveys-done" data-testid="survey-thanks" role="status">
          <p>
            {t('participation.surveys.answer.thanks', {
              at: formatDateTime(s.answeredAt, i18n.language),
            })}
          </p>
          {s.state === 'closed' ? results : <p className="muted small">{t('participation.surveys.resultsLater')}</p>}
        </div>
      )
    case 'verification':
      return (
        <div className="card surveys-done" data-testid="survey-verify">
          <p>{t('participation.surveys.answer.needVerification')}</p>
          <a className="btn btn-primary" href={routes.participation('verify')}>
            {t('participation.surveys.answer.verifyNow')}
          </a>
        </div>
      )
    case 'outside_area':
      return (
        <p className="card muted" data-testid="survey-outside">
          {t('participation.surveys.answer.outsideArea')}
        </p>
      )
    default:
      return (
        <div className="card surveys-done" data-testid="survey-not-open">
          <p>
            {s.state === 'closed' ? t('participation.surveys.answer.closed') : t('participation.surveys.answer.notYet')}
          </p>
          {s.state === 'closed' && results}
        </div>
      )
  }
}

/** Running the survey: edit the draft, open or close it, one-time links, results and export. */
function ManagePanel({ survey: s }: { survey: SurveyDetail }) {
  const { t } = useTranslation()
  const [confirmClose, setConfirmClose] = useState(false)
  const act = useMutation({
    mutationFn: (action: 'open' | 'close') => surveyApi.act(s.id, action),
    onSuccess: async (detail) => {
      setConfirmClose(false)
      await surveyChanged(detail)
    },
  })
  return (
    <section className="card surveys-manage" aria-labelledby={`survey-manage-${s.id}`} data-testid="survey-manage">
      <h3 className="section-title" id={`survey-manage-${s.id}`}>
        {t('participation.surveys.manage.title')}
      </h3>
      <p className="surveys-manage-facts">
        <span data-testid="survey-manage-responses">
          {t('participation.surveys.responseCount', { n: s.responseCount ?? 0 })}
        </span>
        {s.links && (
          <span data-testid="survey-manage-links">
            {t('participation.surveys.manage.linkCount', { created: s.links.created, used: s.links.used })}
          </span>
        )}
      </p>
      <div className="form-buttons surveys-manage-buttons">
        {s.state === 'draft' && (
          <a className="btn" href={routes.participation('surveys', s.id, 'edit')} data-testid="survey-edit">
            {t('participation.surveys.manage.edit')}
          </a>
        )}
        {s.state === 'draft' && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={act.isPending}
            data-testid="survey-open"
            onClick={() => act.mutate('open')}
          >
            {t('participation.surveys.manage.open')}
          </button>
        )}
        {(s.state === 'open' || s.state === 'scheduled') &&
          (confirmClose ? (
            <>
              <button
                type="button"
                className="btn btn-danger"
                disabled={act.isPending}
                data-testid="survey-close-confirm"
                onClick={() => act.mutate('close')}
              >
                {t('participation.surveys.manage.closeConfirm')}
              </button>
              <button type="button" className="btn" onClick={() => setConfirmClose(false)}>
                {t('participation.surveys.manage.cancel')}
              </button>
            </>
          ) : (
            <button type="button" className="btn" data-testid="survey-close" onClick={() => setConfirmClose(true)}>
              {t('participation.surveys.manage.close')}
            </button>
          ))}
        {s.state !== 'draft' && (
          <a className="btn" href={routes.participation('surveys', s.id, 'results')} data-testid="survey-live-results">
            {s.state === 'closed'
              ? t('participation.surveys.seeResults')
              : t('participation.surveys.manage.liveResults')}
          </a>
        )}
        {s.state !== 'draft' &&
          EXPORT_FORMATS.map((format) => (
            <a
              key={format}
              className="btn"
              href={surveyApi.exportUrl(s.id, format)}
              download
              data-testid={`survey-export-${format}`}
            >
              {t(`participation.surveys.manage.export.${format}`)}
            </a>
          ))}
      </div>
      {confirmClose && <p className="muted small">{t('participation.surveys.manage.closeHint')}</p>}
      <ErrorBanner error={act.error} />
      {s.state !== 'closed' && <LinkMaker surveyId={s.id} />}
    </section>
  )
}

/** The address a one-time link opens (the app's public link page). */
function linkUrl(token: string): string {
  return `${window.location.origin}${window.location.pathname}${href('participation', 'surveys', 'link', token)}`
}

/** One-time links for anonymous answers (paper slips, QR codes): shown once, then only counted. */
function LinkMaker({ surveyId }: { surveyId: number }) {
  const { t } = useTranslation()
  const uid = useId()
  const [count, setCount] = useState('20')
  const [key, setKey] = useState(newIdempotencyKey)
  const make = useMutation({
    mutationFn: (n: number) => surveyApi.links(surveyId, n, key),
    onSuccess: async () => {
      setKey(newIdempotencyKey())
      await surveyTouched()
    },
  })
  const urls = useMemo(() => (make.data ? make.data.tokens.map(linkUrl) : []), [make.data])
  const [file, setFile] = useState<string | null>(null)
  useEffect(() => {
    if (urls.length === 0) return setFile(null)
    const blob = new Blob([`\uFEFF${urls.join('\r\n')}\r\n`], { type: 'text/csv;charset=utf-8' })
    const url = URL.createObjectURL(blob)
    setFile(url)
    return () => URL.revokeObjectURL(url)
  }, [urls])
  const n = Number(count)
  const valid = Number.isInteger(n) && n >= 1 && n <= 1000
  return (
    <div className="surveys-links" data-testid="survey-links">
      <h4 className="surveys-builder-subtitle">{t('participation.surveys.links.title')}</h4>
      <p className="muted small">{t('participation.surveys.links.hint')}</p>
      <form
        className="surveys-links-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (valid && !make.isPending) make.mutate(n)
        }}
      >
        <div className="field">
          <label htmlFor={`${uid}-count`}>{t('participation.surveys.links.count')}</label>
          <input
            id={`${uid}-count`}
            type="number"
            min={1}
            max={1000}
            inputMode="numeric"
            data-testid="survey-links-count"
            value={count}
            aria-invalid={valid ? undefined : true}
            onChange={(e) => setCount(e.target.value)}
          />
        </div>
        <button type="submit" className="btn" disabled={!valid || make.isPending} data-testid="survey-links-make">
          {t('participation.surveys.links.make')}
        </button>
      </form>
      <ErrorBanner error={make.error} />
      {urls.length > 0 && (
        <div className="field" data-testid="survey-links-made">
          <label htmlFor={`${uid}-list`}>{t('participation.surveys.links.made', { n: urls.length })}</label>
          <textarea id={`${uid}-list`} readOnly rows={Math.min(8, urls.length)} value={urls.join('\n')} />
          {file && (
            <a className="btn btn-small" href={file} download={`survey-${surveyId}-links.csv`}>
              {t('participation.surveys.links.download')}
            </a>
          )}
        </div>
      )}
    </div>
  )
}
