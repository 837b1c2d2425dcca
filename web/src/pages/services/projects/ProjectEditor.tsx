import { useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { type ProjectDetail, projectApi, projectChanged, projectQueries } from './api'

interface IndicatorRow {
  name: string
  target: string
  weight: string
}
interface MilestoneRow {
  title: string
  deliverables: string
  dueOn: string
  payment: string
}

const blankIndicator = (): IndicatorRow => ({ name: '', target: '', weight: '' })
const blankMilestone = (): MilestoneRow => ({ title: '', deliverables: '', dueOn: '', payment: '0' })

/** Draft a project, or rewrite a draft: its terms, indicator rows (weights sum to 100) and milestone rows. */
export function ProjectEditor({ editId }: { editId?: number }) {
  const existing = useQuery({ ...projectQueries.detail(editId ?? 0), enabled: editId !== undefined })
  if (editId !== undefined && !existing.data) return <QueryStatus query={existing} />
  return <Editor initial={existing.data} />
}

function Editor({ initial }: { initial?: ProjectDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [key] = useState(newIdempotencyKey)
  const departments = useQuery(queries.departments())
  const organisations = useQuery(projectQueries.organisations({ status: 'active', pageSize: 500 }))
  const [areaId, setAreaId] = useState(initial ? String(initial.area.id) : '')
  const [departmentId, setDepartmentId] = useState(initial ? String(initial.department.id) : '')
  const [organisationId, setOrganisationId] = useState(initial ? String(initial.organisation.id) : '')
  const [title, setTitle] = useState(initial?.title ?? '')
  const [scope, setScope] = useState(initial?.scope ?? '')
  const [budget, setBudget] = useState(initial ? String(initial.budget) : '')
  const [startsOn, setStartsOn] = useState(initial?.startsOn ?? '')
  const [endsOn, setEndsOn] = useState(initial?.endsOn ?? '')
  const [indicators, setIndicators] = useState<IndicatorRow[]>(
    initial
      ? initial.indicators.map((i) => ({ name: i.name, target: i.target ?? '', weight: String(i.weight) }))
      : [blankIndicator()],
  )
  const [milestones, setMilestones] = useState<MilestoneRow[]>(
    initial
      ? initial.milestones.map((m) => ({
          title: m.title,
          deliverables: m.deliverables,
          dueOn: m.dueOn,
          payment: String(m.payment),
        }))
      : [blankMilestone()],
  )
  useEffect(() => {
    if (!departmentId && departments.data?.[0]) setDepartmentId(String(departments.data[0].id))
  }, [departments.data, departmentId])
  const weightSum = indicators.reduce((s, i) => s + (Number(i.weight) || 0), 0)
  const paymentSum = milestones.reduce((s, m) => s + (Number(m.payment) || 0), 0)
  const terms = () => ({
    departmentId: Number(departmentId),
    organisationId: Number(organisationId),
    title,
    scope,
    budget: Number(budget),
    startsOn,
    endsOn,
    indicators: indicators.map((i) => ({
      name: i.name,
      weight: Number(i.weight),
      ...(i.target.trim() ? { target: i.target } : {}),
    })),
    milestones: milestones.map((m) => ({
      title: m.title,
      deliverables: m.deliverables,
      dueOn: m.dueOn,
      payment: Number(m.payment) || 0,
    })),
  })
  const save = useMutation({
    mutationFn: () =>
      initial ? projectApi.update(initial.id, terms()) : projectApi.create({ areaId: Number(areaId), ...terms() }, key),
    onSuccess: async (d) => {
      await projectChanged(d)
      window.location.hash = routes.services('projects', d.id)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  const setI = (k: number, patch: Partial<IndicatorRow>) =>
    setIndicators((all) => all.map((r, i) => (i === k ? { ...r, ...patch } : r)))
  const setM = (k: number, patch: Partial<MilestoneRow>) =>
    setMilestones((all) => all.map((r, i) => (i === k ? { ...r, ...patch } : r)))
  return (
    <form className="project-form card" onSubmit={submit} data-testid="project-editor">
      <h2 className="section-title">
        {initial ? t('services.projects.editor.editTitle') : t('services.projects.editor.newTitle')}
      </h2>
      <QueryStatus query={[departments, organisations]} />
      {!initial && (
        <div className="field">
          <label htmlFor="project-area-select">{t('services.projects.area')}</label>
          <AreaSelect
            id="project-area-select"
            value={areaId}
            onChange={setAreaId}
            maxLevel="community"
            required
            testId="project-area"
          />
        </div>
      )}
      <label className="field">
        <span>{t('services.projects.department')}</span>
        <select
          required
          value={departmentId}
          onChange={(e) => setDepartmentId(e.target.value)}
          data-testid="project-department"
        >
          {(departments.data ?? []).map((d) => (
            <option key={d.id} value={d.id}>
              {localName(d, lng)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('services.projects.organisation')}</span>
        <select
          required
          value={organisationId}
          onChange={(e) => setOrganisationId(e.target.value)}
          data-testid="project-organisation"
        >
          <option value="">{t('services.projects.choose')}</option>
          {(organisations.data?.items ?? []).map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('services.projects.title')}</span>
        <input
          required
          maxLength={200}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          data-testid="project-title"
        />
      </label>
      <label className="field">
        <span>{t('services.projects.scope')}</span>
        <textarea
          required
          maxLength={8000}
          value={scope}
          onChange={(e) => setScope(e.target.value)}
          data-testid="project-scope"
        />
      </label>
      <div className="form-row">
        <label className="field">
          <span>{t('services.projects.budgetYuan')}</span>
          <input
            type="number"
            min={0.01}
            step="0.01"
            required
            value={budget}
            onChange={(e) => setBudget(e.target.value)}
            data-testid="project-budget-input"
          />
        </label>
        <label className="field">
          <span>{t('services.projects.startsOn')}</span>
          <input
            type="date"
            required
            value={startsOn}
            onChange={(e) => setStartsOn(e.target.value)}
            data-testid="project-starts"
          />
        </label>
        <label className="field">
          <span>{t('services.projects.endsOn')}</span>
          <input
            type="date"
            required
            value={endsOn}
            onChange={(e) => setEndsOn(e.target.value)}
            data-testid="project-ends"
          />
        </label>
      </div>

      <fieldset className="plain-fieldset editor-rows">
        <legend>
          {t('services.projects.indicators')} ·{' '}
          <span className={weightSum === 100 ? '' : 'warn'} data-testid="weight-sum">
            {t('services.projects.editor.weightSum', { sum: weightSum })}
          </span>
        </legend>
        {indicators.map((r, k) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and have no id yet
          <div key={k} className="editor-row" data-testid="indicator-row">
            <label className="field">
              <span>{t('services.projects.editor.indicatorName', { n: k + 1 })}</span>
              <input required maxLength={200} value={r.name} onChange={(e) => setI(k, { name: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('services.projects.editor.target')}</span>
              <input maxLength={500} value={r.target} onChange={(e) => setI(k, { target: e.target.value })} />
            </label>
            <label className="field narrow">
              <span>{t('services.projects.weight')}</span>
              <input
                type="number"
                min={1}
                max={100}
                required
                value={r.weight}
                onChange={(e) => setI(k, { weight: e.target.value })}
              />
            </label>
            {indicators.length > 1 && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setIndicators((all) => all.filter((_, i) => i !== k))}
              >
                {t('services.projects.editor.remove')}
              </button>
            )}
          </div>
        ))}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setIndicators((all) => [...all, blankIndicator()])}
          data-testid="indicator-add"
        >
          {t('services.projects.editor.addIndicator')}
        </button>
      </fieldset>

      <fieldset className="plain-fieldset editor-rows">
        <legend>
          {t('services.projects.milestones')} ·{' '}
          <span className={paymentSum > (Number(budget) || 0) ? 'warn' : ''}>
            {t('services.projects.editor.paymentSum', { sum: paymentSum })}
          </span>
        </legend>
        {milestones.map((r, k) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and have no id yet
          <div key={k} className="editor-row" data-testid="milestone-row">
            <label className="field">
              <span>{t('services.projects.editor.milestoneTitle', { n: k + 1 })}</span>
              <input required maxLength={200} value={r.title} onChange={(e) => setM(k, { title: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('services.projects.deliverables')}</span>
              <input
                required
                maxLength={4000}
                value={r.deliverables}
                onChange={(e) => setM(k, { deliverables: e.target.value })}
              />
            </label>
            <label className="field narrow">
              <span>{t('services.projects.due')}</span>
              <input type="date" required value={r.dueOn} onChange={(e) => setM(k, { dueOn: e.target.value })} />
            </label>
            <label className="field narrow">
              <span>{t('services.projects.payment')}</span>
              <input
                type="number"
                min={0}
                step="0.01"
                value={r.payment}
                onChange={(e) => setM(k, { payment: e.target.value })}
              />
            </label>
            {milestones.length > 1 && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setMilestones((all) => all.filter((_, i) => i !== k))}
              >
                {t('services.projects.editor.remove')}
              </button>
            )}
          </div>
        ))}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setMilestones((all) => [...all, blankMilestone()])}
          data-testid="milestone-add"
        >
          {t('services.projects.editor.addMilestone')}
        </button>
      </fieldset>
      <ErrorBanner error={save.error} testId="project-editor-error" />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="project-save">
          {t('services.projects.save')}
        </button>
        <a className="btn" href={initial ? routes.services('projects', initial.id) : routes.services('projects')}>
          {t('services.projects.cancel')}
        </a>
      </div>
    </form>
  )
}
