import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import { responseApi, responseChanged, responseQueries, type Task, type TaskAction } from './api'
import { Problem, TaskActions, TaskFacts, TaskStatusChip } from './common'

/** The caller's tasks across active incidents, for a phone: start, complete with what was done. */
export function MyTasks({ staff }: { staff: boolean }) {
  const { t, i18n } = useTranslation()
  const mine = useQuery(responseQueries.myTasks())
  const [error, setError] = useState<unknown>(null)
  const act = useMutation({
    mutationFn: ({ task, action, result }: { task: Task; action: TaskAction; result?: string }) =>
      responseApi.taskAction(task.incidentId, task.id, action, result),
    onSuccess: () => {
      setError(null)
      void responseChanged()
    },
    onError: setError,
  })
  const items = mine.data?.items ?? []
  return (
    <div className="response-mine" data-testid="my-tasks">
      {staff && (
        <nav className="response-links" aria-label={t('emergency.response.inventory')}>
          <a className="btn" href={routes.emergency('response', 'resources')} data-testid="link-resources">
            {t('emergency.response.resources.inventory')}
          </a>
          <a className="btn" href={routes.emergency('response', 'shelters')} data-testid="link-shelters">
            {t('emergency.response.shelters.inventory')}
          </a>
        </nav>
      )}
      <h2>{t('emergency.response.mine.title')}</h2>
      <p className="muted">{t('emergency.response.mine.intro')}</p>
      <QueryStatus query={mine} />
      <Problem error={error} testId="my-task-error" />
      {mine.data && items.length === 0 && (
        <p className="muted empty" data-testid="my-tasks-empty">
          {t('emergency.response.mine.none')}
        </p>
      )}
      <ul className="card-list">
        {items.map((task) => (
          <li
            key={task.id}
            className="card response-task"
            data-testid="my-task"
            data-id={task.id}
            data-status={task.status}
          >
            <p className="muted response-incident">
              {task.drill && <span className="chip response-drill">{t('emergency.response.drill')}</span>}
              <a href={routes.emergency('incidents', task.incidentId)}>{task.incidentTitle}</a>
              {' · '}
              <a href={routes.emergency('response', 'incidents', task.incidentId)} data-testid="my-task-board">
                {t('emergency.response.mine.board')}
              </a>
            </p>
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
}
