import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { errorText } from '../../../i18n'
import type { Task, TaskAction } from './api'

/** An error of a mutation, translated by its code, announced to screen readers. */
export function Problem({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null
  return (
    <p className="form-error response-error" role="alert" data-testid={testId}>
      {errorText(error)}
    </p>
  )
}

export function Required() {
  const { t } = useTranslation()
  return (
    <abbr className="required" title={t('emergency.response.required')}>
      *
    </abbr>
  )
}

/** A time as the screens show it: the day and the hour, in the user's language. */
export function when(iso: string | null, lng: string): string {
  if (!iso) return ''
  return new Date(iso).toLocaleString(lng === 'en' ? 'en-GB' : 'zh-CN', {
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  })
}

/** A `datetime-local` value as the API's ISO timestamp (undefined when empty). */
export const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined)

export function TaskStatusChip({ status }: { status: Task['status'] }) {
  const { t } = useTranslation()
  return (
    <span className={`chip response-status response-status-${status}`} data-testid="task-status" data-status={status}>
      {t(`emergency.response.tasks.status.${status}`)}
    </span>
  )
}

/**
 * The buttons of a task's allowed actions; complete asks for what was done first. `onAct` runs the
 * action (with the result for complete).
 */
export function TaskActions({
  task,
  busy,
  onAct,
}: {
  task: Task
  busy: boolean
  onAct: (action: TaskAction, result?: string) => void
}) {
  const { t } = useTranslation()
  const [completing, setCompleting] = useState(false)
  const [result, setResult] = useState('')
  if (task.allowedActions.length === 0) return null
  const fieldId = `task-result-${task.id}`
  return (
    <div className="response-task-actions">
      {completing ? (
        <form
          className="response-complete"
          onSubmit={(e) => {
            e.preventDefault()
            if (result.trim()) onAct('complete', result.trim())
          }}
        >
          <label className="field" htmlFor={fieldId}>
            <span>
              {t('emergency.response.tasks.result')}
              <Required />
            </span>
            <textarea
              id={fieldId}
              rows={2}
              maxLength={2000}
              value={result}
              onChange={(e) => setResult(e.target.value)}
              data-testid="task-result"
            />
          </label>
          <div className="response-buttons">
            <button
              type="submit"
              className="btn btn-primary"
              disabled={busy || !result.trim()}
              data-testid="task-complete-submit"
            >
              {t('emergency.response.tasks.actions.complete')}
            </button>
            <button type="button" className="btn" onClick={() => setCompleting(false)}>
              {t('emergency.response.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <div className="response-buttons">
          {task.allowedActions.map((a) => (
            <button
              key={a}
              type="button"
              className={`btn${a === 'start' || a === 'complete' ? ' btn-primary' : ''}`}
              disabled={busy}
              onClick={() => (a === 'complete' ? setCompleting(true) : onAct(a))}
              data-testid={`task-action-${a}`}
            >
              {t(`emergency.response.tasks.actions.${a}`)}
            </button>
          ))}
        </div>
      )}
    </div>
  )
}

/** What a task says about itself: who, where, when. */
export function TaskFacts({ task, lng }: { task: Task; lng: string }) {
  const { t } = useTranslation()
  return (
    <dl className="response-facts">
      <div>
        <dt>{t('emergency.response.tasks.who')}</dt>
        <dd>{task.assigneeName ?? task.team ?? ''}</dd>
      </div>
      {task.gridName && (
        <div>
          <dt>{t('emergency.response.tasks.grid')}</dt>
          <dd>{task.gridName}</dd>
        </div>
      )}
      {task.dueAt && (
        <div>
          <dt>{t('emergency.response.tasks.due')}</dt>
          <dd>{when(task.dueAt, lng)}</dd>
        </div>
      )}
      {task.location && (
        <div>
          <dt>{t('emergency.response.tasks.location')}</dt>
          <dd>
            <a
              href={`https://uri.amap.com/marker?position=${task.location.lng},${task.location.lat}`}
              target="_blank"
              rel="noreferrer"
            >
              {task.location.lat.toFixed(5)}, {task.location.lng.toFixed(5)}
            </a>
          </dd>
        </div>
      )}
      {task.result && (
        <div>
          <dt>{t('emergency.response.tasks.result')}</dt>
          <dd>{task.result}</dd>
        </div>
      )}
    </dl>
  )
}
