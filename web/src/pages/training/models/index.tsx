import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { ModelCaseEditor } from './ModelCaseEditor'
import { ModelCasePage } from './ModelCasePage'
import { ModelLibrary } from './ModelLibrary'
import './models.css'

/** The model-case library below #/training/models: the library, one model case by id and `<id>/edit`. */
export function ModelsSection({ params, user }: SectionProps) {
  const modelCaseId = idParam(params)
  if (modelCaseId && params[1] === 'edit') return <ModelCaseEditor key={modelCaseId} id={modelCaseId} />
  if (modelCaseId) return <ModelCasePage key={modelCaseId} id={modelCaseId} />
  return <ModelLibrary user={user} />
}
