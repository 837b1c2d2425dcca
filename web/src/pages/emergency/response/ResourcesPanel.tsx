import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import type { PanelProps } from '../section'
import { responseApi, responseChanged, responseQueries, type Allocation } from './api'
import { Problem, Required, when } from './common'
import './response.css'

/** The command view's resources: the branch's stock, allocations to the incident (or a task), returns. */
export function ResourcesPanel({ incidentId, active, commands }: PanelProps) {
  const { t, i18n } = useTranslation()
  const allocations = useQuery(responseQueries.allocations(incidentId))
  return (
    <section className="response-panel" aria-labelledby="resources-panel-title" data-testid="resources-panel">
      <h2 id="resources-panel-title">{t('emergency.response.resources.title')}</h2>
      {commands && active && <AllocateForm incidentId={incidentId} />}
      <h3>{t('emergency.response.resources.allocated')}</h3>
      <QueryStatus query={allocations} />
      {allocations.data && allocations.data.items.length === 0 && (
        <p className="muted">{t('emergency.response.resources.noneAllocated')}</p>
      )}
      <ul className="response-rows">
        {(allocations.data?.items ?? []).map((a) => (
          <AllocationRow key={a.id} incidentId={incidentId} a={a} commands={commands} lng={i18n.language} />
        ))}
      </ul>
    </section>
  )
}

function AllocationRow({
  incidentId,
  a,
  commands,
  lng,
}: {
  incidentId: number
  a: Allocation
  commands: boolean
  lng: string
}) {
  const { t } = useTranslation()
  const [quantity, setQuantity] = useState(String(a.out))
  const back = useMutation({
    mutationFn: () => responseApi.giveBack(incidentId, a.id, Number(quantity)),
    onSuccess: () => void responseChanged(),
  })
  const fieldId = `return-${a.id}`
  return (
    <li data-testid="allocation" data-id={a.id}>
      <span>
        <strong>{a.resourceName ?? t('emergency.response.resources.hidden')}</strong>{' '}
        {t('emergency.response.resources.outOf', { out: a.out, quantity: a.quantity, unit: a.unit ?? '' })}
        {a.taskTitle && <span className="muted"> · {a.taskTitle}</span>}
        <span className="muted">
          {' · '}
          {a.allocatedBy} {when(a.allocatedAt, lng)}
        </span>
      </span>
      {commands && a.out > 0 && (
        <form
          className="response-inline"
          onSubmit={(e) => {
            e.preventDefault()
            back.mutate()
          }}
        >
          <label htmlFor={fieldId} className="visually-hidden">
            {t('emergency.response.resources.returnQuantity', { name: a.resourceName ?? '' })}
          </label>
          <input
            id={fieldId}
            type="number"
            min={1}
            max={a.out}
            value={quantity}
            onChange={(e) => setQuantity(e.target.value)}
            data-testid="return-quantity"
          />
          <button type="submit" className="btn btn-small" disabled={back.isPending} data-testid="return-submit">
            {t('emergency.response.resources.return')}
          </button>
          <Problem error={back.error} />
        </form>
      )}
    </li>
  )
}

function AllocateForm({ incidentId }: { incidentId: number }) {
  const { t } = useTranslation()
  const stock = useQuery(responseQueries.resources({ pageSize: 500 }))
  const tasks = useQuery(responseQueries.tasks(incidentId, { pageSize: 200 }))
  const [resource, setResource] = useState('')
  const [quantity, setQuantity] = useState('')
  const [task, setTask] = useState('')
  const [key, setKey] = useState(newIdempotencyKey)
  const allocate = useMutation({
    mutationFn: () =>
      responseApi.allocate(
        incidentId,
        { resourceId: Number(resource), quantity: Number(quantity), ...(task ? { taskId: Number(task) } : {}) },
        key,
      ),
    onSuccess: () => {
      setQuantity('')
      setTask('')
      setKey(newIdempotencyKey())
      void responseChanged()
    },
  })
  const chosen = stock.data?.items.find((r) => String(r.id) === resource)
  const ready = !!chosen && Number(quantity) >= 1
  return (
    <form
      className="card response-form"
      aria-labelledby="allocate-title"
      onSubmit={(e) => {
        e.preventDefault()
        if (ready) allocate.mutate()
      }}
      data-testid="allocate-form"
    >
      <h3 id="allocate-title">{t('emergency.response.resources.allocate')}</h3>
      <QueryStatus query={stock} />
      <label className="field">
        <span>
          {t('emergency.response.resources.resource')}
          <Required />
        </span>
        <select value={resource} onChange={(e) => setResource(e.target.value)} data-testid="allocate-resource">
          <option value="">{t('emergency.response.resources.pick')}</option>
          {(stock.data?.items ?? []).map((r) => (
            <option key={r.id} value={r.id} disabled={r.available === 0}>
              {r.name} · {r.areaName} · {t('emergency.response.resources.available', { n: r.available, unit: r.unit })}
            </option>
          ))}
        </select>
      </label>
      {chosen && (
        <div className="response-stock" aria-hidden="true">
          <meter min={0} max={chosen.quantity} value={chosen.available} />
        </div>
      )}
      <label className="field">
        <span>
          {t('emergency.response.resources.quantity')}
          <Required />
        </span>
        <input
          type="number"
          min={1}
          value={quantity}
          onChange={(e) => setQuantity(e.target.value)}
          data-testid="allocate-quantity"
        />
      </label>
      <label className="field">
        <span>{t('emergency.response.resources.forTask')}</span>
        <select value={task} onChange={(e) => setTask(e.target.value)} data-testid="allocate-task">
          <option value="">{t('emergency.response.resources.noTask')}</option>
          {(tasks.data?.items ?? [])
            .filter((x) => x.status === 'open' || x.status === 'in_progress')
            .map((x) => (
              <option key={x.id} value={x.id}>
                {x.title}
              </option>
            ))}
        </select>
      </label>
      <Problem error={allocate.error} testId="allocate-error" />
      <button
        type="submit"
        className="btn btn-primary"
        disabled={!ready || allocate.isPending}
        data-testid="allocate-submit"
      >
        {t('emergency.response.resources.allocate')}
      </button>
    </form>
  )
}
