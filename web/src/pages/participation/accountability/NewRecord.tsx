import { useMutation } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { navigate, routes } from '../../../router'
import { Problem, Required } from '../meetings/common'
import { accountabilityApi, recordChanged, type SourceKind } from './api'

/**
 * Staff open the record of an outcome: the source comes from the page that sent them (an adopted
 * decision of a meeting, an accepted proposal), the title and description are theirs to write.
 */
export function NewRecord({ sourceKind, sourceId }: { sourceKind: SourceKind; sourceId: number }) {
  const { t } = useTranslation()
  const [title, setTitle] = useState('')
  const [description, setDescription] = useState('')
  const [key] = useState(newIdempotencyKey)
  const create = useMutation({
    mutationFn: () =>
      accountabilityApi.create({ sourceKind, sourceId, title: title.trim(), description: description.trim() }, key),
    onSuccess: async (detail) => {
      await recordChanged(detail)
      navigate('participation', 'accountability', detail.id)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (title.trim()) create.mutate()
  }
  return (
    <form className="card record-new" onSubmit={submit} aria-labelledby="record-new-title" data-testid="record-new">
      <a className="back-link" href={routes.participation('accountability')}>
        ← {t('participation.meetings.accountability.back')}
      </a>
      <h2 id="record-new-title">{t('participation.meetings.accountability.newTitle')}</h2>
      <p className="muted">
        {t('participation.meetings.accountability.newSource', {
          kind: t(`participation.meetings.accountability.sources.${sourceKind}`),
          id: sourceId,
        })}
      </p>
      <label className="field">
        <span>
          {t('participation.meetings.fields.recordTitle')}
          <Required />
        </span>
        <input
          value={title}
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
          data-testid="record-new-title-input"
        />
      </label>
      <label className="field">
        <span>{t('participation.meetings.fields.description')}</span>
        <textarea
          rows={4}
          maxLength={6000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          data-testid="record-new-description"
        />
      </label>
      <Problem error={create.error} testId="record-new-error" />
      <div className="form-buttons">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={create.isPending || !title.trim()}
          data-testid="record-new-submit"
        >
          {t('participation.meetings.accountability.create')}
        </button>
      </div>
    </form>
  )
}
