import { useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, Fragment, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../components/QueryStatus'
import { errorText, formatDateTime } from '../../i18n'
import { routes } from '../../router'
import {
  type ComponentDetail,
  type ComponentState,
  componentQueries,
  componentStates,
  componentsApi,
  componentsChanged,
} from './api'
import { ClassName, StateBadge } from './common'

/** One component: its facts, its state (changed here by its keepers) and the cases about it. */
export function ComponentDetailView({ componentId }: { componentId: number }) {
  const { t } = useTranslation()
  const detail = useQuery(componentQueries.detail(componentId))
  return (
    <div className="component-detail" data-testid="component-detail">
      <a className="back-link" href={routes.components()}>
        ← {t('components.detail.back')}
      </a>
      <QueryStatus query={detail} />
      {detail.data && <Facts c={detail.data} />}
    </div>
  )
}

function Facts({ c }: { c: ComponentDetail }) {
  const { t, i18n } = useTranslation()
  const en = i18n.language === 'en'
  const attributes = Object.entries(c.attributes)
  return (
    <>
      <h2 data-testid="component-title">
        {c.name} <code>{c.code}</code> <StateBadge state={c.state} />
      </h2>
      <div className="component-columns">
        <section className="card" aria-labelledby="component-facts">
          <h3 id="component-facts">{t('components.detail.facts')}</h3>
          <dl className="facts">
            <dt>{t('components.inventory.class')}</dt>
            <dd>
              <ClassName item={c} />
            </dd>
            <dt>{t('components.detail.category')}</dt>
            <dd>
              {c.category.code} {en ? c.category.nameEn : c.category.nameZh}
            </dd>
            <dt>{t('components.inventory.area')}</dt>
            <dd>{en ? c.area.nameEn : c.area.nameZh}</dd>
            <dt>{t('components.detail.address')}</dt>
            <dd>{c.address ?? '—'}</dd>
            <dt>{t('components.detail.location')}</dt>
            <dd>
              {c.location.lng.toFixed(6)}, {c.location.lat.toFixed(6)}
            </dd>
            <dt>{t('components.inventory.owner')}</dt>
            <dd data-testid="component-owner">
              {c.owner ? (en ? c.owner.nameEn : c.owner.nameZh) : t('components.inventory.noOwner')}
            </dd>
            {c.stateNote && (
              <>
                <dt>{t('components.detail.stateNote')}</dt>
                <dd>{c.stateNote}</dd>
              </>
            )}
            {c.stateChangedAt && (
              <>
                <dt>{t('components.detail.stateChangedAt')}</dt>
                <dd>{formatDateTime(c.stateChangedAt)}</dd>
              </>
            )}
            {attributes.map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>{String(v)}</dd>
              </Fragment>
            ))}
          </dl>
          {c.canEdit && <StateForm c={c} />}
        </section>
        <section className="card" aria-labelledby="component-cases">
          <h3 id="component-cases">
            {t('components.detail.cases')} <span className="muted">({c.caseCount})</span>
          </h3>
          {c.cases.length === 0 ? (
            <p className="muted">{t('components.detail.noCases')}</p>
          ) : (
            <ul className="component-cases" data-testid="component-cases">
              {c.cases.map((k) => (
                <li key={k.id} data-testid="component-case">
                  <a href={routes.case(k.id)}>{k.trackingCode}</a>{' '}
                  <span className="badge">{t(`caseStates.${k.state}`)}</span> {en ? k.categoryNameEn : k.categoryNameZh}{' '}
                  · {formatDateTime(k.submittedAt)}
                  <br />
                  <span className="muted">{k.description}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  )
}

function StateForm({ c }: { c: ComponentDetail }) {
  const { t } = useTranslation()
  const [state, setState] = useState<ComponentState>(c.state)
  const [note, setNote] = useState('')
  const stateField = useId()
  const noteField = useId()
  const save = useMutation({
    mutationFn: () =>
      componentsApi.update(c.id, { version: c.version, state, ...(note.trim() ? { stateNote: note.trim() } : {}) }),
    onSuccess: () => {
      setNote('')
      void componentsChanged()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!save.isPending) save.mutate()
  }
  return (
    <form className="component-state-form" onSubmit={submit} data-testid="component-state-form">
      <h4>{t('components.detail.changeState')}</h4>
      <label className="field" htmlFor={stateField}>
        <span>{t('components.inventory.state')}</span>
        <select
          id={stateField}
          value={state}
          onChange={(e) => setState(e.target.value as ComponentState)}
          data-testid="component-state-select"
        >
          {componentStates.map((s) => (
            <option key={s} value={s}>
              {t(`components.inventory.states.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor={noteField}>
        <span>{t('components.detail.stateNote')}</span>
        <input
          id={noteField}
          value={note}
          maxLength={500}
          onChange={(e) => setNote(e.target.value)}
          data-testid="component-state-note"
        />
      </label>
      {save.error && (
        <p className="form-error" role="alert">
          {errorText(save.error)}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="component-state-save">
        {t('components.detail.save')}
      </button>
    </form>
  )
}
