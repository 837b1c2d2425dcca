import { useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { type ChartOption, EChart } from '../../../components/EChart'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import type { User } from '../../../types'
import { type OfTheMonth, type Topic, topicQueries, topicsApi, topicsChanged, type TrendsQuery } from './api'
import './topics.css'

type Interval = NonNullable<TrendsQuery['interval']>

const isoDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
const lastMonth = (now = new Date()) => {
  const d = new Date(now.getFullYear(), now.getMonth() - 1, 1)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}
const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10}%`)
/** How many topics the chart draws (the largest in the window); the table lists them all. */
const CHART_TOPICS = 6

/**
 * Key topics (#/topics): cases per topic over time, the topic of the month (每月一题) per street with
 * its evidence and formula, the smart dispatch model's accuracy, and the topic rules (editable by
 * the city's admins).
 */
export function TopicsPage({ user }: { user: User }) {
  const { t } = useTranslation()
  const [area, setArea] = useState('')
  const [interval, setInterval] = useState<Interval>('week')
  const [from, setFrom] = useState(() => isoDay(new Date(Date.now() - 182 * 86400_000)))
  const [to, setTo] = useState(() => isoDay(new Date(Date.now() + 86400_000)))
  const [month, setMonth] = useState(lastMonth)
  const areaId = area ? Number(area) : undefined
  const admin = hasRole(user, ['admin'])
  const leadership = hasRole(user, ['admin', 'leader'])
  return (
    <section className="page topics-page" data-testid="page-topics">
      <div className="page-head">
        <h1 className="page-title">{t('analytics.topics.title')}</h1>
      </div>
      <p className="muted">{t('analytics.topics.intro')}</p>
      <div className="topics-filters card">
        <div className="field">
          <label htmlFor="topics-area">{t('analytics.topics.area')}</label>
          <AreaSelect id="topics-area" value={area} onChange={setArea} maxLevel="community" testId="topics-area" />
        </div>
        <label className="field">
          <span>{t('analytics.topics.from')}</span>
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="topics-from" />
        </label>
        <label className="field">
          <span>{t('analytics.topics.to')}</span>
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="topics-to" />
        </label>
        <label className="field">
          <span>{t('analytics.topics.interval')}</span>
          <select
            value={interval}
            onChange={(e) => setInterval(e.target.value as Interval)}
            data-testid="topics-interval"
          >
            {(['day', 'week', 'month'] as const).map((i) => (
              <option key={i} value={i}>
                {t(`analytics.topics.intervals.${i}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Trends query={{ areaId, from, to, interval }} />
      <div className="page-head">
        <h2 className="section-title">{t('analytics.topics.month.title')}</h2>
        <label className="field inline">
          <span>{t('analytics.topics.month.month')}</span>
          <input type="month" value={month} onChange={(e) => setMonth(e.target.value)} data-testid="topics-month" />
        </label>
      </div>
      <TopicOfTheMonth areaId={areaId} month={month || undefined} />
      {leadership && <DispatchPanel admin={admin} />}
      <Rules editable={admin} />
    </section>
  )
}

function Trends({ query }: { query: TrendsQuery }) {
  const { t, i18n } = useTranslation()
  const q = useQuery({ ...topicQueries.trends(query), enabled: !!query.from && !!query.to })
  const data = q.data
  const ranked = useMemo(() => (data ? [...data.series].sort((a, b) => b.total - a.total) : []), [data])
  const option = useMemo((): ChartOption | null => {
    if (!data) return null
    return {
      tooltip: { trigger: 'axis' },
      legend: { type: 'plain', top: 0 },
      grid: { left: 40, right: 16, top: 56, bottom: 28 },
      xAxis: { type: 'category', data: data.buckets },
      yAxis: { type: 'value', minInterval: 1 },
      series: ranked.slice(0, CHART_TOPICS).map((s) => ({
        type: 'line',
        name: localName(s.topic, i18n.language),
        data: s.counts,
        smooth: true,
      })),
    }
  }, [data, ranked, i18n.language])
  return (
    <section className="card topics-trends" data-testid="topics-trends">
      <h2 className="section-title">{t('analytics.topics.trends')}</h2>
      <QueryStatus query={q} />
      {data && data.pending > 0 && (
        <p className="muted" data-testid="topics-pending">
          {t('analytics.topics.pending', { count: data.pending })}
        </p>
      )}
      {option && <EChart option={option} height={320} label={t('analytics.topics.trends')} testId="topics-chart" />}
      {data && (
        <table className="topics-table" data-testid="topics-totals">
          <caption className="muted">{t('analytics.topics.totalsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('analytics.topics.topic')}</th>
              <th scope="col">{t('analytics.topics.cases')}</th>
            </tr>
          </thead>
          <tbody>
            {ranked.map((s) => (
              <tr key={s.topic.id} data-testid={`topics-total-${s.topic.code}`}>
                <th scope="row">{localName(s.topic, i18n.language)}</th>
                <td>{s.total}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function TopicOfTheMonth({ areaId, month }: { areaId?: number; month?: string }) {
  const { t } = useTranslation()
  const q = useQuery(topicQueries.month(areaId, month))
  return (
    <div data-testid="topics-of-the-month">
      <QueryStatus query={q} />
      {q.data?.provisional && <p className="muted">{t('analytics.topics.month.provisional')}</p>}
      {q.data && q.data.streets.length === 0 && <p className="muted">{t('analytics.topics.month.none')}</p>}
      <div className="topics-month-grid">
        {q.data?.streets.map((s) => (
          <StreetCard key={s.area.id} street={s} />
        ))}
      </div>
      {q.data && (
        <details className="topics-formula">
          <summary>{t('analytics.topics.month.formula')}</summary>
          <p data-testid="topics-formula">{q.data.formula}</p>
        </details>
      )}
    </div>
  )
}

function StreetCard({ street }: { street: OfTheMonth['streets'][number] }) {
  const { t, i18n } = useTranslation()
  const s = street.suggestion
  return (
    <article className="card topics-month-card" data-testid={`topics-month-${street.area.code}`}>
      <h3>{localName(street.area, i18n.language)}</h3>
      {!s && <p className="muted">{t('analytics.topics.month.noSuggestion')}</p>}
      {s && (
        <>
          <p className="topics-month-topic" data-testid="topics-month-topic">
            {localName(s.topic, i18n.language)}
          </p>
          <dl className="topics-evidence">
            <dt>{t('analytics.topics.month.volume')}</dt>
            <dd data-testid="topics-month-volume">{s.volume}</dd>
            <dt>{t('analytics.topics.month.baseline')}</dt>
            <dd>
              {s.baseline} ({s.previous.join(' · ')})
            </dd>
            <dt>{t('analytics.topics.month.growth')}</dt>
            <dd>{pct(s.growth)}</dd>
            <dt>{t('analytics.topics.month.repeatRate')}</dt>
            <dd>
              {pct(s.repeatRate)} (
              {t('analytics.topics.month.repeats', {
                places: s.repeatPlaceCases,
                requesters: s.repeatRequesterCases,
              })}
              )
            </dd>
            <dt>{t('analytics.topics.month.score')}</dt>
            <dd>{s.score}</dd>
            <dt>{t('analytics.topics.month.topGrids')}</dt>
            <dd>{s.topGrids.map((g) => `${g.label} (${g.count})`).join('、') || '—'}</dd>
            <dt>{t('analytics.topics.month.topAddresses')}</dt>
            <dd>{s.topAddresses.map((g) => `${g.label} (${g.count})`).join('、') || '—'}</dd>
          </dl>
        </>
      )}
      {street.candidates.length > 1 && (
        <p className="muted small">
          {t('analytics.topics.month.others')}{' '}
          {street.candidates
            .slice(1)
            .map((c) => `${localName(c.topic, i18n.language)} ${c.score}`)
            .join('、')}
        </p>
      )}
    </article>
  )
}

function DispatchPanel({ admin }: { admin: boolean }) {
  const { t } = useTranslation()
  const models = useQuery(topicQueries.models())
  const accuracy = useQuery(topicQueries.accuracy())
  const [key] = useState(() => crypto.randomUUID())
  const train = useMutation({ mutationFn: () => topicsApi.train(key), onSuccess: () => topicsChanged() })
  const latest = models.data?.items[0]
  return (
    <section className="card topics-dispatch" data-testid="topics-dispatch">
      <h2 className="section-title">{t('analytics.topics.dispatch.title')}</h2>
      <QueryStatus query={[models, accuracy]} />
      {models.data && !latest && <p className="muted">{t('analytics.topics.dispatch.noModel')}</p>}
      {latest && (
        <p data-testid="topics-model">
          {t('analytics.topics.dispatch.model', {
            version: latest.version,
            at: formatDateTime(latest.trainedAt),
            size: latest.trainingSize,
            test: latest.testSize,
            top1: pct(latest.categoryTop1),
            top3: pct(latest.categoryTop3),
            dtop1: pct(latest.departmentTop1),
            dtop3: pct(latest.departmentTop3),
          })}
        </p>
      )}
      {accuracy.data && (
        <p data-testid="topics-accuracy">
          {t('analytics.topics.dispatch.real', {
            cd: accuracy.data.category.decided,
            c1: pct(accuracy.data.category.top1Rate),
            c3: pct(accuracy.data.category.top3Rate),
            dd: accuracy.data.department.decided,
            d1: pct(accuracy.data.department.top1Rate),
            d3: pct(accuracy.data.department.top3Rate),
          })}
        </p>
      )}
      {admin && (
        <button
          type="button"
          className="button"
          onClick={() => train.mutate()}
          disabled={train.isPending}
          data-testid="topics-train"
        >
          {t('analytics.topics.dispatch.train')}
        </button>
      )}
      {train.error && <ErrorBanner error={train.error} />}
    </section>
  )
}

const words = (s: string) =>
  s
    .split(/[,，、\s]+/)
    .map((w) => w.trim())
    .filter((w) => w.length > 0)

function Rules({ editable }: { editable: boolean }) {
  const { t, i18n } = useTranslation()
  const q = useQuery(topicQueries.list())
  const [editing, setEditing] = useState<Topic | null>(null)
  return (
    <section className="card topics-rules" data-testid="topics-rules">
      <h2 className="section-title">{t('analytics.topics.rules.title')}</h2>
      <QueryStatus query={q} />
      {q.data && (q.data.tagger.sweeping || q.data.tagger.queued > 0) && (
        <p className="muted">{t('analytics.topics.pending', { count: q.data.tagger.queued })}</p>
      )}
      {q.data && (
        <table className="topics-table">
          <thead>
            <tr>
              <th scope="col">{t('analytics.topics.topic')}</th>
              <th scope="col">{t('analytics.topics.rules.categories')}</th>
              <th scope="col">{t('analytics.topics.rules.keywords')}</th>
              {editable && <th scope="col">{t('analytics.topics.rules.edit')}</th>}
            </tr>
          </thead>
          <tbody>
            {q.data.items.map((topic) => (
              <tr key={topic.id} data-testid={`topics-rule-${topic.code}`}>
                <th scope="row">
                  {localName(topic, i18n.language)} <span className="muted">{topic.code}</span>
                </th>
                <td>{topic.categoryCodes.join('、') || '—'}</td>
                <td>
                  {topic.keywords.join('、')}
                  {topic.excludeKeywords.length > 0 && (
                    <span className="muted">
                      {' '}
                      {t('analytics.topics.rules.except')} {topic.excludeKeywords.join('、')}
                    </span>
                  )}
                </td>
                {editable && (
                  <td>
                    <button
                      type="button"
                      className="button small"
                      onClick={() => setEditing(topic)}
                      data-testid={`topics-edit-${topic.code}`}
                    >
                      {t('analytics.topics.rules.edit')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && <RuleForm key={editing.id} topic={editing} onDone={() => setEditing(null)} />}
    </section>
  )
}

function RuleForm({ topic, onDone }: { topic: Topic; onDone: () => void }) {
  const { t } = useTranslation()
  const [nameZh, setNameZh] = useState(topic.nameZh)
  const [nameEn, setNameEn] = useState(topic.nameEn)
  const [codes, setCodes] = useState(topic.categoryCodes.join(', '))
  const [keywords, setKeywords] = useState(topic.keywords.join(', '))
  const [excludes, setExcludes] = useState(topic.excludeKeywords.join(', '))
  const save = useMutation({
    mutationFn: () =>
      topicsApi.put(topic.code, {
        nameZh,
        nameEn,
        categoryCodes: [...new Set(words(codes))],
        keywords: [...new Set(words(keywords))],
        excludeKeywords: [...new Set(words(excludes))],
        version: topic.version,
      }),
    onSuccess: async () => {
      await topicsChanged()
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <form className="topics-rule-form" onSubmit={submit} data-testid="topics-rule-form">
      <h3>{t('analytics.topics.rules.editing', { code: topic.code })}</h3>
      <label className="field">
        <span>{t('analytics.topics.rules.nameZh')}</span>
        <input value={nameZh} maxLength={50} onChange={(e) => setNameZh(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('analytics.topics.rules.nameEn')}</span>
        <input value={nameEn} maxLength={80} onChange={(e) => setNameEn(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('analytics.topics.rules.categories')}</span>
        <input value={codes} onChange={(e) => setCodes(e.target.value)} data-testid="topics-rule-codes" />
      </label>
      <label className="field">
        <span>{t('analytics.topics.rules.keywords')}</span>
        <textarea
          rows={2}
          value={keywords}
          onChange={(e) => setKeywords(e.target.value)}
          data-testid="topics-rule-keywords"
        />
      </label>
      <label className="field">
        <span>{t('analytics.topics.rules.excludes')}</span>
        <textarea
          rows={2}
          value={excludes}
          onChange={(e) => setExcludes(e.target.value)}
          data-testid="topics-rule-excludes"
        />
      </label>
      <p className="muted small">{t('analytics.topics.rules.hint')}</p>
      {save.error && <ErrorBanner error={save.error} />}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={save.isPending} data-testid="topics-rule-save">
          {t('analytics.topics.rules.save')}
        </button>
        <button type="button" className="button" onClick={onDone}>
          {t('analytics.topics.rules.cancel')}
        </button>
      </div>
    </form>
  )
}
