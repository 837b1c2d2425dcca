import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { LocationPicker } from '../../../components/LocationPicker'
import { QueryStatus } from '../../../components/QueryStatus'
import type { LngLat } from '../../../types'
import type { PanelProps } from '../section'
import {
  responseApi,
  responseChanged,
  responseQueries,
  skills,
  type NewTask,
  type Skill,
  type Task,
  type TaskAction,
  type TaskStatus,
} from './api'
import { isoOf, Problem, Required, TaskActions, TaskFacts, TaskStatusChip } from './common'
import './response.css'

const ORDER: TaskStatus[] = ['in_progress', 'open', 'done', 'cancelled']

/** The command view's tasks by status (create and act on them) and the incident's responders. */
export function TasksPanel({ incidentId, active, commands }: PanelProps) {
  const { t, i18n } = useTranslation()
  const tasks = useQuery(responseQueries.tasks(incidentId, { pageSize: 200 }))
  const [error, setError] = useState<unknown>(null)
  const act = useMutation({
    mutationFn: ({ task, action, result }: { task: Task; action: TaskAction; result?: string }) =>
      responseApi.taskAction(incidentId, task.id, action, result),
    onSuccess: () => {
      setError(null)
      void responseChanged()
    },
    onError: setError,
  })
  const items = tasks.data?.items ?? []
  return (
    <section className="response-panel" aria-labelledby="tasks-panel-title" data-testid="tasks-panel">
      <h2 id="tasks-panel-title">{t('emergency.response.tasks.title')}</h2>
      {commands && active && <NewTaskForm incidentId={incidentId} />}
      <QueryStatus query={tasks} />
      <Problem error={error} testId="task-action-error" />
      {tasks.data && items.length === 0 && <p className="muted">{t('emergency.response.tasks.none')}</p>}
      {ORDER.map((status) => {
        const group = items.filter((x) => x.status === status)
        if (group.length === 0) return null
        return (
          <div key={status} className="response-group" data-testid={`task-group-${status}`}>
            <h3>
              {t(`emergency.response.tasks.status.${status}`)} <span className="muted">({group.length})</span>
            </h3>
            <ul className="card-list">
              {group.map((task) => (
                <li key={task.id} className="card response-task" data-testid="task-card" data-id={task.id}>
                  <div className="response-task-head">
                    <strong>{task.title}</strong>
                    {task.priority === 'urgent' && (
                      <span className="chip response-urgent">{t('emergency.response.tasks.urgent')}</span>
                    )}
                    <TaskStatusChip status={task.status} />
                  </div>
                  {task.description && <p>{task.description}</p>}
                  <TaskFacts task={task} lng={i18n.language} />
                  <TaskActions
                    task={task}
                    busy={act.isPending}
                    onAct={(action, result) => act.mutate({ task, action, result })}
                  />
                </li>
              ))}
            </ul>
          </div>
        )
      })}
      <Responders incidentId={incidentId} active={active} commands={commands} />
    </section>
  )
}

function NewTaskForm({ incidentId }: { incidentId: number }) {
  const { t } = useTranslation()
  const responders = useQuery(responseQueries.responders(incidentId))
  const config = useQuery(queries.config())
  const [open, setOpen] = useState(false)
  const [title, setTitle] = useState('')
  const [description, setDescription] = useState('')
  const [mode, setMode] = useState<'team' | 'assignee'>('assignee')
  const [team, setTeam] = useState('')
  const [assignee, setAssignee] = useState('')
  const [priority, setPriority] = useState<NewTask['priority']>('normal')
  const [due, setDue] = useState('')
  const [location, setLocation] = useState<LngLat | null>(null)
  const [pickPlace, setPickPlace] = useState(false)
  const [key, setKey] = useState(newIdempotencyKey)
  const create = useMutation({
    mutationFn: () =>
      responseApi.createTask(
        incidentId,
        {
          title: title.trim(),
          priority,
          ...(description.trim() ? { description: description.trim() } : {}),
          ...(mode === 'team' ? { team: team.trim() } : { assigneeId: Number(assignee) }),
          ...(due ? { dueAt: isoOf(due) } : {}),
          ...(location ? { location } : {}),
        },
        key,
      ),
    onSuccess: () => {
      setTitle('')
      setDescription('')
      setTeam('')
      setAssignee('')
      setDue('')
      setLocation(null)
      setPickPlace(false)
      setKey(newIdempotencyKey())
      setOpen(false)
      void responseChanged()
    },
  })
  const ready = title.trim().length >= 2 && (mode === 'team' ? team.trim().length > 0 : assignee !== '')
  if (!open)
    return (
      <button type="button" className="btn btn-primary" onClick={() => setOpen(true)} data-testid="task-new">
        {t('emergency.response.tasks.new')}
      </button>
    )
  return (
    <form
      className="card response-form"
      aria-labelledby="task-form-title"
      onSubmit={(e) => {
        e.preventDefault()
        if (ready) create.mutate()
      }}
      data-testid="task-form"
    >
      <h3 id="task-form-title">{t('emergency.response.tasks.new')}</h3>
      <label className="field">
        <span>
          {t('emergency.response.tasks.fields.title')}
          <Required />
        </span>
        <input value={title} maxLength={100} onChange={(e) => setTitle(e.target.value)} data-testid="task-title" />
      </label>
      <label className="field">
        <span>{t('emergency.response.tasks.fields.description')}</span>
        <textarea
          rows={2}
          maxLength={2000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          data-testid="task-description"
        />
      </label>
      <fieldset className="plain-fieldset response-mode">
        <legend>{t('emergency.response.tasks.fields.to')}</legend>
        {(['assignee', 'team'] as const).map((m) => (
          <label key={m} className="response-radio">
            <input
              type="radio"
              name="task-mode"
              checked={mode === m}
              onChange={() => setMode(m)}
              data-testid={`task-mode-${m}`}
            />
            {t(`emergency.response.tasks.fields.${m}`)}
          </label>
        ))}
      </fieldset>
      {mode === 'team' ? (
        <label className="field">
          <span>
            {t('emergency.response.tasks.fields.team')}
            <Required />
          </span>
          <input
            value={team}
            maxLength={100}
            placeholder={t('emergency.response.tasks.teamHint')}
            onChange={(e) => setTeam(e.target.value)}
            data-testid="task-team"
          />
        </label>
      ) : (
        <label className="field">
          <span>
            {t('emergency.response.tasks.fields.assignee')}
            <Required />
          </span>
          <select value={assignee} onChange={(e) => setAssignee(e.target.value)} data-testid="task-assignee">
            <option value="">{t('emergency.response.tasks.pickResponder')}</option>
            {(responders.data?.items ?? []).map((r) => (
              <option key={r.userId} value={r.userId}>
                {r.name}
                {r.openTasks > 0 ? ` (${t('emergency.response.responders.open', { n: r.openTasks })})` : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="field">
        <span>{t('emergency.response.tasks.fields.priority')}</span>
        <select
          value={priority}
          onChange={(e) => setPriority(e.target.value as NewTask['priority'])}
          data-testid="task-priority"
        >
          <option value="normal">{t('emergency.response.tasks.normal')}</option>
          <option value="urgent">{t('emergency.response.tasks.urgent')}</option>
        </select>
      </label>
      <label className="field">
        <span>{t('emergency.response.tasks.fields.due')}</span>
        <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} data-testid="task-due" />
      </label>
      <label className="response-radio">
        <input
          type="checkbox"
          checked={pickPlace}
          onChange={(e) => setPickPlace(e.target.checked)}
          data-testid="task-place-toggle"
        />
        {t('emergency.response.tasks.fields.location')}
      </label>
      {pickPlace && (
        <div className="response-map">
          <LocationPicker value={location} onChange={setLocation} config={config.data ?? null} focusAreaIds={[]} />
        </div>
      )}
      <Problem error={create.error} testId="task-form-error" />
      <div className="response-buttons">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={!ready || create.isPending}
          data-testid="task-submit"
        >
          {t('emergency.response.tasks.create')}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          {t('emergency.response.cancel')}
        </button>
      </div>
    </form>
  )
}

/** The incident's responders; the command enrols volunteers picked by skill and removes them. */
function Responders({ incidentId, active, commands }: { incidentId: number; active: boolean; commands: boolean }) {
  const { t } = useTranslation()
  const list = useQuery(responseQueries.responders(incidentId))
  const remove = useMutation({
    mutationFn: (userId: number) => responseApi.removeResponder(incidentId, userId),
    onSuccess: () => void responseChanged(),
  })
  return (
    <div className="response-group" data-testid="responders">
      <h3>{t('emergency.response.responders.title')}</h3>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('emergency.response.responders.none')}</p>}
      <ul className="response-rows">
        {(list.data?.items ?? []).map((r) => (
          <li key={r.userId} data-testid="responder" data-user={r.userId}>
            <span>
              <strong>{r.name}</strong>{' '}
              <span className="muted">
                {r.gridNames.length ? r.gridNames.join('、') : t('emergency.response.responders.allGrids')}
                {' · '}
                {t('emergency.response.responders.open', { n: r.openTasks })}
                {r.skills.length > 0 && ` · ${r.skills.map((s) => t(`emergency.response.skills.${s}`)).join('、')}`}
              </span>
            </span>
            {commands && active && (
              <button
                type="button"
                className="btn btn-small"
                disabled={remove.isPending}
                onClick={() => remove.mutate(r.userId)}
                aria-label={t('emergency.response.responders.removeWho', { name: r.name })}
              >
                {t('emergency.response.responders.remove')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <Problem error={remove.error} />
      {commands && active && <Enrol incidentId={incidentId} />}
    </div>
  )
}

function Enrol({ incidentId }: { incidentId: number }) {
  const { t } = useTranslation()
  const [skill, setSkill] = useState<Skill | ''>('')
  const [volunteer, setVolunteer] = useState('')
  const volunteers = useQuery(responseQueries.volunteers(skill))
  const enrol = useMutation({
    mutationFn: () => responseApi.enrol(incidentId, { volunteerId: Number(volunteer) }),
    onSuccess: () => {
      setVolunteer('')
      void responseChanged()
    },
  })
  const choices = (volunteers.data?.items ?? []).filter((v) => v.hasAccount && v.status === 'active')
  return (
    <form
      className="response-enrol"
      aria-label={t('emergency.response.responders.enrol')}
      onSubmit={(e) => {
        e.preventDefault()
        if (volunteer) enrol.mutate()
      }}
      data-testid="enrol-form"
    >
      <label className="field">
        <span>{t('emergency.response.responders.skill')}</span>
        <select value={skill} onChange={(e) => setSkill(e.target.value as Skill | '')} data-testid="enrol-skill">
          <option value="">{t('emergency.response.responders.anySkill')}</option>
          {skills.map((s) => (
            <option key={s} value={s}>
              {t(`emergency.response.skills.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('emergency.response.responders.volunteer')}</span>
        <select value={volunteer} onChange={(e) => setVolunteer(e.target.value)} data-testid="enrol-volunteer">
          <option value="">{t('emergency.response.responders.pick')}</option>
          {choices.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name} · {v.areaName}
            </option>
          ))}
        </select>
      </label>
      <Problem error={enrol.error} testId="enrol-error" />
      <button type="submit" className="btn" disabled={!volunteer || enrol.isPending} data-testid="enrol-submit">
        {t('emergency.response.responders.enrol')}
      </button>
    </form>
  )
}
