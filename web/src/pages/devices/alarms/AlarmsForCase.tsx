import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime } from '../../../i18n'
import { routes } from '../../../router'
import { type AlarmItem, alarmQueries, KNOCK_TAGS } from './api'
import { AlarmStatusBadge, ResidentsTable, SeverityBadge, useKindText } from './common'
import './alarms.css'

/**
 * The device alarm(s) behind a case, for the case page: the device, the building and its
 * vulnerable residents (masked). Renders nothing for a case no device raised.
 */
export function AlarmsForCase({ caseId }: { caseId: number }) {
  const { t } = useTranslation()
  const list = useQuery(alarmQueries.list({ caseId, status: 'all', pageSize: 5 }))
  const first = list.data?.items[0]
  const detail = useQuery({ ...alarmQueries.detail(first?.id ?? 0), enabled: !!first })
  if (list.data && list.data.items.length === 0) return null
  return (
    <section className="card alarms-for-case" aria-labelledby="alarms-for-case-title" data-testid="alarms-for-case">
      <h2 id="alarms-for-case-title" className="panel-title">
        {t('devices.alarms.forCase.title')}
      </h2>
      <QueryStatus query={list} />
      <ul className="alarm-cards">
        {list.data?.items.map((a) => (
          <li key={a.id} className={`alarm-card alarm-card-${a.severity}`} data-testid="case-alarm" data-id={a.id}>
            <AlarmLine alarm={a} />
          </li>
        ))}
      </ul>
      {detail.data && (
        <>
          <p>
            {t('devices.alarms.device')}: {detail.data.device.name}{' '}
            <span className="mono">{detail.data.device.code}</span>
            {detail.data.device.place && ` · ${detail.data.device.place}`}
          </p>
          {detail.data.building ? (
            <>
              <p data-testid="case-alarm-building">
                {t('devices.alarms.building')}: <strong>{detail.data.building.name}</strong> ·{' '}
                {detail.data.building.address}
              </p>
              <div className="alarm-tag-counts">
                {KNOCK_TAGS.filter((tag) => detail.data.residentsByTag[tag] > 0).map((tag) => (
                  <span key={tag} className="badge badge-tag">
                    {t(`devices.alarms.tags.${tag}`)} {detail.data.residentsByTag[tag]}
                  </span>
                ))}
              </div>
              <ResidentsTable residents={detail.data.residents} testId="case-alarm-residents" />
            </>
          ) : (
            <p className="muted">{t('devices.alarms.noBuilding')}</p>
          )}
        </>
      )}
    </section>
  )
}

function AlarmLine({ alarm: a }: { alarm: AlarmItem }) {
  const { i18n } = useTranslation()
  const kindText = useKindText()
  return (
    <div className="alarm-card-head">
      <SeverityBadge severity={a.severity} />
      <AlarmStatusBadge status={a.status} />
      <a href={routes.devices('alarms', a.id)}>{kindText(a.kind)}</a>
      <time className="muted" dateTime={a.raisedAt}>
        {formatDateTime(a.raisedAt, i18n.language)}
      </time>
    </div>
  )
}
