import { useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { type ChartOption, EChart } from '../../../components/EChart'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import {
  ATTACHMENT_ACCEPT,
  type Milestone,
  money,
  type ProjectAction,
  type ProjectDetail,
  projectApi,
  projectChanged,
  projectQueries,
} from './api'
import { StateChip } from './common'

const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)

/** A project: terms, the milestone board, spending, reports, evaluations and the actions of its state. */
export function ProjectPage({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const query = useQuery(projectQueries.detail(id))
  const p = query.data
  if (!p) return <QueryStatus query={query} />
  return (
    <article className="project-page" data-testid="project-page" data-id={p.id} data-status={p.status}>
      <a href={routes.services('projects')} className="back-link">
        {t('services.projects.back')}
      </a>
      <div className="project-head">
        <h2 className="section-title">{p.title}</h2>
        <StateChip state={p.status} />
      </div>
      <dl className="facts">
        <dt>{t('services.projects.reference')}</dt>
        <dd>{p.reference}</dd>
        <dt>{t('services.projects.organisation')}</dt>
        <dd>
          <a href={routes.services('projects', 'organisations', p.organisation.id)}>{p.organisation.name ?? '—'}</a>
        </dd>
        <dt>{t('services.projects.department')}</dt>
        <dd>{localName(p.department, lng)}</dd>
        <dt>{t('services.projects.area')}</dt>
        <dd>{localName(p.area, lng)}</dd>
        <dt>{t('services.projects.term')}</dt>
        <dd>
          {p.startsOn} – {p.endsOn} ({t('services.projects.elapsed', { pct: p.termElapsed })})
        </dd>
        {p.finalScore !== null && (
          <>
            <dt>{t('services.projects.finalScore')}</dt>
            <dd data-testid="project-final-score">{p.finalScore}</dd>
          </>
        )}
      </dl>
      <p className="project-scope">{p.scope}</p>
      <Actions project={p} />
      <Spending project={p} />
      <h3 className="section-title">{t('services.projects.indicators')}</h3>
      <ul className="indicator-list">
        {p.indicators.map((i) => (
          <li key={i.id}>
            <strong>{i.name}</strong> · {t('services.projects.weight')} {i.weight}%{i.target ? ` · ${i.target}` : ''}
          </li>
        ))}
      </ul>
      <Board project={p} />
      {p.canReport && p.status === 'active' && <ReportForm project={p} />}
      <Reports project={p} />
      <Evaluations project={p} />
    </article>
  )
}

function Actions({ project: p }: { project: ProjectDetail }) {
  const { t } = useTranslation()
  const [reason, setReason] = useState('')
  const act = useMutation({
    mutationFn: (action: ProjectAction) => projectApi.act(p.id, action, action === 'terminate' ? reason : undefined),
    onSuccess: projectChanged,
  })
  if (!p.canManage) return null
  return (
    <div className="project-actions" data-testid="project-actions">
      {p.status === 'draft' && (
        <a className="btn" href={routes.services('projects', p.id, 'edit')} data-testid="project-edit">
          {t('services.projects.edit')}
        </a>
      )}
      {p.allowedActions
        .filter((a) => a !== 'terminate')
        .map((a) => (
          <button
            key={a}
            type="button"
            className="btn btn-primary"
            disabled={act.isPending}
            onClick={() => act.mutate(a)}
            data-testid={`project-action-${a}`}
          >
            {t(`services.projects.actions.${a}`)}
          </button>
        ))}
      {p.allowedActions.includes('terminate') && (
        <span className="terminate">
          <label className="field-inline">
            <span>{t('services.projects.reason')}</span>
            <input value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button
            type="button"
            className="btn btn-danger"
            disabled={act.isPending || !reason.trim()}
            onClick={() => act.mutate('terminate')}
            data-testid="project-action-terminate"
          >
            {t('services.projects.actions.terminate')}
          </button>
        </span>
      )}
      <ErrorBanner error={act.error} testId="project-action-error" />
    </div>
  )
}

function Spending({ project: p }: { project: ProjectDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', max: p.budget },
      yAxis: {
        type: 'category',
        data: [t('services.projects.spent'), t('services.projects.planned'), t('services.projects.budget')],
      },
      series: [
        {
          type: 'bar',
          data: [
            { value: p.spent, itemStyle: { color: p.spent / p.budget >= 0.9 ? '#c0392b' : '#2f7d5b' } },
            { value: p.milestones.reduce((s, m) => s + m.payment, 0), itemStyle: { color: '#8aa4c8' } },
            { value: p.budget, itemStyle: { color: '#d0d7de' } },
          ],
        },
      ],
    }),
    [p, t],
  )
  return (
    <section className="project-spending" aria-labelledby="project-spending-title">
      <h3 className="section-title" id="project-spending-title">
        {t('services.projects.spending')}
      </h3>
      <p data-testid="project-budget">
        {t('services.projects.spentOf', { spent: money(p.spent, lng), budget: money(p.budget, lng) })} ·{' '}
        {t('services.projects.remaining')}: {money(p.remaining, lng)}
      </p>
      <EChart
        option={option}
        height={140}
        testId="project-spending-chart"
        label={t('services.projects.spentOf', { spent: money(p.spent, lng), budget: money(p.budget, lng) })}
      />
    </section>
  )
}

const columns = ['pending', 'reported', 'evaluated'] as const

/** The milestone board: pending, reported (waiting for evaluation) and evaluated. */
function Board({ project: p }: { project: ProjectDetail }) {
  const { t } = useTranslation()
  return (
    <section aria-labelledby="milestone-board-title">
      <h3 className="section-title" id="milestone-board-title">
        {t('services.projects.board')}
      </h3>
      <div className="milestone-board" data-testid="milestone-board">
        {columns.map((c) => {
          const items = p.milestones.filter((m) => m.status === c)
          return (
            <section key={c} className="milestone-column" data-testid={`milestone-column-${c}`}>
              <h4>
                {t(`services.projects.milestoneStates.${c}`)} ({items.length})
              </h4>
              <ul>
                {items.map((m) => (
                  <MilestoneCard key={m.id} project={p} milestone={m} />
                ))}
              </ul>
            </section>
          )
        })}
      </div>
    </section>
  )
}

function MilestoneCard({ project: p, milestone: m }: { project: ProjectDetail; milestone: Milestone }) {
  const { t, i18n } = useTranslation()
  const [evaluating, setEvaluating] = useState(false)
  const evaluation = p.evaluations.find((e) => e.milestoneId === m.id)
  return (
    <li className={`card milestone-card${m.overdue ? ' overdue' : ''}`} data-testid="milestone-card" data-id={m.id}>
      <strong>
        {m.position}. {m.title}
      </strong>
      <p className="muted">
        {t('services.projects.due')}: {m.dueOn}
        {m.overdue && <span className="chip chip-warn"> {t('services.projects.overdue')}</span>}
      </p>
      <p className="muted">
        {t('services.projects.payment')}: {money(m.payment, i18n.language)}
      </p>
      <p className="milestone-deliverables">{m.deliverables}</p>
      {evaluation && (
        <p data-testid="milestone-score">
          {t('services.projects.score')}: <strong>{evaluation.total}</strong>
        </p>
      )}
      {m.status === 'reported' && p.canReport && !evaluating && (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setEvaluating(true)}
          data-testid="milestone-evaluate"
        >
          {t('services.projects.evaluate')}
        </button>
      )}
      {evaluating && <EvaluationForm project={p} milestoneId={m.id} onDone={() => setEvaluating(false)} />}
    </li>
  )
}

/** A progress report on the organisation's behalf, with an optional milestone and file. */
function ReportForm({ project: p }: { project: ProjectDetail }) {
  const { t } = useTranslation()
  const [key, setKey] = useState(newIdempotencyKey)
  const [milestoneId, setMilestoneId] = useState('')
  const [reportedOn, setReportedOn] = useState(today)
  const [summary, setSummary] = useState('')
  const [spent, setSpent] = useState('0')
  const [file, setFile] = useState<File | null>(null)
  const [fileKey, setFileKey] = useState(0)
  const save = useMutation({
    mutationFn: async () => {
      const detail = await projectApi.report(
        p.id,
        {
          ...(milestoneId ? { milestoneId: Number(milestoneId) } : {}),
          reportedOn,
          summary,
          spent: Number(spent),
        },
        key,
      )
      if (file) {
        const reportId = detail.reports[0]?.id
        if (reportId) await projectApi.attach(p.id, reportId, file, `${key}-file`)
        return projectApi.detail(p.id)
      }
      return detail
    },
    onSuccess: async (d) => {
      await projectChanged(d)
      setKey(newIdempotencyKey())
      setSummary('')
      setSpent('0')
      setMilestoneId('')
      setFile(null)
      setFileKey((k) => k + 1)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <form className="card project-form" onSubmit={submit} data-testid="report-form">
      <h3 className="section-title">{t('services.projects.reportTitle')}</h3>
      <p className="muted">{t('services.projects.reportHint')}</p>
      <label className="field">
        <span>{t('services.projects.milestone')}</span>
        <select value={milestoneId} onChange={(e) => setMilestoneId(e.target.value)} data-testid="report-milestone">
          <option value="">{t('services.projects.noMilestone')}</option>
          {p.milestones
            .filter((m) => m.status !== 'evaluated')
            .map((m) => (
              <option key={m.id} value={m.id}>
                {m.position}. {m.title}
              </option>
            ))}
        </select>
      </label>
      <label className="field">
        <span>{t('services.projects.reportedOn')}</span>
        <input type="date" required value={reportedOn} onChange={(e) => setReportedOn(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('services.projects.summary')}</span>
        <textarea
          required
          maxLength={8000}
          value={summary}
          onChange={(e) => setSummary(e.target.value)}
          data-testid="report-summary"
        />
      </label>
      <label className="field">
        <span>{t('services.projects.spentThisPeriod')}</span>
        <input
          type="number"
          min={0}
          step="0.01"
          required
          value={spent}
          onChange={(e) => setSpent(e.target.value)}
          data-testid="report-spent"
        />
      </label>
      <label className="field">
        <span>{t('services.projects.attachment')}</span>
        <input
          key={fileKey}
          type="file"
          accept={ATTACHMENT_ACCEPT}
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          data-testid="report-file"
        />
      </label>
      <ErrorBanner error={save.error} testId="report-error" />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="report-submit">
          {t('services.projects.submitReport')}
        </button>
      </div>
    </form>
  )
}

function Reports({ project: p }: { project: ProjectDetail }) {
  const { t, i18n } = useTranslation()
  if (p.reports.length === 0) return null
  const titleOf = (id: number | null) => p.milestones.find((m) => m.id === id)?.title
  return (
    <section aria-labelledby="project-reports-title">
      <h3 className="section-title" id="project-reports-title">
        {t('services.projects.reports')}
      </h3>
      <ul className="card-list">
        {p.reports.map((r) => (
          <li key={r.id} className="card" data-testid="report-item" data-id={r.id}>
            <p className="muted">
              {r.reportedOn} · {money(r.spent, i18n.language)}
              {r.milestoneId !== null && ` · ${titleOf(r.milestoneId) ?? ''}`}
              {r.createdBy && ` · ${r.createdBy}`}
            </p>
            <p>{r.summary}</p>
            {r.attachments.length > 0 && (
              <ul className="attachment-list">
                {r.attachments.map((f) => (
                  <li key={f.id}>
                    <a
                      href={projectApi.fileUrl(p.id, r.id, f.id)}
                      target="_blank"
                      rel="noreferrer"
                      data-testid="report-attachment"
                    >
                      {f.fileName}
                    </a>{' '}
                    <span className="muted">({Math.ceil(f.size / 1024)} KB)</span>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}

function Evaluations({ project: p }: { project: ProjectDetail }) {
  const { t } = useTranslation()
  const final = p.evaluations.find((e) => e.milestoneId === null)
  const [open, setOpen] = useState(false)
  const nameOf = (id: number) => p.indicators.find((i) => i.id === id)?.name ?? id
  return (
    <section aria-labelledby="project-evaluations-title">
      <h3 className="section-title" id="project-evaluations-title">
        {t('services.projects.evaluations')}
      </h3>
      {p.evaluations.length === 0 && <p className="muted">{t('services.projects.noEvaluations')}</p>}
      <ul className="card-list">
        {p.evaluations.map((e) => (
          <li key={e.id} className="card" data-testid="evaluation-item">
            <p>
              <strong>
                {e.milestoneId === null
                  ? t('services.projects.finalEvaluation')
                  : (p.milestones.find((m) => m.id === e.milestoneId)?.title ?? '')}
              </strong>{' '}
              · {t('services.projects.score')} {e.total}
              {e.evaluatedBy && ` · ${e.evaluatedBy}`}
            </p>
            <ul>
              {e.scores.map((s) => (
                <li key={s.indicatorId}>
                  {nameOf(s.indicatorId)}: {s.score} — {s.reason}
                </li>
              ))}
            </ul>
            <p className="muted">{e.conclusion}</p>
          </li>
        ))}
      </ul>
      {p.status === 'completed' && p.canReport && !final && !open && (
        <button type="button" className="btn btn-primary" onClick={() => setOpen(true)} data-testid="final-evaluate">
          {t('services.projects.finalEvaluate')}
        </button>
      )}
      {open && <EvaluationForm project={p} milestoneId={null} onDone={() => setOpen(false)} />}
    </section>
  )
}

/** A score and a reason per indicator, and a conclusion; the weighted total is the server's. */
function EvaluationForm({
  project: p,
  milestoneId,
  onDone,
}: {
  project: ProjectDetail
  milestoneId: number | null
  onDone: () => void
}) {
  const { t } = useTranslation()
  const [key] = useState(newIdempotencyKey)
  const [scores, setScores] = useState(() => p.indicators.map((i) => ({ indicatorId: i.id, score: '', reason: '' })))
  const [conclusion, setConclusion] = useState('')
  const save = useMutation({
    mutationFn: () =>
      projectApi.evaluate(
        p.id,
        {
          milestoneId,
          scores: scores.map((s) => ({ indicatorId: s.indicatorId, score: Number(s.score), reason: s.reason })),
          conclusion,
        },
        key,
      ),
    onSuccess: async (d) => {
      await projectChanged(d)
      onDone()
    },
  })
  const weighted = scores.reduce((sum, s, i) => sum + (Number(s.score) || 0) * (p.indicators[i]?.weight ?? 0), 0) / 100
  const set = (i: number, patch: Partial<(typeof scores)[number]>) =>
    setScores((all) => all.map((s, k) => (k === i ? { ...s, ...patch } : s)))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  const formId = `eval-${milestoneId ?? 'final'}`
  return (
    <form className="project-form evaluation-form" onSubmit={submit} data-testid="evaluation-form">
      {p.indicators.map((ind, i) => (
        <fieldset key={ind.id} className="plain-fieldset evaluation-row">
          <legend>
            {ind.name} ({t('services.projects.weight')} {ind.weight}%)
          </legend>
          <label className="field-inline">
            <span>{t('services.projects.score')}</span>
            <input
              id={`${formId}-score-${i}`}
              type="number"
              min={0}
              max={100}
              step="0.5"
              required
              value={scores[i]?.score ?? ''}
              onChange={(e) => set(i, { score: e.target.value })}
              data-testid="evaluation-score"
            />
          </label>
          <label className="field">
            <span>{t('services.projects.scoreReason')}</span>
            <input
              maxLength={2000}
              value={scores[i]?.reason ?? ''}
              onChange={(e) => set(i, { reason: e.target.value })}
              data-testid="evaluation-reason"
            />
          </label>
        </fieldset>
      ))}
      <label className="field">
        <span>{t('services.projects.conclusion')}</span>
        <textarea
          required
          maxLength={4000}
          value={conclusion}
          onChange={(e) => setConclusion(e.target.value)}
          data-testid="evaluation-conclusion"
        />
      </label>
      <p className="muted" aria-live="polite">
        {t('services.projects.weightedTotal', { total: weighted.toFixed(2) })}
      </p>
      <ErrorBanner error={save.error} testId="evaluation-error" />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="evaluation-submit">
          {t('services.projects.submitEvaluation')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('services.projects.cancel')}
        </button>
      </div>
    </form>
  )
}
