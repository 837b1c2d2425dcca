import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ApiResponse } from '../../api/schema'
import { queries } from '../../api/queries'
import { QueryStatus } from '../../components/QueryStatus'
import { formatNumber, ratePercent } from '../../i18n'

type Evaluation = ApiResponse<'/api/v1/stats/evaluation'>
type Group = Evaluation['groups'][number]
export const EVALUATION_GROUPS = ['department', 'street', 'community', 'worker'] as const
type EvaluationGroup = (typeof EVALUATION_GROUPS)[number]

const RATE_COLUMNS = [
  'closureRate',
  'onTimeClosureRate',
  'reworkRate',
  'extensionRate',
  'returnRate',
  'satisfactionRate',
] as const

const pct = (v: number | null, lng: string) => {
  const p = ratePercent(v)
  return p == null ? '—' : `${formatNumber(p, 1, lng)}%`
}

/**
 * GB/T 30428 evaluation of the cases due in the dashboard's period, ranked per department, street,
 * community or handler, with the composite score and how it is made.
 */
export function EvaluationTable({ areaId, from, to }: { areaId?: number; from: string; to?: string }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [groupBy, setGroupBy] = useState<EvaluationGroup>('department')
  const query = useQuery({
    ...queries.caseEvaluation({ areaId, from, to, groupBy }),
    placeholderData: keepPreviousData,
  })
  const data = query.data
  const name = (g: Group) =>
    (lng === 'en' ? g.nameEn || g.nameZh : g.nameZh || g.nameEn) || g.code || t('stats.dashboard.evaluation.none')
  const row = (f: Evaluation['totals']) => (
    <>
      <td>{formatNumber(f.dueCases, 0, lng)}</td>
      <td>{formatNumber(f.closed, 0, lng)}</td>
      <td>{formatNumber(f.closedOnTime, 0, lng)}</td>
      {RATE_COLUMNS.map((k) => (
        <td key={k}>{pct(f[k], lng)}</td>
      ))}
      <td>{formatNumber(f.shelved, 0, lng)}</td>
      <td>
        <strong>{f.score == null ? '—' : formatNumber(f.score, 2, lng)}</strong>
      </td>
    </>
  )

  return (
    <section className="card dash-evaluation" data-testid="dash-evaluation" aria-labelledby="dash-evaluation-title">
      <div className="page-head">
        <h2 className="section-title" id="dash-evaluation-title">
          {t('stats.dashboard.evaluation.title')}
        </h2>
        <label className="inline-field">
          <span>{t('stats.dashboard.evaluation.groupBy')}</span>
          <select
            data-testid="dash-evaluation-group"
            value={groupBy}
            onChange={(e) => setGroupBy(e.target.value as EvaluationGroup)}
          >
            {EVALUATION_GROUPS.map((g) => (
              <option key={g} value={g}>
                {t(`stats.dashboard.evaluation.groups.${g}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryStatus query={query} />
      {data && (
        // A wide table scrolls sideways on small screens: focusable so the keyboard can scroll it.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        <section className="audit-table-wrap" tabIndex={0} aria-labelledby="dash-evaluation-title">
          <table className="audit-table" data-testid="dash-evaluation-table">
            <thead>
              <tr>
                <th scope="col">{t('stats.dashboard.evaluation.rank')}</th>
                <th scope="col">{t('stats.dashboard.evaluation.name')}</th>
                <th scope="col" title={data.definitions.dueCases}>
                  {t('stats.dashboard.evaluation.dueCases')}
                </th>
                <th scope="col" title={data.definitions.closed}>
                  {t('stats.dashboard.evaluation.closed')}
                </th>
                <th scope="col" title={data.definitions.closedOnTime}>
                  {t('stats.dashboard.evaluation.closedOnTime')}
                </th>
                {RATE_COLUMNS.map((k) => (
                  <th key={k} scope="col" title={data.definitions[k]}>
                    {t(`stats.dashboard.evaluation.${k}`)}
                  </th>
                ))}
                <th scope="col" title={data.definitions.shelved}>
                  {t('stats.dashboard.evaluation.shelved')}
                </th>
                <th scope="col" title={data.definitions.score}>
                  {t('stats.dashboard.evaluation.score')}
                </th>
              </tr>
            </thead>
            <tbody>
              {data.groups.map((g) => (
                <tr key={String(g.key)} data-testid="dash-evaluation-row">
                  <td>{g.rank ?? '—'}</td>
                  <th scope="row">{name(g)}</th>
                  {row(g)}
                </tr>
              ))}
              <tr className="muted" data-testid="dash-evaluation-total">
                <td />
                <th scope="row">{t('stats.dashboard.evaluation.total')}</th>
                {row(data.totals)}
              </tr>
            </tbody>
          </table>
        </section>
      )}
      {data && data.totals.dueCases === 0 && <p className="muted">{t('stats.dashboard.evaluation.empty')}</p>}
      <p className="muted small" data-testid="dash-evaluation-formula">
        {t('stats.dashboard.evaluation.formula')}
      </p>
    </section>
  )
}
