import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { money, type ProjectState, type ProjectView, projectQueries, projectStates } from './api'
import { BudgetBar, StateChip } from './common'

const PAGE_SIZE = 20

/** Projects the caller may see (service staff of the area, the contracting department): active first. */
export function ProjectList({ staff }: { staff: boolean }) {
  const { t } = useTranslation()
  const [status, setStatus] = useState<ProjectState | ''>('')
  const [page, setPage] = useState(1)
  const list = useQuery({
    ...projectQueries.list({ page, pageSize: PAGE_SIZE, ...(status ? { status } : {}) }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  return (
    <div data-testid="project-list">
      <div className="projects-toolbar">
        <p className="muted">{t('services.projects.list.intro')}</p>
        <label className="field-inline">
          <span>{t('services.projects.statusLabel')}</span>
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as ProjectState | '')
              setPage(1)
            }}
            data-testid="project-filter-status"
          >
            <option value="">{t('services.projects.all')}</option>
            {projectStates.map((s) => (
              <option key={s} value={s}>
                {t(`services.projects.states.${s}`)}
              </option>
            ))}
          </select>
        </label>
        {staff && (
          <a className="btn btn-primary" href={routes.services('projects', 'new')} data-testid="project-new">
            {t('services.projects.list.new')}
          </a>
        )}
      </div>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && <p className="muted empty">{t('services.projects.list.empty')}</p>}
      {data && data.items.length > 0 && (
        <ul className="card-list project-cards" aria-label={t('services.projects.nav.projects')}>
          {data.items.map((p) => (
            <ProjectCard key={p.id} project={p} />
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function ProjectCard({ project: p }: { project: ProjectView }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <li className="card project-card" data-testid="project-card" data-id={p.id} data-status={p.status}>
      <div className="project-card-head">
        <a href={routes.services('projects', p.id)} className="project-card-title">
          {p.title}
        </a>
        <StateChip state={p.status} />
      </div>
      <p className="muted">
        {p.reference} · {p.organisation.name ?? '—'} · {localName(p.department, lng)}
      </p>
      <p className="muted">
        {t('services.projects.term')}: {p.startsOn} – {p.endsOn} · {t('services.projects.budget')}:{' '}
        {money(p.budget, lng)}
        {p.finalScore !== null && ` · ${t('services.projects.finalScore')}: ${p.finalScore}`}
      </p>
      <BudgetBar budget={p.budget} spent={p.spent} />
    </li>
  )
}
