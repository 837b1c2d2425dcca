import { useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { EChart, type ChartOption } from '../../../components/EChart'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatNumber } from '../../../i18n'
import { routes } from '../../../router'
import { EXPORT_FORMATS, surveyApi, surveyQueries, type QuestionResult } from './api'
import { StateBadge } from './common'

/** How often staff see the live results refresh while a survey is open. */
const LIVE_MS = 15_000

/**
 * The results: per question the counts as bars (ECharts) and as a table, the scale's mean, the
 * text answers for staff. Staff see them live and exact; residents once the survey has closed, with
 * small counts hidden.
 */
export function SurveyResultsPage({ id }: { id: number }) {
  const { t } = useTranslation()
  const results = useQuery({
    ...surveyQueries.results(id),
    refetchInterval: (q) => (q.state.data?.exact && q.state.data.state === 'open' ? LIVE_MS : false),
  })
  const r = results.data
  return (
    <div className="surveys" data-testid="survey-results-page">
      <a className="back-link" href={routes.participation('surveys', id)}>
        {t('participation.surveys.backToSurvey')}
      </a>
      <QueryStatus query={results} />
      {r && (
        <>
          <header className="card surveys-intro">
            <div className="surveys-card-badges">
              <StateBadge state={r.state} />
              {r.exact && r.state === 'open' && (
                <span className="badge surveys-live" data-testid="survey-results-live">
                  {t('participation.surveys.results.live')}
                </span>
              )}
            </div>
            <h2 className="surveys-title">{t('participation.surveys.results.title', { title: r.title })}</h2>
            <p className="surveys-card-meta">
              <span data-testid="survey-results-total">
                {r.responseCount === null
                  ? t('participation.surveys.fewResponses')
                  : t('participation.surveys.responseCount', { n: r.responseCount })}
              </span>
            </p>
            <p className="muted small">
              {r.exact
                ? t('participation.surveys.results.exactNote')
                : t('participation.surveys.results.suppressedNote', { n: r.suppressBelow })}
            </p>
            {r.exact && (
              <div className="form-buttons">
                {EXPORT_FORMATS.map((format) => (
                  <a key={format} className="btn btn-small" href={surveyApi.exportUrl(id, format)} download>
                    {t(`participation.surveys.manage.export.${format}`)}
                  </a>
                ))}
              </div>
            )}
          </header>
          {r.questions.map((q) => (
            <QuestionResultCard key={q.position} q={q} exact={r.exact} />
          ))}
        </>
      )}
    </div>
  )
}

function QuestionResultCard({ q, exact }: { q: QuestionResult; exact: boolean }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const hidden = t('participation.surveys.results.hidden')
  const rows = useMemo(
    () =>
      q.kind === 'scale' && q.scale
        ? q.scale.distribution.map((d) => ({ label: String(d.value), count: d.count, suppressed: d.suppressed }))
        : q.options.map((o) => ({ label: o.label, count: o.count, suppressed: o.suppressed })),
    [q],
  )
  const option = useMemo<ChartOption | null>(() => {
    if (q.kind === 'text' || rows.every((r) => r.suppressed)) return null
    const horizontal = q.kind !== 'scale'
    const labels = rows.map((r) => r.label)
    const values = rows.map((r) => ({
      value: r.count ?? 0,
      label: {
        show: true,
        position: horizontal ? ('right' as const) : ('top' as const),
        formatter: r.suppressed ? hidden : String(r.count),
      },
    }))
    const category = {
      type: 'category' as const,
      data: labels,
      axisLabel: { width: 120, overflow: 'truncate' as const },
    }
    const value = { type: 'value' as const, minInterval: 1 }
    return {
      grid: { left: 8, right: 40, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? { ...category, inverse: true } : value,
      series: [{ type: 'bar', data: values, itemStyle: { color: '#1f5f8b' }, barMaxWidth: 28 }],
    }
  }, [q.kind, rows, hidden])
  const headingId = `survey-result-q${q.position}`
  return (
    <section
      className="card surveys-result"
      aria-labelledby={headingId}
      data-testid="survey-result"
      data-position={q.position}
    >
      <h3 className="surveys-result-prompt" id={headingId}>
        {q.position}. {q.prompt}
      </h3>
      <p className="muted small surveys-card-meta">
        <span>{t(`participation.surveys.kind.${q.kind}`)}</span>
        <span data-testid="survey-result-answered">
          {q.answered === null
            ? t('participation.surveys.results.answeredHidden')
            : t('participation.surveys.results.answered', { n: q.answered })}
        </span>
        {q.scale && (
          <span data-testid="survey-result-mean">
            {q.scale.mean === null
              ? t('participation.surveys.results.meanHidden')
              : t('participation.surveys.results.mean', { mean: formatNumber(q.scale.mean, 2, lng) })}
          </span>
        )}
      </p>
      {option && (
        <EChart
          option={option}
          height={q.kind === 'scale' ? 200 : 40 + rows.length * 36}
          testId={`survey-chart-${q.position}`}
          label={t('participation.surveys.results.chartLabel', { n: q.position })}
        />
      )}
      {q.kind !== 'text' && (
        <table className="surveys-table">
          <caption className="visually-hidden">
            {t('participation.surveys.results.tableCaption', { n: q.position })}
          </caption>
          <thead>
            <tr>
              <th scope="col">
                {q.kind === 'scale'
                  ? t('participation.surveys.results.point')
                  : t('participation.surveys.results.option')}
              </th>
              <th scope="col">{t('participation.surveys.results.count')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label} data-testid="survey-result-row">
                <th scope="row">{row.label}</th>
                <td data-suppressed={row.suppressed}>
                  {row.suppressed ? hidden : formatNumber(row.count ?? 0, 0, lng)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {q.kind === 'text' && q.texts === null && (
        <p className="muted small">{t('participation.surveys.results.textsStaff')}</p>
      )}
      {q.kind === 'text' && q.texts && q.texts.length === 0 && (
        <p className="muted small">{t('participation.surveys.results.noTexts')}</p>
      )}
      {q.kind === 'text' && q.texts && q.texts.length > 0 && (
        <ul className="surveys-texts" data-testid="survey-result-texts">
          {q.texts.map((text, i) => (
            // Texts are answers, not records: their place in the list is their identity here.
            // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole on refresh
            <li key={i}>{text}</li>
          ))}
        </ul>
      )}
      {exact && q.kind === 'text' && q.texts && q.answered !== null && q.answered > q.texts.length && (
        <p className="muted small">
          {t('participation.surveys.results.moreTexts', { n: q.answered - q.texts.length })}
        </p>
      )}
    </section>
  )
}
