import { useTranslation } from 'react-i18next'
import { Icon } from '../components/Icon'
import type { ModuleId } from '../modules'

/** Stand-in for capability modules that are not part of this release yet. */
export function PlaceholderPage({ module }: { module: ModuleId }) {
  const { t } = useTranslation()
  const name = t(`modules.${module}.name`)
  return (
    <section className="page placeholder-page" data-testid={`page-${module}`}>
      <div className="placeholder-card">
        <span className="placeholder-icon">
          <Icon name={module} size={40} />
        </span>
        <h1>{name}</h1>
        <p className="placeholder-desc">{t(`modules.${module}.description`)}</p>
        <p className="placeholder-note" data-testid="not-available">
          {t('placeholder.notAvailable', { module: name })}
        </p>
      </div>
    </section>
  )
}
