import { useTranslation } from 'react-i18next'
import type { Component, ComponentState } from './api'

export function StateBadge({ state }: { state: ComponentState }) {
  const { t } = useTranslation()
  return (
    <span className={`badge component-state component-state-${state}`} data-testid="component-state" data-state={state}>
      {t(`components.inventory.states.${state}`)}
    </span>
  )
}

/** The standard subclass: its code and name in the interface's language. */
export function ClassName({ item }: { item: Pick<Component, 'classCode' | 'classNameZh' | 'classNameEn'> }) {
  const { i18n } = useTranslation()
  return (
    <span className="component-class">
      <code>{item.classCode}</code> {i18n.language === 'en' ? item.classNameEn : item.classNameZh}
    </span>
  )
}
