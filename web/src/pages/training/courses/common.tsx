import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { errorText } from '../../../i18n'

/** A labelled form field. */
export function Field({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      {children}
    </label>
  )
}

/** The server's error, translated by its code, naming the field in this screen's words. */
export function CourseError({ error, testId }: { error: unknown; testId?: string }) {
  const { t, i18n } = useTranslation()
  if (!error) return null
  const text = errorText(error, (field) => {
    const key = `training.courses.fields.${field.replace(/\[\d+\]$/, '')}`
    return i18n.exists(key) ? t(key) : undefined
  })
  return (
    <div className="error-banner" role="alert" data-testid={testId}>
      <span>{text}</span>
    </div>
  )
}

/** A size in KB or MB. */
export const formatSize = (bytes: number) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`
