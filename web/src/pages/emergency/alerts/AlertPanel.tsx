import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText, formatDateTime } from '../../../i18n'
import type { PanelProps } from '../section'
import {
  ALERT_TEMPLATES,
  alertApi,
  alertQueries,
  alertsChanged,
  type AlertTemplate,
  type AlertView,
  type GridCounts,
  type ResendTo,
  type Totals,
} from './api'
import './alerts.css'

const pending = (a: AlertView) => a.status === 'queued' || a.status === 'sending'
const pct = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 100) : 0)

/** Delivery (sent, failed, unreachable, still queued) and acknowledgement of some recipients, as two bars. */
export function DeliveryBars({ c, label, testId }: { c: Totals | GridCounts; label: string; testId?: string }) {
  const { t } = useTranslation()
  const parts = (['sent', 'failed', 'unreachable', 'queued'] as const).filter((k) => c[k] > 0)
  const summary = t('emergency.alerts.panel.summary', {
    recipients: c.recipients,
    sent: c.sent,
    failed: c.failed,
    unreachable: c.unreachable,
    queued: c.queued,
    acknowledged: c.acknowledged,
  })
  return (
    <div className="alert-bars" data-testid={testId} data-sent={c.sent} data-acknowledged={c.acknowledged}>
      <div className="alert-bars-label">
        <strong>{label}</strong>
        <span className="muted">{summary}</span>
      </div>
      <div className="alert-bar" role="img" aria-label={`${label}: ${summary}`}>
        {parts.map((k) => (
          <span key={k} className={`alert-bar-part alert-bar-${k}`} style={{ width: `${pct(c[k], c.recipients)}%` }} />
        ))}
      </div>
      <div className="alert-bar alert-bar-thin" aria-hidden="true">
        <span
          className="alert-bar-part alert-bar-ack"
          style={{ width: `${pct(c.acknowledged, c.sent + c.failed)}%` }}
        />
      </div>
    </div>
  )
}

/** The command view's alert panel: send, delivery and acknowledgement per grid (live), re-send. */
export function AlertPanel({ incidentId, active, commands }: PanelProps) {
  const { t } = useTranslation()
  const list = useQuery(alertQueries.list(incidentId, 1))
  return (
    <section className="card alert-panel" data-testid="alert-panel" aria-labelledby="alert-panel-title">
      <h2 id="alert-panel-title">{t('emergency.alerts.panel.title')}</h2>
      {commands && active && <SendAlert incidentId={incidentId} />}
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('emergency.alerts.panel.empty')}</p>}
      <ul className="alert-list">
        {list.data?.items.map((a) => (
          <AlertRow key={a.id} incidentId={incidentId} alert={a} canResend={commands && active} />
        ))}
      </ul>
    </section>
  )
}

function SendAlert({ incidentId }: { incidentId: number }) {
  const { t, i18n } = useTranslation()
  const grids = useQuery(alertQueries.grids(incidentId))
  const [template, setTemplate] = useState<AlertTemplate>('warning')
  const [noteZh, setNoteZh] = useState('')
  const [noteEn, setNoteEn] = useState('')
  const [unchecked, setUnchecked] = useState<Set<number>>(new Set())
  const [key, setKey] = useState(newIdempotencyKey)
  const [done, setDone] = useState(false)
  const send = useMutation({
    mutationFn: () => {
      const all = grids.data ?? []
      const chosen = all.filter((g) => !unchecked.has(g.id)).map((g) => g.id)
      return alertApi.send(
        incidentId,
        {
          template,
          ...(noteZh.trim() ? { noteZh: noteZh.trim() } : {}),
          ...(noteEn.trim() ? { noteEn: noteEn.trim() } : {}),
          ...(unchecked.size > 0 ? { gridIds: chosen } : {}),
        },
        key,
      )
    },
    onSuccess: () => {
      setNoteZh('')
      setNoteEn('')
      setKey(newIdempotencyKey())
      setDone(true)
      void alertsChanged(incidentId)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setDone(false)
    send.mutate()
  }
  const zh = i18n.language.startsWith('zh')
  return (
    <form className="alert-send" onSubmit={submit} data-testid="alert-send">
      <label>
        {t('emergency.alerts.panel.template')}
        <select
          value={template}
          onChange={(e) => setTemplate(e.target.value as AlertTemplate)}
          data-testid="alert-template"
        >
          {ALERT_TEMPLATES.map((k) => (
            <option key={k} value={k}>
              {t(`emergency.alerts.templates.${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('emergency.alerts.panel.noteZh')}
        <textarea
          value={noteZh}
          maxLength={200}
          rows={2}
          onChange={(e) => setNoteZh(e.target.value)}
          data-testid="alert-note-zh"
        />
      </label>
      <label>
        {t('emergency.alerts.panel.noteEn')}
        <textarea
          value={noteEn}
          maxLength={200}
          rows={2}
          onChange={(e) => setNoteEn(e.target.value)}
          data-testid="alert-note-en"
        />
      </label>
      <fieldset className="alert-grids">
        <legend>{t('emergency.alerts.panel.grids')}</legend>
        <QueryStatus query={grids} />
        {grids.data?.map((g) => (
          <label key={g.id} className="checkbox">
            <input
              type="checkbox"
              checked={!unchecked.has(g.id)}
              onChange={(e) => {
                const next = new Set(unchecked)
                if (e.target.checked) next.delete(g.id)
                else next.add(g.id)
                setUnchecked(next)
              }}
              data-testid="alert-grid"
            />
            {zh ? g.nameZh : g.nameEn} <span className="muted">{g.code}</span>
          </label>
        ))}
      </fieldset>
      <p className="muted">{t('emergency.alerts.panel.queuedHint')}</p>
      {send.error && <ErrorBanner error={send.error} />}
      {done && (
        <p className="notice" role="status" data-testid="alert-queued">
          {t('emergency.alerts.panel.queued')}
        </p>
      )}
      <button
        type="submit"
        className="btn btn-primary"
        disabled={send.isPending || (grids.data !== undefined && unchecked.size === grids.data.length)}
        data-testid="alert-submit"
      >
        {send.isPending ? t('emergency.alerts.panel.sending') : t('emergency.alerts.panel.send')}
      </button>
    </form>
  )
}

function AlertRow({ incidentId, alert, canResend }: { incidentId: number; alert: AlertView; canResend: boolean }) {
  const { t, i18n } = useTranslation()
  const [open, setOpen] = useState(false)
  const [resent, setResent] = useState<ResendTo | null>(null)
  const detail = useQuery({ ...alertQueries.detail(incidentId, alert.id, pending(alert)), enabled: open })
  const resend = useMutation({
    mutationFn: (to: ResendTo) => alertApi.resend(incidentId, alert.id, to, `${alert.id}-${to}-${newIdempotencyKey()}`),
    onSuccess: (_d, to) => {
      setResent(to)
      void alertsChanged(incidentId)
    },
  })
  const zh = i18n.language.startsWith('zh')
  const note = zh ? (alert.noteZh ?? alert.noteEn) : (alert.noteEn ?? alert.noteZh)
  return (
    <li className="alert-item" data-testid="alert-item" data-id={alert.id} data-status={alert.status}>
      <div className="alert-item-head">
        <strong>{t(`emergency.alerts.templates.${alert.template}`)}</strong>
        {alert.drill && <span className="badge alert-drill-badge">{t('emergency.alerts.drill')}</span>}
        <span className={`badge alert-status-${alert.status}`} data-testid="alert-status">
          {t(`emergency.alerts.status.${alert.status}`)}
        </span>
        {alert.resendOf !== null && (
          <span className="muted">
            {t(`emergency.alerts.panel.resendOf.${alert.resendTo ?? 'unreached'}`, { id: alert.resendOf })}
          </span>
        )}
      </div>
      <p className="muted">
        {t('emergency.alerts.panel.byWhom', { name: alert.createdBy, at: formatDateTime(alert.createdAt) })}
      </p>
      {note && <p>{note}</p>}
      <DeliveryBars c={alert.totals} label={t('emergency.alerts.panel.total')} testId="alert-totals" />
      <div className="alert-actions">
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          data-testid="alert-grids-toggle"
        >
          {open ? t('emergency.alerts.panel.hideGrids') : t('emergency.alerts.panel.showGrids')}
        </button>
        {canResend && alert.status === 'done' && (
          <>
            <button
              type="button"
              className="btn btn-small"
              disabled={resend.isPending || alert.totals.failed + alert.totals.unreachable === 0}
              onClick={() => resend.mutate('unreached')}
              data-testid="alert-resend-unreached"
            >
              {t('emergency.alerts.panel.resendUnreached', { n: alert.totals.failed + alert.totals.unreachable })}
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={resend.isPending}
              onClick={() => resend.mutate('unacknowledged')}
              data-testid="alert-resend-unacknowledged"
            >
              {t('emergency.alerts.panel.resendUnacknowledged', {
                n: alert.totals.recipients - alert.totals.acknowledged,
              })}
            </button>
          </>
        )}
      </div>
      {resend.error && <p className="error-text">{errorText(resend.error)}</p>}
      {resent && (
        <p className="notice" role="status">
          {t('emergency.alerts.panel.resent')}
        </p>
      )}
      {open && (
        <div className="alert-grid-list" data-testid="alert-grid-list">
          <QueryStatus query={detail} />
          {detail.data?.grids.map((g) => (
            <DeliveryBars key={g.gridId} c={g} label={zh ? g.nameZh : g.nameEn} testId="alert-grid-bars" />
          ))}
        </div>
      )}
    </li>
  )
}
