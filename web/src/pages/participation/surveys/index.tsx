import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { SurveyEditPage, SurveyNewPage } from './SurveyBuilder'
import { SurveyLinkPage } from './SurveyLinkPage'
import { SurveyList } from './SurveyList'
import { SurveyPage } from './SurveyPage'
import { SurveyResultsPage } from './SurveyResults'
import './surveys.css'

export { SurveyLinkPage }

/**
 * Surveys (问卷调查) below #/participation/surveys: the list, `new` (the builder), `<id>` (answer it;
 * its staff run it there), `<id>/edit` (a draft), `<id>/results`, and `link/<token>` (a one-time
 * link's answer sheet, which needs no account).
 */
export function SurveysSection({ params, user }: SectionProps) {
  if (params[0] === 'new') return <SurveyNewPage user={user} />
  if (params[0] === 'link' && params[1]) return <SurveyLinkPage key={params[1]} token={params[1]} />
  const id = idParam(params)
  if (id !== null && params[1] === 'edit') return <SurveyEditPage key={id} id={id} user={user} />
  if (id !== null && params[1] === 'results') return <SurveyResultsPage key={id} id={id} />
  if (id !== null) return <SurveyPage key={id} id={id} />
  return <SurveyList user={user} />
}
