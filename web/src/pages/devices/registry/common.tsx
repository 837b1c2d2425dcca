import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { errorText, formatDateTime } from '../../../i18n'
import type { Device, DeviceState } from './api'

/** The colour of a state on the map and in badges (text on it passes contrast as white). */
export const stateColor: Record<DeviceState, string> = {
  active: '#15803d',
  offline: '#475569',
  faulty: '#b45309',
  retired: '#1e293b',
}

export function StateBadge({ state }: { state: DeviceState }) {
  const { t } = useTranslation()
  return (
    <span className={`badge device-state device-state-${state}`} data-testid="device-state" data-state={state}>
      {t(`devices.registry.states.${state}`)}
    </span>
  )
}

export function AlarmCount({ count }: { count: number }) {
  const { t } = useTranslation()
  if (count === 0) return null
  return (
    <span className="badge badge-danger" data-testid="device-open-alarms">
      {t('devices.registry.openAlarms', { count })}
    </span>
  )
}

export function ownerName(owner: Device['owner'], lng: string): string {
  return lng === 'en' && owner.nameEn ? owner.nameEn : owner.name
}

export function when(iso: string | null | undefined): string {
  return iso ? formatDateTime(iso) : ''
}

/** An error of a mutation, translated by its code, announced to screen readers. */
export function Problem({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null
  return (
    <p className="form-error" role="alert" data-testid={testId}>
      {errorText(error)}
    </p>
  )
}

/**
 * The device's secret, shown once in a modal dialog with a copy button: it cannot be read again
 * (rotate it if lost).
 */
export function SecretDialog({ code, secret, onClose }: { code: string; secret: string; onClose: () => void }) {
  const { t } = useTranslation()
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (d && !d.open) d.showModal()
  }, [])
  return (
    <dialog
      ref={ref}
      className="device-secret-dialog"
      aria-labelledby="device-secret-title"
      data-testid="device-secret-dialog"
      onCancel={(e) => {
        e.preventDefault()
        onClose()
      }}
    >
      <h2 id="device-secret-title">{t('devices.registry.secret.title', { code })}</h2>
      <p>{t('devices.registry.secret.once')}</p>
      <p className="device-secret">
        <code data-testid="device-secret">{secret}</code>
      </p>
      <p className="muted">{t('devices.registry.secret.how', { code })}</p>
      <div className="device-actions">
        <button
          type="button"
          className="btn"
          onClick={() => void navigator.clipboard?.writeText(secret).catch(() => {})}
          data-testid="device-secret-copy"
        >
          {t('devices.registry.secret.copy')}
        </button>
        <button type="button" className="btn btn-primary" onClick={onClose} data-testid="device-secret-close">
          {t('devices.registry.secret.done')}
        </button>
      </div>
    </dialog>
  )
}
