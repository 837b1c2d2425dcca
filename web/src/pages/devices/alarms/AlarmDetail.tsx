import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import { type AlarmDetail as Detail, alarmApi, alarmQueries, alarmsChanged, KNOCK_TAGS, type Review } from './api'
import { AlarmStatusBadge, ResidentsTable, SeverityBadge, useKindText } from './common'

/** One alarm: what happened, the device, the building and whom to knock on, the timeline, the case. */
export function AlarmDetailPage({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const kindText = useKindText()
  const query = useQuery(alarmQueries.detail(id))
  const a = query.data
  return (
    <div data-testid="alarm-detail" data-id={id} data-status={a?.status}>
      <a className="back-link" href={routes.devices('alarms')}>
        {t('devices.alarms.back')}
      </a>
      <QueryStatus query={query} />
      {a && (
        <>
          <h2 className="alarm-title">
            {kindText(a.kind)} · {a.device.name}
          </h2>
          <div className="alarm-card-head">
            <SeverityBadge severity={a.severity} />
            <AlarmStatusBadge status={a.status} />
            <span className="badge badge-muted">{t(`devices.alarms.actions.${a.action}`)}</span>
          </div>
          <div className="alarm-detail">
            <section className="card" aria-labelledby="alarm-what">
              <h3 id="alarm-what">{t('devices.alarms.what')}</h3>
              <dl className="alarm-facts">
                <dt>{t('devices.alarms.fields.kind')}</dt>
                <dd>{kindText(a.kind)}</dd>
                {a.value !== null && (
                  <>
                    <dt>{t('devices.alarms.fields.value')}</dt>
                    <dd data-testid="alarm-value">{a.value}</dd>
                  </>
                )}
                <dt>{t('devices.alarms.fields.raisedAt')}</dt>
                <dd>{formatDateTime(a.raisedAt, i18n.language)}</dd>
                <dt>{t('devices.alarms.fields.lastAt')}</dt>
                <dd>
                  {formatDateTime(a.lastAt, i18n.language)} ({t('devices.alarms.occurrences', { count: a.occurrences })}
                  )
                </dd>
                {a.clearedAt && (
                  <>
                    <dt>{t('devices.alarms.fields.clearedAt')}</dt>
                    <dd>{formatDateTime(a.clearedAt, i18n.language)}</dd>
                  </>
                )}
                {a.rule && (
                  <>
                    <dt>{t('devices.alarms.fields.rule')}</dt>
                    <dd>{a.rule.name}</dd>
                  </>
                )}
                <dt>{t('devices.alarms.fields.area')}</dt>
                <dd>{localName(a.area, i18n.language)}</dd>
              </dl>
              <Links alarm={a} />
              <Actions alarm={a} />
            </section>
            <section className="card" aria-labelledby="alarm-device">
              <h3 id="alarm-device">{t('devices.alarms.device')}</h3>
              <dl className="alarm-facts">
                <dt>{t('devices.alarms.fields.code')}</dt>
                <dd className="mono">{a.device.code}</dd>
                <dt>{t('devices.alarms.fields.type')}</dt>
                <dd>{t(`devices.alarms.types.${a.device.type}`)}</dd>
                <dt>{t('devices.alarms.fields.deviceState')}</dt>
                <dd data-testid="alarm-device-state">{t(`devices.alarms.deviceStates.${a.device.state}`)}</dd>
                {a.device.faultReason && (
                  <>
                    <dt>{t('devices.alarms.fields.faultReason')}</dt>
                    <dd>{a.device.faultReason}</dd>
                  </>
                )}
                {a.device.place && (
                  <>
                    <dt>{t('devices.alarms.fields.place')}</dt>
                    <dd>{a.device.place}</dd>
                  </>
                )}
                <dt>{t('devices.alarms.fields.owner')}</dt>
                <dd>{a.device.owner ?? '—'}</dd>
                <dt>{t('devices.alarms.fields.location')}</dt>
                <dd className="mono">
                  {a.device.location.lng.toFixed(5)}, {a.device.location.lat.toFixed(5)}
                </dd>
              </dl>
              <a href={routes.devices('registry', a.device.id)}>{t('devices.alarms.openDevice')}</a>
            </section>
            <section className="card alarm-wide" aria-labelledby="alarm-building" data-testid="alarm-building">
              <h3 id="alarm-building">{t('devices.alarms.building')}</h3>
              {a.building ? (
                <>
                  <p>
                    <strong data-testid="alarm-building-name">{a.building.name}</strong> · {a.building.address}
                    {a.building.floors !== null && ` · ${t('devices.alarms.floors', { count: a.building.floors })}`}
                  </p>
                  <h4>{t('devices.alarms.residents.title')}</h4>
                  <div className="alarm-tag-counts">
                    {KNOCK_TAGS.filter((tag) => a.residentsByTag[tag] > 0).map((tag) => (
                      <span key={tag} className="badge badge-tag" data-testid={`alarm-tag-${tag}`}>
                        {t(`devices.alarms.tags.${tag}`)} {a.residentsByTag[tag]}
                      </span>
                    ))}
                  </div>
                  <ResidentsTable residents={a.residents} />
                </>
              ) : (
                <p className="muted">{t('devices.alarms.noBuilding')}</p>
              )}
            </section>
            <section className="card alarm-wide" aria-labelledby="alarm-timeline">
              <h3 id="alarm-timeline">{t('devices.alarms.timeline')}</h3>
              <ol className="alarm-timeline" data-testid="alarm-timeline">
                {a.events.map((e) => (
                  <li key={e.id} data-testid="alarm-event" data-kind={e.kind}>
                    <strong>{t(`devices.alarms.events.${e.kind}`, { defaultValue: e.kind })}</strong>{' '}
                    <time className="muted" dateTime={e.at}>
                      {formatDateTime(e.at, i18n.language)}
                    </time>
                    {e.actorName && <span className="muted"> · {e.actorName}</span>}
                    {e.value !== null && <span> · {e.value}</span>}
                    {e.note && <div>{e.note}</div>}
                  </li>
                ))}
              </ol>
            </section>
          </div>
        </>
      )}
    </div>
  )
}

function Links({ alarm }: { alarm: Detail }) {
  const { t } = useTranslation()
  return (
    <div className="alarm-links">
      {alarm.case && (
        <p data-testid="alarm-case">
          {t('devices.alarms.case')}:{' '}
          <a href={routes.case(alarm.case.id)} data-testid="alarm-case-link">
            {alarm.case.trackingCode ?? `#${alarm.case.id}`}
          </a>
          {alarm.case.state && ` · ${t(`caseStates.${alarm.case.state}`, { defaultValue: alarm.case.state })}`}
          {alarm.case.department && ` · ${alarm.case.department.nameZh}`}
        </p>
      )}
      {alarm.incident && (
        <p data-testid="alarm-incident">
          {t('devices.alarms.incident')}:{' '}
          <a href={routes.emergency('incidents', alarm.incident.id)}>
            {alarm.incident.reference ?? `#${alarm.incident.id}`}
          </a>
        </p>
      )}
    </div>
  )
}

type Mode = null | 'acknowledge' | 'clear' | 'review'

function Actions({ alarm }: { alarm: Detail }) {
  const { t } = useTranslation()
  const [mode, setMode] = useState<Mode>(null)
  const [note, setNote] = useState('')
  const [decision, setDecision] = useState<Review['decision']>('release')
  const done = () => {
    setMode(null)
    setNote('')
    void alarmsChanged()
  }
  const act = useMutation({
    mutationFn: async () => {
      if (mode === 'acknowledge') return alarmApi.acknowledge(alarm.id, note.trim() || undefined)
      if (mode === 'clear') return alarmApi.clear(alarm.id, note.trim())
      return alarmApi.review(alarm.id, { decision, note: note.trim() })
    },
    onSuccess: done,
  })
  const can = { acknowledge: alarm.can.acknowledge, clear: alarm.can.clear, review: alarm.can.review }
  if (!can.acknowledge && !can.clear && !can.review) return null
  const needsNote = mode === 'clear' || mode === 'review'
  return (
    <div className="alarm-actions">
      <div className="alarm-card-actions">
        {can.acknowledge && (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setMode('acknowledge')}
            data-testid="alarm-action-acknowledge"
          >
            {t('devices.alarms.acknowledge')}
          </button>
        )}
        {can.clear && (
          <button type="button" className="btn" onClick={() => setMode('clear')} data-testid="alarm-action-clear">
            {t('devices.alarms.clear')}
          </button>
        )}
        {can.review && (
          <button type="button" className="btn" onClick={() => setMode('review')} data-testid="alarm-action-review">
            {t('devices.alarms.review')}
          </button>
        )}
      </div>
      {mode && (
        <form
          className="alarm-action-form"
          onSubmit={(e) => {
            e.preventDefault()
            act.mutate()
          }}
        >
          {mode === 'review' && (
            <fieldset>
              <legend>{t('devices.alarms.decision')}</legend>
              {(['release', 'dismiss'] as const).map((d) => (
                <label key={d}>
                  <input
                    type="radio"
                    name="decision"
                    value={d}
                    checked={decision === d}
                    onChange={() => setDecision(d)}
                    data-testid={`alarm-decision-${d}`}
                  />{' '}
                  {t(`devices.alarms.decisions.${d}`)}
                </label>
              ))}
            </fieldset>
          )}
          <label htmlFor="alarm-note">{t(needsNote ? 'devices.alarms.noteRequired' : 'devices.alarms.note')}</label>
          <textarea
            id="alarm-note"
            value={note}
            maxLength={500}
            required={needsNote}
            onChange={(e) => setNote(e.target.value)}
            data-testid="alarm-note"
          />
          <ErrorBanner error={act.error} testId="alarm-action-error" />
          <div className="alarm-card-actions">
            <button
              type="submit"
              className="btn btn-primary"
              disabled={act.isPending}
              data-testid="alarm-action-submit"
            >
              {t(`devices.alarms.submit.${mode}`)}
            </button>
            <button type="button" className="btn" onClick={() => setMode(null)}>
              {t('devices.alarms.cancel')}
            </button>
          </div>
        </form>
      )}
    </div>
  )
}
