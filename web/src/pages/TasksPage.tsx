import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../api'
import { caseChanged, invalidate, keys, queries } from '../api/queries'
import { ColourDot } from '../components/CaseBadges'
import { CaseMap } from '../components/CaseMap'
import { PhotoUploader, type PhotoState } from '../components/PhotoUploader'
import { QueryStatus } from '../components/QueryStatus'
import { geoUri } from '../caseUtils'
import { errorText, formatDateTime, localName } from '../i18n'
import { routes } from '../router'
import type { AppConfig, CaseView } from '../types'

/**
 * What a task is: `filing` checks a public report on site before it is filed (核实: confirm with a
 * photo, or invalidate with a reason the requester sees); `check` checks a department's result
 * (核查: pass or fail).
 */
type TaskKind = 'filing' | 'check'
const VERBS: Record<TaskKind, { pass: 'confirm' | 'verify_pass'; fail: 'invalidate' | 'verify_fail' }> = {
  filing: { pass: 'confirm', fail: 'invalidate' },
  check: { pass: 'verify_pass', fail: 'verify_fail' },
}

/**
 * Grid worker on the phone: public reports in their grids to verify before filing, and replied cases
 * to check on site.
 */
export function TasksPage({ config }: { config: AppConfig | null }) {
  const { t } = useTranslation()
  const filing = useQuery(queries.cases({ state: ['verifying'], sort: 'due', pageSize: 50 }))
  const list = useQuery(queries.cases({ state: ['replied'], sort: 'due', pageSize: 50 }))
  const data = list.data
  const [done, setDone] = useState<string | null>(null)

  return (
    <section className="page narrow-page tasks-page" data-testid="page-tasks">
      <div className="page-head">
        <h1 className="page-title">{t('tasks.title')}</h1>
        <a className="btn btn-primary btn-small" href={routes.report()} data-testid="task-patrol">
          {t('tasks.patrol')}
        </a>
      </div>
      {done && (
        <p className="notice" role="status" data-testid="task-done">
          {done}
        </p>
      )}
      <h2 className="section-title">{t('loop.tasks.filingTitle')}</h2>
      <p className="muted">{t('loop.tasks.filingIntro')}</p>
      <QueryStatus query={filing} />
      {filing.data && filing.data.items.length === 0 && (
        <p className="muted empty" data-testid="tasks-filing-empty">
          {t('loop.tasks.filingEmpty')}
        </p>
      )}
      <ul className="case-cards">
        {filing.data?.items.map((c) => (
          <li key={c.id}>
            <TaskCard
              c={c}
              kind="filing"
              config={config}
              onDone={(passed) =>
                setDone(
                  passed
                    ? t('loop.tasks.confirmed', { code: c.trackingCode })
                    : t('loop.tasks.invalidated', { code: c.trackingCode }),
                )
              }
            />
          </li>
        ))}
      </ul>
      <h2 className="section-title">{t('loop.tasks.checkTitle')}</h2>
      <p className="muted">{t('tasks.intro')}</p>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="tasks-empty">
          {t('tasks.empty')}
        </p>
      )}
      <ul className="case-cards">
        {data?.items.map((c) => (
          <li key={c.id}>
            <TaskCard
              c={c}
              kind="check"
              config={config}
              onDone={(passed) =>
                setDone(
                  passed ? t('tasks.passed', { code: c.trackingCode }) : t('tasks.failed', { code: c.trackingCode }),
                )
              }
            />
          </li>
        ))}
      </ul>
    </section>
  )
}

/** One case to see on site: its facts and the verdict. A verdict refreshes the lists (see caseChanged). */
function TaskCard({
  c,
  kind,
  config,
  onDone,
}: {
  c: CaseView
  kind: TaskKind
  config: AppConfig | null
  onDone: (passed: boolean) => void
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [showMap, setShowMap] = useState(false)
  const [mode, setMode] = useState<'pass' | 'fail' | null>(null)
  const [comment, setComment] = useState('')
  const [photos, setPhotos] = useState<PhotoState>({ tokens: [], uploading: false })
  const [problem, setProblem] = useState<ApiError | null>(null)
  const verdict = useMutation({
    mutationFn: (passed: boolean) =>
      api.caseAction(c.id, {
        action: passed ? VERBS[kind].pass : VERBS[kind].fail,
        version: c.version,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
        ...(photos.tokens.length ? { photos: photos.tokens } : {}),
      }),
    onSuccess: (updated, passed) => {
      onDone(passed)
      return caseChanged(updated)
    },
    onError: (err) => {
      // Someone else acted first: the list as it is now.
      if (err instanceof ApiError && (err.code === 'CASE_VERSION_CONFLICT' || err.code === 'CASE_ILLEGAL_TRANSITION'))
        void invalidate(keys.cases)
    },
  })
  // The card stays busy from sending until the refreshed list takes it away.
  const busy = verdict.isPending || verdict.isSuccess
  const error = problem ?? verdict.error

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!mode || busy) return
    if (mode === 'fail' && !comment.trim()) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'comment'))
      return
    }
    // Filing a report needs a photo from the site (the server insists too).
    if (kind === 'filing' && mode === 'pass' && photos.tokens.length === 0) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', t('loop.tasks.photoNeeded'), 'photos'))
      return
    }
    setProblem(null)
    verdict.mutate(mode === 'pass')
  }

  return (
    <article className="task-card card" data-testid="task-card" data-kind={kind} data-tracking-code={c.trackingCode}>
      <div className="case-card-head">
        <strong>
          <ColourDot colour={c.colour} /> {localName(c.category, lng)}
        </strong>
        <span className="mono muted">{c.trackingCode}</span>
      </div>
      <p className="case-card-desc">{c.description}</p>
      <dl className="facts compact">
        <div>
          <dt>{t('case.area')}</dt>
          <dd>{localName(c.area, lng)}</dd>
        </div>
        {c.address && (
          <div>
            <dt>{t('case.address')}</dt>
            <dd>{c.address}</dd>
          </div>
        )}
        {kind === 'check' && (
          <div>
            <dt>{t('case.department')}</dt>
            <dd>{(c.department && localName(c.department, lng)) || '—'}</dd>
          </div>
        )}
        <div>
          <dt>{kind === 'filing' ? t('loop.tasks.verifyWithin') : t('tasks.verifyBy')}</dt>
          <dd>{formatDateTime(c.stageDueAt, lng)}</dd>
        </div>
      </dl>
      {c.result && (
        <div className="result-box">
          <span className="muted">{t('tasks.handlerResult')}</span>
          <p data-testid="task-result">{c.result}</p>
        </div>
      )}
      <div className="task-buttons">
        {c.location && (
          <a className="btn btn-small" href={geoUri(c.location.lat, c.location.lng)} data-testid="task-navigate">
            {t('tasks.navigate')}
          </a>
        )}
        {c.location && (
          <button
            type="button"
            className="btn btn-small"
            data-testid="task-map-toggle"
            aria-expanded={showMap}
            onClick={() => setShowMap((s) => !s)}
          >
            {showMap ? t('tasks.hideMap') : t('tasks.showMap')}
          </button>
        )}
        <a className="btn btn-small" href={routes.case(c.id)} data-testid="task-open">
          {t('tasks.details')}
        </a>
      </div>
      {showMap && <CaseMap location={c.location} gridId={c.area.id} config={config} testId="task-map" />}
      <div className="task-verdict">
        <button
          type="button"
          className={`btn btn-primary${mode === 'pass' ? ' active' : ''}`}
          data-testid={kind === 'filing' ? 'task-confirm' : 'task-pass'}
          onClick={() => setMode(mode === 'pass' ? null : 'pass')}
        >
          {kind === 'filing' ? t('loop.tasks.confirm') : t('actionVerbs.verify_pass')}
        </button>
        <button
          type="button"
          className={`btn btn-danger${mode === 'fail' ? ' active' : ''}`}
          data-testid={kind === 'filing' ? 'task-invalidate' : 'task-fail'}
          onClick={() => setMode(mode === 'fail' ? null : 'fail')}
        >
          {kind === 'filing' ? t('loop.tasks.invalidate') : t('actionVerbs.verify_fail')}
        </button>
      </div>
      {mode && (
        <form className="action-form" data-testid="task-form" onSubmit={submit} noValidate>
          <label className="field">
            <span>
              {mode === 'fail'
                ? kind === 'filing'
                  ? t('loop.panel.fields.publicReason')
                  : t('tasks.failComment')
                : t('tasks.passComment')}
              {mode === 'fail' ? (
                <abbr className="required" title={t('report.required')}>
                  *
                </abbr>
              ) : (
                <span className="muted optional"> {t('report.optional')}</span>
              )}
            </span>
            <textarea
              data-testid="task-comment"
              rows={3}
              maxLength={2000}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
            />
          </label>
          <div className="field">
            <span className="field-label">
              {kind === 'filing' && mode === 'pass' ? t('loop.panel.fields.photosRequired') : t('tasks.sitePhotos')}
            </span>
            <PhotoUploader testId="task-photo" onChange={setPhotos} />
          </div>
          {error ? (
            <div className="error-banner" role="alert" data-testid="task-error">
              <span>
                {errorText(error, (f) =>
                  f === 'comment'
                    ? t('actions.fields.comment')
                    : f.startsWith('photos')
                      ? t('tasks.sitePhotos')
                      : undefined,
                )}
              </span>
            </div>
          ) : null}
          <button
            type="submit"
            className="btn btn-primary btn-block"
            data-testid="task-submit"
            disabled={busy || photos.uploading}
          >
            {busy
              ? t('common.sending')
              : kind === 'filing'
                ? mode === 'pass'
                  ? t('loop.tasks.confirmSubmit')
                  : t('loop.tasks.invalidateSubmit')
                : mode === 'pass'
                  ? t('tasks.confirmPass')
                  : t('tasks.confirmFail')}
          </button>
        </form>
      )}
    </article>
  )
}
