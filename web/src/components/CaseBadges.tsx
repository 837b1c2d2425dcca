import { useTranslation } from 'react-i18next'
import type { CaseState, DeadlineColour } from '../types'

/** The case's state as a coloured chip. */
export function StateChip({ state, testId }: { state: CaseState | string; testId?: string }) {
  const { t } = useTranslation()
  return (
    <span className={`state-chip state-${state}`} data-testid={testId ?? 'state-chip'} data-state={state}>
      {t(`caseStates.${state}`, { defaultValue: state })}
    </span>
  )
}

/** Deadline traffic light: green on time, yellow past 80% of the time, red overdue. */
export function ColourDot({ colour }: { colour: DeadlineColour | null }) {
  const { t } = useTranslation()
  const c = colour ?? 'none'
  const label = t(`deadline.${c}`)
  return (
    <span
      className={`colour-dot colour-${c}`}
      data-testid="colour-dot"
      data-colour={c}
      title={label}
      role="img"
      aria-label={label}
    />
  )
}
