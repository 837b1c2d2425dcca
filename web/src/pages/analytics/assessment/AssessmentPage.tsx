import { useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, Fragment, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { href } from '../../../router'
import type { User } from '../../../types'
import { assessmentApi, assessmentChanged, assessmentQueries, type Kpi, type Scheme, type Score, newKey } from './api'
import './assessment.css'

const TABS = ['schemes', 'runs', 'appeals', 'sanctions'] as const
type Tab = (typeof TABS)[number]
const UNIT_TYPES = ['department', 'street', 'community', 'grid_worker'] as const
const KINDS = ['commendation', 'bonus', 'criticism', 'deduction', 'warning'] as const

const blankKpi = (): Kpi => ({
  code: '',
  nameZh: '',
  nameEn: '',
  formula: '',
  weight: 0,
  target: 1,
  floor: 0,
  direction: 'higher',
  rule: 'linear',
})

/** Last month as YYYY-MM: the period a leader usually scores. */
function lastMonth(now = new Date()): string {
  const d = new Date(now.getFullYear(), now.getMonth() - 1, 1)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}

/**
 * KPI assessment (#/assessment/<tab>): the KPI scheme editor with live validation, the scoring runs
 * and their rankings with each unit's KPI breakdown (#/assessment/runs/<id>), appeals (filed from
 * the ranking, decided here) and the register of rewards and penalties.
 */
export function AssessmentPage({ params, user }: { params: string[]; user: User }) {
  const { t } = useTranslation()
  const tab: Tab = (TABS as readonly string[]).includes(params[0] ?? '') ? (params[0] as Tab) : 'runs'
  const runId = tab === 'runs' && params[1] && /^\d+$/.test(params[1]) ? Number(params[1]) : null
  const decider = hasRole(user, ['admin', 'leader'])
  const keeper = hasRole(user, ['admin', 'leader', 'staff'])
  const tabs = TABS.filter((x) => keeper || x === 'runs' || x === 'appeals')
  return (
    <section className="page assessment-page" data-testid="page-assessment">
      <div className="page-head">
        <h1 className="page-title">{t('analytics.assessment.title')}</h1>
      </div>
      <nav className="chips" aria-label={t('analytics.assessment.sections')}>
        {tabs.map((x) => (
          <a
            key={x}
            href={href('assessment', x)}
            className={`chip${x === tab ? ' active' : ''}`}
            aria-current={x === tab ? 'page' : undefined}
            data-testid={`assessment-tab-${x}`}
          >
            {t(`analytics.assessment.tab.${x}`)}
          </a>
        ))}
      </nav>
      {tab === 'schemes' && <SchemesTab decider={decider} />}
      {tab === 'runs' && runId === null && <RunsTab decider={decider} />}
      {tab === 'runs' && runId !== null && <RunScores runId={runId} decider={decider} keeper={keeper} />}
      {tab === 'appeals' && <AppealsTab decider={decider} />}
      {tab === 'sanctions' && <SanctionsTab decider={decider} user={user} />}
    </section>
  )
}

// ── Schemes ──────────────────────────────────────────────────────────────────────────────────

function SchemesTab({ decider }: { decider: boolean }) {
  const { t, i18n } = useTranslation()
  const list = useQuery(assessmentQueries.schemes())
  const [editing, setEditing] = useState<Scheme | 'new' | null>(null)
  return (
    <>
      {decider && editing === null && (
        <button type="button" className="btn" onClick={() => setEditing('new')} data-testid="scheme-new">
          {t('analytics.assessment.newScheme')}
        </button>
      )}
      {editing !== null && <SchemeEditor scheme={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      <QueryStatus query={list} />
      {list.data && (
        <div className="table-scroll">
          <table className="data-table" data-testid="schemes-table">
            <thead>
              <tr>
                <th scope="col">{t('analytics.assessment.scheme')}</th>
                <th scope="col">{t('analytics.assessment.area')}</th>
                <th scope="col">{t('analytics.assessment.unitType')}</th>
                <th scope="col">{t('analytics.assessment.version')}</th>
                <th scope="col">{t('analytics.assessment.kpis')}</th>
                {decider && <th scope="col">{t('analytics.assessment.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((s) => (
                <tr key={s.id}>
                  <td>{i18n.language === 'en' ? s.nameEn : s.nameZh}</td>
                  <td>{localName(s.area)}</td>
                  <td>{t(`analytics.assessment.unit.${s.unitType}`)}</td>
                  <td>v{s.version}</td>
                  <td>
                    {s.kpis.map((k) => `${i18n.language === 'en' ? k.nameEn : k.nameZh} ${k.weight}%`).join(' · ')}
                  </td>
                  {decider && (
                    <td>
                      <button type="button" className="btn btn-small" onClick={() => setEditing(s)}>
                        {t('analytics.assessment.edit')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

/** The editor: every change is checked by the server (unknown figures, weights, floors) as one types. */
function SchemeEditor({ scheme, onDone }: { scheme: Scheme | null; onDone: () => void }) {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState(scheme ? String(scheme.area.id) : '')
  const [unitType, setUnitType] = useState<(typeof UNIT_TYPES)[number]>(scheme?.unitType ?? 'community')
  const [nameZh, setNameZh] = useState(scheme?.nameZh ?? '')
  const [nameEn, setNameEn] = useState(scheme?.nameEn ?? '')
  const [kpis, setKpis] = useState<Kpi[]>(scheme?.kpis ?? [blankKpi()])
  // Stable keys for the rows, so removing one does not shift the others' inputs.
  const [rowKeys, setRowKeys] = useState(() => kpis.map(() => newKey()))
  const [idemKey] = useState(newKey)
  const [debounced, setDebounced] = useState(kpis)
  useEffect(() => {
    const h = setTimeout(() => setDebounced(kpis), 300)
    return () => clearTimeout(h)
  }, [kpis])
  const check = useQuery({
    queryKey: ['analytics', 'assessment', 'check', debounced],
    queryFn: ({ signal }) => assessmentApi.check(debounced, signal),
    enabled: debounced.every((k) => k.code && k.nameZh && k.nameEn && k.formula && k.weight > 0),
  })
  const problems = check.data?.errors ?? []
  const problemOf = (field: string) => problems.find((p) => p.field === field)?.message
  const sum = kpis.reduce((s, k) => s + (Number(k.weight) || 0), 0)
  const save = useMutation({
    mutationFn: () =>
      scheme
        ? assessmentApi.updateScheme(scheme.id, { version: scheme.version, nameZh, nameEn, kpis })
        : assessmentApi.createScheme({ areaId: Number(areaId), unitType, nameZh, nameEn, kpis }, idemKey),
    onSuccess: () => {
      void assessmentChanged()
      onDone()
    },
  })
  const set = (i: number, patch: Partial<Kpi>) => setKpis(kpis.map((k, j) => (j === i ? { ...k, ...patch } : k)))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <form className="card scheme-editor" onSubmit={submit} data-testid="scheme-editor">
      <div className="form-grid">
        {!scheme && (
          <>
            <label htmlFor="scheme-area">{t('analytics.assessment.area')}</label>
            <AreaSelect
              id="scheme-area"
              value={areaId}
              onChange={setAreaId}
              maxLevel="community"
              testId="scheme-area"
              required
            />
            <label htmlFor="scheme-unit">{t('analytics.assessment.unitType')}</label>
            <select
              id="scheme-unit"
              value={unitType}
              onChange={(e) => setUnitType(e.target.value as (typeof UNIT_TYPES)[number])}
            >
              {UNIT_TYPES.map((u) => (
                <option key={u} value={u}>
                  {t(`analytics.assessment.unit.${u}`)}
                </option>
              ))}
            </select>
          </>
        )}
        <label htmlFor="scheme-name-zh">{t('analytics.assessment.nameZh')}</label>
        <input
          id="scheme-name-zh"
          value={nameZh}
          onChange={(e) => setNameZh(e.target.value)}
          required
          maxLength={200}
        />
        <label htmlFor="scheme-name-en">{t('analytics.assessment.nameEn')}</label>
        <input
          id="scheme-name-en"
          value={nameEn}
          onChange={(e) => setNameEn(e.target.value)}
          required
          maxLength={200}
        />
      </div>
      <p className="muted">{t('analytics.assessment.formulaHelp')}</p>
      <div className="table-scroll">
        <table className="data-table kpi-table">
          <thead>
            <tr>
              {['code', 'kpiNameZh', 'kpiNameEn', 'formula', 'weight', 'target', 'floor', 'direction', 'rule'].map(
                (h) => (
                  <th key={h} scope="col">
                    {t(`analytics.assessment.kpi.${h}`)}
                  </th>
                ),
              )}
              <th scope="col">
                <span className="visually-hidden">{t('analytics.assessment.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {kpis.map((k, i) => {
              const formulaProblem = problemOf(`kpis[${i}].formula`)
              const floorProblem = problemOf(`kpis[${i}].floor`)
              const label = (what: string) => `${t(`analytics.assessment.kpi.${what}`)} ${i + 1}`
              return (
                <tr key={rowKeys[i]} data-testid={`kpi-row-${i}`}>
                  <td>
                    <input
                      aria-label={label('code')}
                      value={k.code}
                      onChange={(e) => set(i, { code: e.target.value })}
                      size={8}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={label('kpiNameZh')}
                      value={k.nameZh}
                      onChange={(e) => set(i, { nameZh: e.target.value })}
                      size={10}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={label('kpiNameEn')}
                      value={k.nameEn}
                      onChange={(e) => set(i, { nameEn: e.target.value })}
                      size={10}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={label('formula')}
                      aria-invalid={formulaProblem ? true : undefined}
                      value={k.formula}
                      onChange={(e) => set(i, { formula: e.target.value })}
                      size={24}
                      data-testid={`kpi-formula-${i}`}
                    />
                    {formulaProblem && (
                      <div className="field-error" role="alert" data-testid={`kpi-formula-error-${i}`}>
                        {formulaProblem}
                      </div>
                    )}
                  </td>
                  <td>
                    <input
                      aria-label={label('weight')}
                      type="number"
                      step="0.01"
                      value={k.weight}
                      onChange={(e) => set(i, { weight: Number(e.target.value) })}
                      data-testid={`kpi-weight-${i}`}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={label('target')}
                      type="number"
                      step="any"
                      value={k.target}
                      onChange={(e) => set(i, { target: Number(e.target.value) })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={label('floor')}
                      type="number"
                      step="any"
                      value={k.floor}
                      onChange={(e) => set(i, { floor: Number(e.target.value) })}
                    />
                    {floorProblem && <div className="field-error">{floorProblem}</div>}
                  </td>
                  <td>
                    <select
                      aria-label={label('direction')}
                      value={k.direction}
                      onChange={(e) => set(i, { direction: e.target.value as Kpi['direction'] })}
                    >
                      <option value="higher">{t('analytics.assessment.higher')}</option>
                      <option value="lower">{t('analytics.assessment.lower')}</option>
                    </select>
                  </td>
                  <td>
                    <select
                      aria-label={label('rule')}
                      value={k.rule}
                      onChange={(e) => set(i, { rule: e.target.value as Kpi['rule'] })}
                    >
                      <option value="linear">{t('analytics.assessment.linear')}</option>
                      <option value="step">{t('analytics.assessment.step')}</option>
                    </select>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => {
                        setKpis(kpis.filter((_, j) => j !== i))
                        setRowKeys(rowKeys.filter((_, j) => j !== i))
                      }}
                      disabled={kpis.length === 1}
                    >
                      {t('analytics.assessment.remove')}
                    </button>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      <p className={sum === 100 ? 'muted' : 'field-error'} data-testid="kpi-weight-sum">
        {t('analytics.assessment.weightSum', { sum: Math.round(sum * 100) / 100 })}
      </p>
      {problemOf('kpis') && <p className="field-error">{problemOf('kpis')}</p>}
      {check.data?.valid && (
        <p className="muted" data-testid="kpi-valid">
          {t('analytics.assessment.valid')}
        </p>
      )}
      <ErrorBanner error={save.error} />
      <div className="form-actions">
        <button
          type="button"
          className="btn"
          onClick={() => {
            setKpis([...kpis, blankKpi()])
            setRowKeys([...rowKeys, newKey()])
          }}
          disabled={kpis.length >= 20}
        >
          {t('analytics.assessment.addKpi')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="scheme-save">
          {t('analytics.assessment.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('analytics.assessment.cancel')}
        </button>
      </div>
    </form>
  )
}

// ── Runs and rankings ────────────────────────────────────────────────────────────────────────

function RunsTab({ decider }: { decider: boolean }) {
  const { t, i18n } = useTranslation()
  const runs = useQuery(assessmentQueries.runs())
  const schemes = useQuery({ ...assessmentQueries.schemes(), enabled: decider })
  const [schemeId, setSchemeId] = useState('')
  const [period, setPeriod] = useState(lastMonth())
  const [idemKey, setIdemKey] = useState(newKey)
  const run = useMutation({
    mutationFn: () => assessmentApi.createRun({ schemeId: Number(schemeId), period }, idemKey),
    onSuccess: () => {
      setIdemKey(newKey())
      void assessmentChanged()
    },
  })
  return (
    <>
      {decider && (
        <form
          className="filters card run-form"
          onSubmit={(e) => {
            e.preventDefault()
            run.mutate()
          }}
        >
          <label htmlFor="run-scheme">{t('analytics.assessment.scheme')}</label>
          <select
            id="run-scheme"
            value={schemeId}
            onChange={(e) => setSchemeId(e.target.value)}
            required
            data-testid="run-scheme"
          >
            <option value="">{t('analytics.assessment.pickScheme')}</option>
            {schemes.data?.items.map((s) => (
              <option key={s.id} value={s.id}>
                {i18n.language === 'en' ? s.nameEn : s.nameZh}
              </option>
            ))}
          </select>
          <label htmlFor="run-period">{t('analytics.assessment.period')}</label>
          <input
            id="run-period"
            value={period}
            onChange={(e) => setPeriod(e.target.value)}
            pattern="\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?"
            required
            data-testid="run-period"
          />
          <button type="submit" className="btn btn-primary" disabled={run.isPending} data-testid="run-submit">
            {t('analytics.assessment.score')}
          </button>
          <ErrorBanner error={run.error} />
        </form>
      )}
      <QueryStatus query={runs} />
      {runs.data && (
        <div className="table-scroll">
          <table className="data-table" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">{t('analytics.assessment.scheme')}</th>
                <th scope="col">{t('analytics.assessment.period')}</th>
                <th scope="col">{t('analytics.assessment.units')}</th>
                <th scope="col">{t('analytics.assessment.asOf')}</th>
                <th scope="col">{t('analytics.assessment.status')}</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.items.map((r) => (
                <tr key={r.id}>
                  <td>
                    <a href={href('assessment', 'runs', r.id)} data-testid={`run-link-${r.id}`}>
                      {i18n.language === 'en' ? r.nameEn : r.nameZh} (v{r.schemeVersion})
                    </a>
                  </td>
                  <td>{r.period}</td>
                  <td>{r.units}</td>
                  <td>{formatDateTime(r.asOf)}</td>
                  <td>
                    {r.provisional
                      ? t('analytics.assessment.provisional')
                      : r.publishedAt
                        ? t('analytics.assessment.publishedUntil', { until: formatDateTime(r.appealUntil) })
                        : t('analytics.assessment.unpublished')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

function RunScores({ runId, decider, keeper }: { runId: number; decider: boolean; keeper: boolean }) {
  const { t, i18n } = useTranslation()
  const scores = useQuery(assessmentQueries.scores(runId))
  const [open, setOpen] = useState<number | null>(null)
  const publish = useMutation({
    mutationFn: () => assessmentApi.publish(runId),
    onSuccess: () => void assessmentChanged(),
  })
  const run = scores.data?.run
  const name = (x: { nameZh: string; nameEn: string }) => (i18n.language === 'en' ? x.nameEn : x.nameZh)
  return (
    <>
      <p>
        <a href={href('assessment', 'runs')}>{t('analytics.assessment.backToRuns')}</a>
      </p>
      <QueryStatus query={scores} />
      {run && (
        <div className="card run-head" data-testid="run-head">
          <h2 className="section-title">
            {name(run)} · {run.period}
          </h2>
          <p className="muted">
            {t('analytics.assessment.runFacts', {
              version: run.schemeVersion,
              asOf: formatDateTime(run.asOf),
              area: localName(run.area),
            })}{' '}
            {run.provisional && <strong className="badge">{t('analytics.assessment.provisional')}</strong>}
            {run.publishedAt && t('analytics.assessment.publishedUntil', { until: formatDateTime(run.appealUntil) })}
          </p>
          {decider && !run.publishedAt && !run.provisional && (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => publish.mutate()}
              data-testid="run-publish"
            >
              {t('analytics.assessment.publish')}
            </button>
          )}
          <ErrorBanner error={publish.error} />
        </div>
      )}
      {scores.data && (
        <div className="table-scroll">
          <table className="data-table" data-testid="scores-table">
            <thead>
              <tr>
                <th scope="col">{t('analytics.assessment.rank')}</th>
                <th scope="col">{t('analytics.assessment.unitName')}</th>
                <th scope="col">{t('analytics.assessment.scoreCol')}</th>
                <th scope="col">{t('analytics.assessment.corrected')}</th>
                <th scope="col">{t('analytics.assessment.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {scores.data.items.map((s) => (
                <Fragment key={s.id}>
                  <tr data-testid={`score-row-${s.code ?? s.id}`}>
                    <td>{s.rank ?? '—'}</td>
                    <td>{name(s)}</td>
                    <td>{s.score ?? '—'}</td>
                    <td>
                      {s.correctedScore !== null
                        ? t('analytics.assessment.correctedTo', {
                            score: s.correctedScore,
                            rank: s.currentRank ?? '—',
                            reason: s.correctionReason,
                          })
                        : ''}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-expanded={open === s.id}
                        onClick={() => setOpen(open === s.id ? null : s.id)}
                        data-testid={`score-open-${s.code ?? s.id}`}
                      >
                        {t('analytics.assessment.breakdown')}
                      </button>
                    </td>
                  </tr>
                  {open === s.id && (
                    <tr className="score-detail">
                      <td colSpan={5}>
                        <Breakdown score={s} />
                        {run?.publishedAt && <AppealForm score={s} />}
                        {keeper && <SanctionForm score={s} />}
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

function Breakdown({ score }: { score: Score }) {
  const { t, i18n } = useTranslation()
  return (
    <div className="breakdown" data-testid="score-breakdown">
      <table className="data-table">
        <caption>{t('analytics.assessment.breakdown')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('analytics.assessment.kpi.kpiNameZh')}</th>
            <th scope="col">{t('analytics.assessment.kpi.formula')}</th>
            <th scope="col">{t('analytics.assessment.value')}</th>
            <th scope="col">{t('analytics.assessment.kpi.target')}</th>
            <th scope="col">{t('analytics.assessment.points')}</th>
            <th scope="col">{t('analytics.assessment.kpi.weight')}</th>
          </tr>
        </thead>
        <tbody>
          {score.kpis.map((k) => (
            <tr key={k.code}>
              <td>{i18n.language === 'en' ? k.nameEn : k.nameZh}</td>
              <td>
                <code>{k.formula}</code>
              </td>
              <td>{k.value ?? '—'}</td>
              <td>{k.target}</td>
              <td>{k.points ?? '—'}</td>
              <td>{k.weight}%</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        {t('analytics.assessment.inputs')}:{' '}
        {Object.entries(score.inputs)
          .map(([n, v]) => `${n} = ${v ?? '—'}`)
          .join(' · ')}
      </p>
      {score.adjustments.map((a) => (
        <p key={a.id} className="muted">
          {t('analytics.assessment.adjustment', { from: a.from ?? '—', to: a.to, reason: a.reason, by: a.decidedBy })}
        </p>
      ))}
    </div>
  )
}

function AppealForm({ score }: { score: Score }) {
  const { t } = useTranslation()
  const [reason, setReason] = useState('')
  const [idemKey] = useState(newKey)
  const file = useMutation({
    mutationFn: () => assessmentApi.appeal(score.id, reason, idemKey),
    onSuccess: () => void assessmentChanged(),
  })
  if (file.isSuccess) return <p data-testid="appeal-filed">{t('analytics.assessment.appealFiled')}</p>
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault()
        file.mutate()
      }}
    >
      <label htmlFor={`appeal-${score.id}`}>{t('analytics.assessment.appealReason')}</label>
      <textarea
        id={`appeal-${score.id}`}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        required
        maxLength={2000}
        rows={2}
      />
      <button type="submit" className="btn" disabled={file.isPending} data-testid="appeal-submit">
        {t('analytics.assessment.appeal')}
      </button>
      <ErrorBanner error={file.error} />
    </form>
  )
}

function SanctionForm({ score }: { score: Score }) {
  const { t } = useTranslation()
  const [kind, setKind] = useState<(typeof KINDS)[number]>('commendation')
  const [amount, setAmount] = useState('')
  const [reason, setReason] = useState('')
  const [idemKey, setIdemKey] = useState(newKey)
  const propose = useMutation({
    mutationFn: () =>
      assessmentApi.propose(
        { scoreId: score.id, kind, reason, ...(amount ? { amount: Number(amount) } : {}) },
        idemKey,
      ),
    onSuccess: () => {
      setIdemKey(newKey())
      void assessmentChanged()
    },
  })
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault()
        propose.mutate()
      }}
    >
      <label htmlFor={`kind-${score.id}`}>{t('analytics.assessment.kind')}</label>
      <select id={`kind-${score.id}`} value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])}>
        {KINDS.map((k) => (
          <option key={k} value={k}>
            {t(`analytics.assessment.kinds.${k}`)}
          </option>
        ))}
      </select>
      <label htmlFor={`amount-${score.id}`}>{t('analytics.assessment.amount')}</label>
      <input
        id={`amount-${score.id}`}
        type="number"
        min="0"
        step="0.01"
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
      />
      <label htmlFor={`sreason-${score.id}`}>{t('analytics.assessment.reason')}</label>
      <input
        id={`sreason-${score.id}`}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        required
        maxLength={2000}
      />
      <button type="submit" className="btn" disabled={propose.isPending} data-testid="sanction-propose">
        {t('analytics.assessment.propose')}
      </button>
      {propose.isSuccess && <span className="muted">{t('analytics.assessment.proposed')}</span>}
      <ErrorBanner error={propose.error} />
    </form>
  )
}

// ── Appeals ──────────────────────────────────────────────────────────────────────────────────

function AppealsTab({ decider }: { decider: boolean }) {
  const { t, i18n } = useTranslation()
  const list = useQuery(assessmentQueries.appeals())
  return (
    <>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('analytics.assessment.noAppeals')}</p>}
      {list.data && list.data.items.length > 0 && (
        <div className="table-scroll">
          <table className="data-table" data-testid="appeals-table">
            <thead>
              <tr>
                <th scope="col">{t('analytics.assessment.unitName')}</th>
                <th scope="col">{t('analytics.assessment.period')}</th>
                <th scope="col">{t('analytics.assessment.scoreCol')}</th>
                <th scope="col">{t('analytics.assessment.appealReason')}</th>
                <th scope="col">{t('analytics.assessment.status')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((a) => (
                <tr key={a.id} data-testid={`appeal-row-${a.id}`}>
                  <td>{i18n.language === 'en' ? a.unitNameEn : a.unitNameZh}</td>
                  <td>
                    <a href={href('assessment', 'runs', a.runId)}>{a.period}</a>
                  </td>
                  <td>{a.score ?? '—'}</td>
                  <td>
                    {a.reason}
                    <div className="muted">
                      {a.filedBy} · {formatDateTime(a.filedAt)}
                    </div>
                  </td>
                  <td>
                    {a.status === 'open' && decider ? (
                      <DecideAppeal id={a.id} />
                    ) : (
                      <>
                        {t(`analytics.assessment.appealStatus.${a.status}`)}
                        {a.correctedScore !== null && ` → ${a.correctedScore}`}
                        {a.decisionNote && <div className="muted">{a.decisionNote}</div>}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

function DecideAppeal({ id }: { id: number }) {
  const { t } = useTranslation()
  const [decision, setDecision] = useState<'uphold' | 'correct'>('uphold')
  const [score, setScore] = useState('')
  const [note, setNote] = useState('')
  const decide = useMutation({
    mutationFn: () =>
      assessmentApi.decideAppeal(id, {
        decision,
        note,
        ...(decision === 'correct' ? { correctedScore: Number(score) } : {}),
      }),
    onSuccess: () => void assessmentChanged(),
  })
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault()
        decide.mutate()
      }}
    >
      <label htmlFor={`decision-${id}`}>{t('analytics.assessment.decision')}</label>
      <select
        id={`decision-${id}`}
        value={decision}
        onChange={(e) => setDecision(e.target.value as 'uphold' | 'correct')}
      >
        <option value="uphold">{t('analytics.assessment.uphold')}</option>
        <option value="correct">{t('analytics.assessment.correct')}</option>
      </select>
      {decision === 'correct' && (
        <>
          <label htmlFor={`corrected-${id}`}>{t('analytics.assessment.correctedScore')}</label>
          <input
            id={`corrected-${id}`}
            type="number"
            min="0"
            max="100"
            step="0.01"
            value={score}
            onChange={(e) => setScore(e.target.value)}
            required
          />
        </>
      )}
      <label htmlFor={`note-${id}`}>{t('analytics.assessment.reason')}</label>
      <input id={`note-${id}`} value={note} onChange={(e) => setNote(e.target.value)} required maxLength={2000} />
      <button type="submit" className="btn btn-primary" disabled={decide.isPending} data-testid={`appeal-decide-${id}`}>
        {t('analytics.assessment.decide')}
      </button>
      <ErrorBanner error={decide.error} />
    </form>
  )
}

// ── Rewards and penalties ────────────────────────────────────────────────────────────────────

function SanctionsTab({ decider, user }: { decider: boolean; user: User }) {
  const { t, i18n } = useTranslation()
  const list = useQuery(assessmentQueries.sanctions())
  const decide = useMutation({
    mutationFn: (v: { id: number; decision: 'approve' | 'reject' }) =>
      assessmentApi.decideSanction(v.id, { decision: v.decision }),
    onSuccess: () => void assessmentChanged(),
  })
  return (
    <>
      <QueryStatus query={list} />
      <ErrorBanner error={decide.error} />
      {list.data && (
        <div className="table-scroll">
          <table className="data-table" data-testid="sanctions-table">
            <thead>
              <tr>
                <th scope="col">{t('analytics.assessment.unitName')}</th>
                <th scope="col">{t('analytics.assessment.period')}</th>
                <th scope="col">{t('analytics.assessment.kind')}</th>
                <th scope="col">{t('analytics.assessment.amount')}</th>
                <th scope="col">{t('analytics.assessment.reason')}</th>
                <th scope="col">{t('analytics.assessment.scoreCol')}</th>
                <th scope="col">{t('analytics.assessment.status')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((x) => (
                <tr key={x.id} data-testid={`sanction-row-${x.id}`}>
                  <td>
                    {i18n.language === 'en' ? x.unitNameEn : x.unitNameZh}
                    {x.person && ` · ${x.person}`}
                  </td>
                  <td>{x.period}</td>
                  <td>{t(`analytics.assessment.kinds.${x.kind}`)}</td>
                  <td>{x.amount ?? ''}</td>
                  <td>
                    {x.reason}
                    <div className="muted">
                      {x.proposedBy} · {formatDateTime(x.proposedAt)}
                    </div>
                  </td>
                  <td>{x.score ?? '—'}</td>
                  <td>
                    {t(`analytics.assessment.sanctionStatus.${x.status}`)}
                    {x.approver && <div className="muted">{x.approver}</div>}
                    {x.status === 'proposed' && decider && x.proposedBy !== user.displayName && (
                      <div className="form-actions">
                        <button
                          type="button"
                          className="btn btn-small btn-primary"
                          onClick={() => decide.mutate({ id: x.id, decision: 'approve' })}
                          data-testid={`sanction-approve-${x.id}`}
                        >
                          {t('analytics.assessment.approve')}
                        </button>
                        <button
                          type="button"
                          className="btn btn-small"
                          onClick={() => decide.mutate({ id: x.id, decision: 'reject' })}
                        >
                          {t('analytics.assessment.reject')}
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}
