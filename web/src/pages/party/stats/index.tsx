import { queryOptions, useQuery } from '@tanstack/react-query'
import { useId, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { call, client } from '../../../api'
import type { ApiQuery, ApiResponse } from '../../../api/schema'
import { AreaSelect } from '../../../components/AreaSelect'
import { EChart, type ChartOption } from '../../../components/EChart'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import type { SectionProps } from '../section'
import { PARTY_READERS } from '../section'
import './stats.css'

type StatsQuery = ApiQuery<'/api/v1/party/stats'>
type Stats = ApiResponse<'/api/v1/party/stats'>
type Figures = Stats['figures']

const statsQuery = (q: StatsQuery) =>
  queryOptions({
    queryKey: ['party', 'stats', q] as const,
    queryFn: ({ signal }) => call(client.GET('/api/v1/party/stats', { params: { query: q }, signal })),
  })

/** The columns of the table, and where a figure's list is (none for the coverage and the hours). */
const columns: { key: keyof Figures; link?: 'organisations' | 'members' | 'cobuild' }[] = [
  { key: 'organisations', link: 'organisations' },
  { key: 'committees' },
  { key: 'generalBranches' },
  { key: 'branches' },
  { key: 'groups' },
  { key: 'members', link: 'members' },
  { key: 'probationary' },
  { key: 'communitiesWithout', link: 'organisations' },
  { key: 'gridsWithout', link: 'organisations' },
  { key: 'buildingsUncovered', link: 'organisations' },
  { key: 'membersReported', link: 'members' },
  { key: 'serviceHours' },
  { key: 'agreementsActive', link: 'cobuild' },
  { key: 'projectsDone', link: 'cobuild' },
  { key: 'casesWithMember' },
  { key: 'casesClosed' },
]

const charted: (keyof Figures)[] = ['members', 'membersReported', 'projectsDone', 'casesWithMember']

/** The party statistics of an area and its children, for a period: a table and a bar chart. */
export function StatsSection({ user }: SectionProps) {
  const { t, i18n } = useTranslation()
  const own = user.roles.find((r) => (PARTY_READERS as readonly string[]).includes(r.role))?.areaId
  const [areaId, setAreaId] = useState(own ? String(own) : '')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const ids = { area: useId(), from: useId(), to: useId(), table: useId() }
  const q = useQuery(
    statsQuery({
      ...(areaId ? { areaId: Number(areaId) } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    }),
  )
  const s = q.data
  const option = useMemo<ChartOption | null>(() => {
    if (!s || s.children.length === 0) return null
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: charted.map((k) => t(`party.stats.figures.${k}`)) },
      grid: { left: 40, right: 16, bottom: 90, top: 48 },
      xAxis: {
        type: 'category',
        data: s.children.map((c) => localName(c.area, i18n.language)),
        axisLabel: { rotate: 30 },
      },
      yAxis: { type: 'value' },
      series: charted.map((k) => ({
        type: 'bar',
        name: t(`party.stats.figures.${k}`),
        data: s.children.map((c) => c.figures[k]),
      })),
    }
  }, [s, t, i18n.language])

  const rowOf = (label: string, f: Figures, total: boolean, key: string | number) => (
    <tr key={key} className={total ? 'stats-total' : undefined} data-testid={total ? 'stats-total' : undefined}>
      <th scope="row">{label}</th>
      {columns.map((c) => (
        <td key={c.key} data-testid={total ? `stats-total-${c.key}` : undefined}>
          {c.link && f[c.key] > 0 ? <a href={routes.party(c.link)}>{f[c.key]}</a> : f[c.key]}
        </td>
      ))}
    </tr>
  )

  return (
    <div className="party-stats" data-testid="party-stats">
      <div className="cobuild-filters">
        <label className="field" htmlFor={ids.area}>
          <span>{t('party.stats.area')}</span>
          <AreaSelect
            id={ids.area}
            value={areaId}
            onChange={setAreaId}
            emptyLabel={t('party.stats.ownArea')}
            testId="stats-area"
          />
        </label>
        <label className="field" htmlFor={ids.from}>
          <span>{t('party.stats.from')}</span>
          <input id={ids.from} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="field" htmlFor={ids.to}>
          <span>{t('party.stats.to')}</span>
          <input id={ids.to} type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      <QueryStatus query={q} />
      {s && (
        <>
          <p className="muted" data-testid="stats-period">
            {t('party.stats.period', { area: localName(s.area, i18n.language), from: s.from, to: s.to })}
          </p>
          <div className="stats-table-wrap">
            <table className="stats-table">
              <caption id={ids.table}>{t('party.stats.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('party.stats.areaColumn')}</th>
                  {columns.map((c) => (
                    <th key={c.key} scope="col">
                      {t(`party.stats.figures.${c.key}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rowOf(`${localName(s.area, i18n.language)} (${t('party.stats.total')})`, s.figures, true, 'total')}
                {s.children.map((c) => rowOf(localName(c.area, i18n.language), c.figures, false, c.area.id))}
              </tbody>
            </table>
          </div>
          {option && <EChart option={option} height={320} label={t('party.stats.chart')} testId="stats-chart" />}
        </>
      )}
    </div>
  )
}
