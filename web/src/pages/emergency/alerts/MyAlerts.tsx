import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime } from '../../../i18n'
import { routes } from '../../../router'
import { PAGE_SIZE, alertApi, alertKeys, alertQueries, mineChanged, type MyAlert } from './api'
import { queryClient } from '../../../api/queries'
import './alerts.css'

/** The caller's alerts, newest first. */
export function MyAlerts() {
  const { t, i18n } = useTranslation()
  const [page, setPage] = useState(1)
  const list = useQuery(alertQueries.mine(page))
  const zh = i18n.language.startsWith('zh')
  return (
    <div className="my-alerts" data-testid="my-alerts">
      <h2>{t('emergency.alerts.mine.title')}</h2>
      <p className="muted">{t('emergency.alerts.mine.intro')}</p>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('emergency.alerts.mine.empty')}</p>}
      <ul className="card-list">
        {list.data?.items.map((a) => (
          <li key={a.recipientId} className={`card my-alert-card level-${a.level}`} data-testid="my-alert">
            <a href={routes.emergency('alerts', a.recipientId)} data-testid="my-alert-link">
              {a.drill && <span className="badge alert-drill-badge">{t('emergency.alerts.drill')}</span>}
              <strong>{a.title}</strong>
            </a>
            <p>{zh ? a.textZh : a.textEn}</p>
            <p className="muted">
              {formatDateTime(a.sentAt ?? a.createdAt)} ·{' '}
              {a.acknowledgedAt ? t('emergency.alerts.mine.acknowledged') : t('emergency.alerts.mine.notAcknowledged')}
            </p>
          </li>
        ))}
      </ul>
      {list.data && <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} onPage={setPage} />}
    </div>
  )
}

/** One alert as its recipient sees it, big and plain, with the acknowledgement button. */
export function AlertCard({
  alert,
  onAck,
  acking,
  ackError,
}: {
  alert: MyAlert
  onAck: () => void
  acking: boolean
  ackError: unknown
}) {
  const { t, i18n } = useTranslation()
  const zh = i18n.language.startsWith('zh')
  const note = zh ? (alert.noteZh ?? alert.noteEn) : (alert.noteEn ?? alert.noteZh)
  return (
    <article className={`alert-page level-${alert.level}`} data-testid="alert-page" aria-labelledby="alert-page-title">
      {alert.drill && (
        <p className="alert-drill-banner" data-testid="alert-drill">
          {t('emergency.alerts.page.drillBanner')}
        </p>
      )}
      <p className="alert-page-level">
        {t(`emergency.alerts.levels.${alert.level}`)} · {t(`emergency.alerts.kinds.${alert.kind}`)}
      </p>
      <h2 id="alert-page-title" className="alert-page-title">
        {alert.title}
      </h2>
      <p className="alert-page-text" data-testid="alert-text">
        {zh ? alert.textZh : alert.textEn}
      </p>
      {note && <p className="alert-page-note">{note}</p>}
      <h3>{t('emergency.alerts.page.whatToDo')}</h3>
      <p className="alert-page-advice">{zh ? alert.adviceZh : alert.adviceEn}</p>
      <p className="muted">
        {t('emergency.alerts.page.sentAt', { at: formatDateTime(alert.sentAt ?? alert.createdAt) })}
        {alert.incidentStatus === 'closed' && <> · {t('emergency.alerts.page.closed')}</>}
      </p>
      {ackError ? <ErrorBanner error={ackError} /> : null}
      {alert.acknowledgedAt ? (
        <p className="alert-acked" role="status" data-testid="alert-acked">
          {t('emergency.alerts.page.acked', { at: formatDateTime(alert.acknowledgedAt) })}
        </p>
      ) : (
        <button
          type="button"
          className="btn alert-ack-button"
          onClick={onAck}
          disabled={acking}
          data-testid="alert-ack"
        >
          {t('emergency.alerts.page.ack')}
        </button>
      )}
    </article>
  )
}

/** #/emergency/alerts/<recipientId>: one of the caller's alerts. */
export function MyAlertPage({ recipientId }: { recipientId: number }) {
  const { t } = useTranslation()
  const one = useQuery(alertQueries.myAlert(recipientId))
  const ack = useMutation({
    mutationFn: () => alertApi.ackMine(recipientId),
    onSuccess: (a) => {
      queryClient.setQueryData(alertQueries.myAlert(recipientId).queryKey, a)
      void mineChanged()
    },
  })
  return (
    <div className="my-alert">
      <a className="back-link" href={routes.emergency('alerts')}>
        ← {t('emergency.alerts.page.back')}
      </a>
      <QueryStatus query={one} />
      {one.data && (
        <AlertCard alert={one.data} onAck={() => ack.mutate()} acking={ack.isPending} ackError={ack.error} />
      )}
    </div>
  )
}

/** The page an SMS link opens, signed in or not: the alert the token names, acknowledged by the token. */
export function LinkAlertPage({ token }: { token: string }) {
  const one = useQuery({ ...alertQueries.byLink(token), retry: false })
  const ack = useMutation({
    mutationFn: () => alertApi.ackLink(token),
    onSuccess: (a) => queryClient.setQueryData(alertKeys.link(token), a),
  })
  return (
    <div className="my-alert" data-testid="alert-link-page">
      <QueryStatus query={one} testId="alert-link-error" />
      {one.data && (
        <AlertCard alert={one.data} onAck={() => ack.mutate()} acking={ack.isPending} ackError={ack.error} />
      )}
    </div>
  )
}
