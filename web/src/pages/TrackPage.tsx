import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../api'
import { invalidate, keys, queries } from '../api/queries'
import { ColourDot, StateChip } from '../components/CaseBadges'
import { QueryStatus } from '../components/QueryStatus'
import { RatingForm } from '../components/RatingForm'
import { Timeline } from '../components/Timeline'
import { formatDateTime, localName } from '../i18n'
import { navigate, routes } from '../router'
import type { Rating } from '../types'

const CODE = /^[0-9]{6}-[0-9A-Z]{6}$/

/** Public progress of a report by its tracking code: no sign-in, no personal data. */
export function TrackPage({ code }: { code: string | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [input, setInput] = useState(code ?? '')
  const [token, setToken] = useState('')
  // A code of the wrong shape cannot name a case: not found, without asking.
  const wellFormed = !!code && CODE.test(code)
  const tracked = useQuery({ ...queries.publicCase(code ?? ''), enabled: wellFormed })
  const data = wellFormed ? tracked.data : undefined
  const notFound =
    (!!code && !wellFormed) ||
    (tracked.error instanceof ApiError && tracked.error.status === 404 && !tracked.isFetching)

  const rating = useMutation({
    mutationFn: ({
      code,
      rating,
      comment,
      solved,
    }: {
      code: string
      rating: Rating
      comment: string
      solved: boolean | null
    }) =>
      api.publicRate(code, {
        reporterToken: token.trim(),
        rating,
        ...(comment ? { comment } : {}),
        ...(solved !== null ? { solved } : {}),
      }),
    onSuccess: (_, { code }) => invalidate(keys.publicCase(code), keys.cases),
  })
  const thanks = rating.isSuccess

  const go = (e: FormEvent) => {
    e.preventDefault()
    const c = input.trim().toUpperCase()
    if (c) navigate('track', c)
  }

  const rate = async (r: Rating, comment: string, solved: boolean | null) => {
    if (!code) return
    if (!token.trim()) throw new ApiError(0, 'VALIDATION_FAILED', '', 'reporterToken')
    await rating.mutateAsync({ code, rating: r, comment, solved })
  }

  return (
    <section className="page narrow-page" data-testid="page-track">
      <h1 className="page-title">{t('track.title')}</h1>
      <form className="track-form" onSubmit={go}>
        <label className="field">
          <span>{t('track.codeLabel')}</span>
          <input
            data-testid="track-input"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            placeholder="261123-ABC123"
            autoCapitalize="characters"
            spellCheck={false}
          />
        </label>
        <button type="submit" className="btn btn-primary" data-testid="track-submit">
          {t('track.submit')}
        </button>
      </form>
      {notFound ? (
        <p className="error-banner" role="alert" data-testid="track-not-found">
          {t('track.notFound')}
        </p>
      ) : (
        wellFormed && <QueryStatus query={tracked} />
      )}
      {data && (
        <>
          <div className="card case-head" data-testid="track-card">
            <div className="case-title-row">
              <h2 className="page-title">{localName(data.category, lng)}</h2>
              <StateChip state={data.state} testId="track-state" />
            </div>
            <dl className="facts">
              <div>
                <dt>{t('case.trackingCode')}</dt>
                <dd className="mono" data-testid="track-code">
                  {data.trackingCode}
                </dd>
              </div>
              <div>
                <dt>{t('case.area')}</dt>
                <dd>{localName(data.area, lng)}</dd>
              </div>
              <div>
                <dt>{t('case.submittedAt')}</dt>
                <dd>{formatDateTime(data.submittedAt, lng)}</dd>
              </div>
              <div>
                <dt>{t('case.department')}</dt>
                <dd>{(data.department && localName(data.department, lng)) || '—'}</dd>
              </div>
              {data.colour && (
                <div>
                  <dt>{t('case.deadline')}</dt>
                  <dd>
                    <ColourDot colour={data.colour} /> {t(`deadline.${data.colour}`)}
                  </dd>
                </div>
              )}
              {data.closedAt && (
                <div>
                  <dt>{t('case.closedAt')}</dt>
                  <dd>{formatDateTime(data.closedAt, lng)}</dd>
                </div>
              )}
            </dl>
            {data.mergedInto && (
              <p className="notice">
                {t('track.mergedInto')} <a href={routes.track(data.mergedInto)}>{data.mergedInto}</a>
              </p>
            )}
          </div>
          {data.result && (
            <div className="card result-box">
              <h2 className="section-title">{t('case.result')}</h2>
              <p data-testid="track-result">{data.result}</p>
              {data.rating && (
                <p data-testid="track-rating">
                  {t('case.rating')}: <strong>{t(`ratings.${data.rating}`)}</strong>
                </p>
              )}
            </div>
          )}
          {thanks && (
            <p className="notice" role="status" data-testid="rating-done">
              {t('rating.thanks')}
            </p>
          )}
          {data.state === 'closed' && !thanks && (
            <RatingForm onSubmit={rate}>
              <label className="field">
                <span>{t('track.tokenLabel')}</span>
                <input
                  data-testid="track-token"
                  value={token}
                  onChange={(e) => setToken(e.target.value)}
                  spellCheck={false}
                  autoComplete="off"
                />
              </label>
              <p className="muted hint">{t('track.tokenHint')}</p>
            </RatingForm>
          )}
          <section className="card">
            <h2 className="section-title">{t('case.timeline')}</h2>
            <Timeline events={data.timeline} showPhotos={false} />
          </section>
        </>
      )}
    </section>
  )
}
