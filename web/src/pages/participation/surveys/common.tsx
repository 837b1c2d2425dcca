import { useTranslation } from 'react-i18next'
import type { AreaNode, Role, User } from '../../../types'
import type { Answer, Answers, SurveyQuestion, SurveyState } from './api'

/** Who builds and runs surveys (the server's participationStaff). */
export const SURVEY_STAFF: readonly Role[] = ['admin', 'leader', 'staff']

export const PAGE_SIZE = 20
/** Counts below this are hidden from residents (the server's SUPPRESS_BELOW). */
export const SUPPRESS_BELOW = 5

/** The areas the user may survey: those where they hold a staff role, and every area below, grids included. */
export function surveyableAreas(tree: AreaNode[], user: User): { node: AreaNode; depth: number }[] {
  const granted = new Set(user.roles.filter((r) => SURVEY_STAFF.includes(r.role)).map((r) => r.areaId))
  const out: { node: AreaNode; depth: number }[] = []
  const walk = (n: AreaNode, inside: boolean, depth: number) => {
    if (n.retired) return
    const mine = inside || granted.has(n.id)
    if (mine) out.push({ node: n, depth })
    for (const c of n.children) walk(c, mine, mine ? depth + 1 : depth)
  }
  for (const r of tree) walk(r, false, 0)
  return out
}

/** A timestamp as the value of a datetime-local input (the browser's time zone). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A datetime-local value as the API's timestamp, or null when empty or unreadable. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

export function StateBadge({ state }: { state: SurveyState }) {
  const { t } = useTranslation()
  return (
    <span className={`badge surveys-state surveys-state-${state}`} data-testid="survey-state">
      {t(`participation.surveys.state.${state}`)}
    </span>
  )
}

export function Required() {
  const { t } = useTranslation()
  return (
    <abbr className="required" title={t('participation.surveys.required')}>
      *
    </abbr>
  )
}

/** Whether an answer says something (an empty text or no choice is no answer). */
export const given = (a: Answer | undefined): a is Answer =>
  !!a && ((a.choices?.length ?? 0) > 0 || a.scale !== undefined || (a.text ?? '').trim() !== '')

/**
 * Which questions are shown for the answers so far: a question with a condition only when the
 * question it depends on is shown and was answered with the option (the server's rule).
 */
export function shownQuestions(questions: SurveyQuestion[], answers: Answers): Set<number> {
  const shown = new Set<number>()
  for (const q of questions) {
    const visible =
      !q.showIf ||
      (shown.has(q.showIf.position) && (answers[String(q.showIf.position)]?.choices ?? []).includes(q.showIf.option))
    if (visible) shown.add(q.position)
  }
  return shown
}

/** The answers to send: those of shown questions that say something. */
export function answersToSend(questions: SurveyQuestion[], answers: Answers): Answers {
  const shown = shownQuestions(questions, answers)
  const out: Answers = {}
  for (const q of questions) {
    const a = answers[String(q.position)]
    if (!shown.has(q.position) || !given(a)) continue
    if (q.kind === 'text') out[String(q.position)] = { text: (a.text ?? '').trim() }
    else if (q.kind === 'scale') out[String(q.position)] = { scale: a.scale! }
    else out[String(q.position)] = { choices: a.choices ?? [] }
  }
  return out
}

/** Required shown questions left unanswered, by position. */
export function missingAnswers(questions: SurveyQuestion[], answers: Answers): number[] {
  const shown = shownQuestions(questions, answers)
  return questions
    .filter((q) => q.required && shown.has(q.position) && !given(answers[String(q.position)]))
    .map((q) => q.position)
}
