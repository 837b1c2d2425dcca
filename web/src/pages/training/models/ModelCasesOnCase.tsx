import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api/client'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { hasRole } from '../../../modules'
import { navigate, routes } from '../../../router'
import { TRAINING_KEEPERS } from '../section'
import { modelKeys, modelsApi, modelsChanged } from './api'
import './models.css'

/**
 * 典型案例 on the case page: up to five published model cases suggested for the case (the same
 * category first, then shared words), each with its beginning and a link; and, once the case is
 * closed, "write up as a model case" for its keepers — it makes the draft and opens the editor
 * (a write-up that exists already is opened instead). Renders nothing for callers who read no
 * training material. `categoryId` keys the query, so a recategorised case asks again.
 */
export function ModelCasesOnCase({ caseId, categoryId, state }: { caseId: number; categoryId: number; state: string }) {
  const { t } = useTranslation()
  const suggestions = useQuery({
    queryKey: [...modelKeys.onCase(caseId), categoryId],
    queryFn: ({ signal }) => modelsApi.suggestions(caseId, signal),
    retry: false,
  })
  const me = useQuery(queries.me())
  const [key] = useState(newIdempotencyKey)
  const writeUp = useMutation({
    mutationFn: async () => {
      try {
        return (await modelsApi.create({ sourceKind: 'case', sourceId: caseId }, key)).id
      } catch (err) {
        const existing = err instanceof ApiError && err.code === 'MODEL_CASE_ALREADY' ? err.details?.id : undefined
        if (typeof existing === 'number') return existing
        throw err
      }
    },
    onSuccess: async (id) => {
      await modelsChanged()
      navigate('training', 'models', id, 'edit')
    },
  })
  // The library answers 403 to those who read no training material: nothing to show them.
  if (suggestions.isError || !suggestions.data) return null
  const items = suggestions.data.items
  // A keeper somewhere: whether over this case's area is the server's to say (403 otherwise).
  const closed = (state === 'closed' || state === 'rated') && hasRole(me.data ?? null, TRAINING_KEEPERS)
  if (items.length === 0 && !closed) return null
  return (
    <section className="card tm-on-case" aria-labelledby="tm-on-case-h" data-testid="tm-on-case">
      <h2 id="tm-on-case-h">{t('training.models.onCase.title')}</h2>
      {items.length === 0 ? (
        <p className="muted">{t('training.models.onCase.none')}</p>
      ) : (
        <ul className="tm-on-case-list">
          {items.map((m) => (
            <li key={m.id}>
              <a href={routes.training('models', m.id)} data-testid={`tm-suggestion-${m.id}`}>
                {m.title}
              </a>
              <p className="muted tm-excerpt">{m.excerpt}</p>
            </li>
          ))}
        </ul>
      )}
      {closed && <WriteUpButton pending={writeUp.isPending} onClick={() => writeUp.mutate()} error={writeUp.error} />}
    </section>
  )
}

/** Makes the draft; the server answers 403 to those who do not keep the case's area. */
function WriteUpButton({ pending, onClick, error }: { pending: boolean; onClick: () => void; error: unknown }) {
  const { t } = useTranslation()
  return (
    <div className="tm-actions">
      <button type="button" className="btn" disabled={pending} onClick={onClick} data-testid="tm-write-up">
        {t('training.models.onCase.writeUp')}
      </button>
      <ErrorBanner error={error} />
    </div>
  )
}
