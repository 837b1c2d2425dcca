import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api/client'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { hasRole } from '../../../modules'
import { navigate } from '../../../router'
import { TRAINING_KEEPERS } from '../section'
import { modelsApi, modelsChanged, type SourceKind } from './api'

/**
 * "Write up as a model case" for a finished dispute or proposal (the case page has its own card):
 * makes the draft and opens the editor, or opens the write-up that exists. Shown to keepers; whether
 * they keep the source's area is the server's to say.
 */
export function WriteUpLink({ kind, id }: { kind: SourceKind; id: number }) {
  const { t } = useTranslation()
  const me = useQuery(queries.me())
  const [key] = useState(newIdempotencyKey)
  const writeUp = useMutation({
    mutationFn: async () => {
      try {
        return (await modelsApi.create({ sourceKind: kind, sourceId: id }, key)).id
      } catch (err) {
        const existing = err instanceof ApiError && err.code === 'MODEL_CASE_ALREADY' ? err.details?.id : undefined
        if (typeof existing === 'number') return existing
        throw err
      }
    },
    onSuccess: async (modelCaseId) => {
      await modelsChanged()
      navigate('training', 'models', modelCaseId, 'edit')
    },
  })
  if (!hasRole(me.data ?? null, TRAINING_KEEPERS)) return null
  return (
    <span className="tm-write-up-link">
      <button
        type="button"
        className="btn btn-small"
        disabled={writeUp.isPending}
        onClick={() => writeUp.mutate()}
        data-testid="tm-write-up"
      >
        {t('training.models.onCase.writeUp')}
      </button>
      <ErrorBanner error={writeUp.error} />
    </span>
  )
}
