import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { call, client, downloadFile } from '../../../api'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { coursesApi } from '../courses/api'
import {
  type EnrolmentFilter,
  type Figures,
  type LearnerRole,
  learnerRoles,
  learningApi,
  learningChanged,
  learningQueries,
  newKey,
} from '../learn/api'
import { dueText, EnrolmentBadge } from '../learn/common'
import '../learn/learn.css'
import type { SectionProps } from '../section'

const PAGE_SIZE = 25

/**
 * Training records for the keepers: completion by child area and role (#/training/records, or
 * #/training/records/<areaId> for an area below), the enrolments behind the figures with filters,
 * assigning by hand, the assignment rules, and the export of every enrolment.
 */
export function RecordsSection({ params }: SectionProps) {
  const areaId = Number(params[0]) > 0 ? Number(params[0]) : undefined
  const [filter, setFilter] = useState<EnrolmentFilter>({})
  return (
    <div className="learn learn-records" data-testid="training-records">
      <CompletionTable areaId={areaId} onPick={(f) => setFilter(f)} />
      <EnrolmentList areaId={areaId} filter={filter} setFilter={setFilter} />
      <AssignByHand />
      <Rules areaId={areaId} />
    </div>
  )
}

const pct = (n: number | null) => (n === null ? '—' : `${n}%`)

function FigureCells({ f, onPick }: { f: Figures; onPick: (extra: EnrolmentFilter) => void }) {
  const link = (n: number, extra: EnrolmentFilter, testId?: string) =>
    n === 0 ? (
      <>0</>
    ) : (
      <button type="button" className="link-button" onClick={() => onPick(extra)} data-testid={testId}>
        {n}
      </button>
    )
  return (
    <>
      <td className="num">{link(f.enrolled, {})}</td>
      <td className="num">{link(f.completed, { status: 'completed' })}</td>
      <td className="num">{f.completedOnTime}</td>
      <td className="num">{f.late}</td>
      <td className="num">{link(f.overdue, { overdue: true })}</td>
      <td className="num" data-testid="records-rate">
        {pct(f.completionRate)}
      </td>
      <td className="num">{f.averageBestScore ?? '—'}</td>
    </>
  )
}

/** The completion table's figure columns, in order. */
const figureColumns = ['enrolled', 'completed', 'onTime', 'late', 'overdue', 'rate', 'average'] as const

function CompletionTable({ areaId, onPick }: { areaId?: number; onPick: (f: EnrolmentFilter) => void }) {
  const { t } = useTranslation()
  const q = useQuery({ ...learningQueries.stats(areaId ? { areaId } : {}), placeholderData: keepPreviousData })
  const s = q.data
  const download = useMutation({
    mutationFn: (format: 'csv' | 'xlsx') =>
      downloadFile(learningApi.exportRecords(s?.area.id, format), `training-records.${format}`),
  })
  const head = (
    <tr>
      <th scope="col">{t('training.records.area')}</th>
      {figureColumns.map((c) => (
        <th key={c} scope="col" className="num">
          {t(`training.records.${c}`)}
        </th>
      ))}
    </tr>
  )
  return (
    <section className="card" aria-labelledby="records-completion">
      <h2 id="records-completion">
        {t('training.records.completion')}
        {s && <> · {localName(s.area)}</>}
      </h2>
      <QueryStatus query={q} />
      {s && (
        <>
          <div className="learn-table-wrap">
            <table className="learn-table" data-testid="records-stats">
              <thead>{head}</thead>
              <tbody>
                <tr className="total" data-testid="records-total">
                  <th scope="row">{t('training.records.total')}</th>
                  <FigureCells f={s.figures} onPick={(f) => onPick({ ...f, areaId: s.area.id })} />
                </tr>
                {s.roles.map((r) => (
                  <tr key={r.role} data-testid={`records-role-${r.role}`}>
                    <th scope="row" className="muted">
                      · {t(`roles.${r.role}`)}
                    </th>
                    <FigureCells f={r.figures} onPick={(f) => onPick({ ...f, areaId: s.area.id, role: r.role })} />
                  </tr>
                ))}
                {s.children
                  .filter((c) => c.figures.enrolled > 0)
                  .map((c) => (
                    <tr key={c.area.id} data-testid={`records-child-${c.area.code}`}>
                      <th scope="row">
                        <a href={routes.training('records', c.area.id)}>{localName(c.area)}</a>
                      </th>
                      <FigureCells f={c.figures} onPick={(f) => onPick({ ...f, areaId: c.area.id })} />
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
          <div className="learn-filters">
            <button
              type="button"
              className="btn btn-small"
              onClick={() => download.mutate('xlsx')}
              data-testid="records-export-xlsx"
            >
              {t('training.records.exportXlsx')}
            </button>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => download.mutate('csv')}
              data-testid="records-export-csv"
            >
              {t('training.records.exportCsv')}
            </button>
          </div>
          <ErrorBanner error={download.error} />
        </>
      )}
    </section>
  )
}

function EnrolmentList({
  areaId,
  filter,
  setFilter,
}: {
  areaId?: number
  filter: EnrolmentFilter
  setFilter: (f: EnrolmentFilter) => void
}) {
  const { t, i18n } = useTranslation()
  const [page, setPage] = useState(1)
  const query: EnrolmentFilter = { ...(areaId ? { areaId } : {}), ...filter, page, pageSize: PAGE_SIZE }
  const q = useQuery({ ...learningQueries.enrolments(query), placeholderData: keepPreviousData })
  const set = (f: EnrolmentFilter) => {
    setPage(1)
    setFilter(f)
  }
  return (
    <section className="card" aria-labelledby="records-enrolments">
      <h2 id="records-enrolments">{t('training.records.enrolments')}</h2>
      <div className="learn-filters">
        <label className="field">
          <span className="field-label">{t('training.records.status')}</span>
          <select
            value={filter.overdue ? 'overdue' : (filter.status ?? '')}
            onChange={(e) => {
              const v = e.target.value
              const { status: _s, overdue: _o, ...rest } = filter
              set(
                v === 'overdue'
                  ? { ...rest, overdue: true }
                  : v
                    ? { ...rest, status: v as EnrolmentFilter['status'] }
                    : rest,
              )
            }}
            data-testid="records-filter-status"
          >
            <option value="">{t('training.records.all')}</option>
            <option value="overdue">{t('training.records.overdue')}</option>
            {(['assigned', 'in_progress', 'completed'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`training.learn.statuses.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('training.records.role')}</span>
          <select
            value={filter.role ?? ''}
            onChange={(e) => {
              const { role: _r, ...rest } = filter
              set(e.target.value ? { ...rest, role: e.target.value as LearnerRole } : rest)
            }}
          >
            <option value="">{t('training.records.all')}</option>
            {learnerRoles.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryStatus query={q} />
      {q.data && q.data.items.length === 0 && <p className="empty">{t('training.records.noEnrolments')}</p>}
      {q.data && q.data.items.length > 0 && (
        <div className="learn-table-wrap">
          <table className="learn-table" data-testid="records-enrolment-list">
            <thead>
              <tr>
                <th scope="col">{t('training.records.learner')}</th>
                <th scope="col">{t('training.records.course')}</th>
                <th scope="col">{t('training.records.area')}</th>
                <th scope="col">{t('training.records.status')}</th>
                <th scope="col">{t('training.records.due')}</th>
                <th scope="col" className="num">
                  {t('training.records.score')}
                </th>
                <th scope="col">{t('training.records.certificate')}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((e) => (
                <tr key={e.id} data-testid={`records-enrolment-${e.id}`}>
                  <td>
                    {e.learner.name ?? `#${e.learner.id}`}
                    <div className="muted">{t(`roles.${e.role}`)}</div>
                  </td>
                  <td>{e.course.title}</td>
                  <td>{localName(e.area)}</td>
                  <td>
                    <EnrolmentBadge e={e} />{' '}
                    <span className="muted">
                      {e.lessonsDone}/{e.lessons}
                    </span>
                  </td>
                  <td>{dueText(e.dueAt, i18n.language) ?? '—'}</td>
                  <td className="num">{e.bestScore ?? '—'}</td>
                  <td>{e.certificateNo ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {q.data && <Pager page={page} pageSize={PAGE_SIZE} total={q.data.total} onPage={setPage} />}
    </section>
  )
}

const dayAfter = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)

function usePublishedCourses() {
  return useQuery({
    queryKey: ['training', 'learning', 'published-courses'],
    queryFn: ({ signal }) => coursesApi.list({ status: 'published', pageSize: 200 }, signal),
  })
}

function AssignByHand() {
  const { t } = useTranslation()
  const courses = usePublishedCourses()
  const [courseId, setCourseId] = useState(0)
  const [search, setSearch] = useState('')
  const [chosen, setChosen] = useState<{ id: number; name: string }[]>([])
  const [due, setDue] = useState(dayAfter(14))
  const users = useQuery({
    queryKey: ['training', 'learning', 'users', search],
    queryFn: ({ signal }) =>
      call(client.GET('/api/v1/users', { params: { query: { q: search, pageSize: 10 } }, signal })),
    enabled: search.trim().length > 0,
  })
  const enrol = useMutation({
    mutationFn: () =>
      learningApi.enrol(
        { courseId, userIds: chosen.map((u) => u.id), dueAt: new Date(`${due}T23:59:59+08:00`).toISOString() },
        newKey(),
      ),
    onSuccess: async () => {
      setChosen([])
      await learningChanged()
    },
  })
  return (
    <section className="card" aria-labelledby="records-assign">
      <h2 id="records-assign">{t('training.records.assign')}</h2>
      <div className="learn-form">
        <label className="field">
          <span className="field-label">{t('training.records.course')}</span>
          <select
            value={courseId}
            onChange={(e) => setCourseId(Number(e.target.value))}
            data-testid="records-assign-course"
          >
            <option value={0}>—</option>
            {courses.data?.items.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('training.records.findUser')}</span>
          <input value={search} onChange={(e) => setSearch(e.target.value)} data-testid="records-assign-search" />
        </label>
        <label className="field">
          <span className="field-label">{t('training.records.due')}</span>
          <input type="date" value={due} onChange={(e) => setDue(e.target.value)} />
        </label>
      </div>
      {users.data && (
        <ul className="chips">
          {users.data.items
            .filter((u) => !chosen.some((c) => c.id === u.id))
            .map((u) => (
              <li key={u.id}>
                <button
                  type="button"
                  className="chip"
                  onClick={() => setChosen([...chosen, { id: u.id, name: u.displayName }])}
                >
                  + {u.displayName} ({u.username})
                </button>
              </li>
            ))}
        </ul>
      )}
      {chosen.length > 0 && (
        <p>
          {t('training.records.chosen')}{' '}
          {chosen.map((u) => (
            <button
              key={u.id}
              type="button"
              className="chip"
              onClick={() => setChosen(chosen.filter((c) => c.id !== u.id))}
              aria-label={t('training.records.remove', { name: u.name })}
            >
              {u.name} ×
            </button>
          ))}
        </p>
      )}
      <ErrorBanner error={enrol.error} />
      {enrol.data && (
        <p className="hint" role="status">
          {t('training.records.enrolledResult', {
            made: enrol.data.enrolled.length,
            kept: enrol.data.alreadyEnrolled.length,
          })}
        </p>
      )}
      <button
        type="button"
        className="btn btn-primary"
        disabled={!courseId || chosen.length === 0 || enrol.isPending}
        onClick={() => enrol.mutate()}
        data-testid="records-assign-submit"
      >
        {t('training.records.assignSubmit')}
      </button>
    </section>
  )
}

function Rules({ areaId }: { areaId?: number }) {
  const { t } = useTranslation()
  const stats = useQuery(learningQueries.stats(areaId ? { areaId } : {}))
  const target = areaId ?? stats.data?.area.id
  const q = useQuery({ ...learningQueries.rules(target ? { areaId: target } : {}), enabled: !!target })
  const courses = usePublishedCourses()
  const [courseId, setCourseId] = useState(0)
  const [role, setRole] = useState<LearnerRole>('grid_worker')
  const [dueDays, setDueDays] = useState(14)
  const create = useMutation({
    mutationFn: () => learningApi.createRule({ courseId, areaId: target!, role, dueDays }, newKey()),
    onSuccess: learningChanged,
  })
  const toggle = useMutation({
    mutationFn: ({ id, active }: { id: number; active: boolean }) => learningApi.setRuleActive(id, active),
    onSuccess: learningChanged,
  })
  return (
    <section className="card" aria-labelledby="records-rules">
      <h2 id="records-rules">{t('training.records.rules')}</h2>
      <p className="muted">{t('training.records.rulesHint')}</p>
      <QueryStatus query={q} />
      {q.data && q.data.items.length > 0 && (
        <div className="learn-table-wrap">
          <table className="learn-table" data-testid="records-rules">
            <thead>
              <tr>
                <th scope="col">{t('training.records.course')}</th>
                <th scope="col">{t('training.records.area')}</th>
                <th scope="col">{t('training.records.role')}</th>
                <th scope="col" className="num">
                  {t('training.records.dueDays')}
                </th>
                <th scope="col" className="num">
                  {t('training.records.enrolled')}
                </th>
                <th scope="col">
                  <span className="visually-hidden">{t('training.records.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((r) => (
                <tr key={r.id} className={r.active ? '' : 'muted'}>
                  <td>{r.course.title}</td>
                  <td>{localName(r.area)}</td>
                  <td>{t(`roles.${r.role}`)}</td>
                  <td className="num">{r.dueDays}</td>
                  <td className="num">{r.enrolled}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => toggle.mutate({ id: r.id, active: !r.active })}
                    >
                      {t(r.active ? 'training.records.deactivate' : 'training.records.activate')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="learn-form">
        <label className="field">
          <span className="field-label">{t('training.records.course')}</span>
          <select value={courseId} onChange={(e) => setCourseId(Number(e.target.value))}>
            <option value={0}>—</option>
            {courses.data?.items.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('training.records.role')}</span>
          <select value={role} onChange={(e) => setRole(e.target.value as LearnerRole)}>
            {learnerRoles.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('training.records.dueDays')}</span>
          <input type="number" min={1} max={365} value={dueDays} onChange={(e) => setDueDays(Number(e.target.value))} />
        </label>
        <button
          type="button"
          className="btn btn-primary"
          disabled={!courseId || !target || create.isPending}
          onClick={() => create.mutate()}
        >
          {t('training.records.addRule')}
        </button>
      </div>
      <ErrorBanner error={create.error ?? toggle.error} />
      {create.data && (
        <p className="hint" role="status">
          {t('training.records.ruleMade', { n: create.data.enrolled })}
        </p>
      )}
    </section>
  )
}
