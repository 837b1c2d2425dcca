import { useTranslation } from 'react-i18next'
import { formatNumber, localName } from '../i18n'
import { routes } from '../router'
import type { AreaDetail } from '../types'

interface Props {
  detail: AreaDetail
  onCheckCoverage: (() => void) | null
  checking: boolean
}

/** Facts about the selected area, with its place in the hierarchy. */
export function AreaDetails({ detail, onCheckCoverage, checking }: Props) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const km2 = detail.areaM2 / 1_000_000

  return (
    <section className="area-details" data-testid="area-details">
      {detail.ancestors.length > 0 && (
        <nav className="breadcrumb" aria-label={t('areas.ancestors')}>
          {detail.ancestors.map((a) => (
            <span key={a.id}>
              <a href={routes.areas(a.id)}>{localName(a, lng)}</a>
              <span className="crumb-sep" aria-hidden="true">
                /
              </span>
            </span>
          ))}
        </nav>
      )}
      <h2 className="area-title">
        <span className={`level-tag level-${detail.level}`}>{t(`levels.${detail.level}`)}</span>
        <span data-testid="area-name">{localName(detail, lng)}</span>
        {detail.retiredAt && <span className="badge badge-muted">{t('areas.retired')}</span>}
      </h2>
      <dl className="facts">
        <div>
          <dt>{t('areas.code')}</dt>
          <dd className="mono" data-testid="area-code">
            {detail.code}
          </dd>
        </div>
        <div>
          <dt>{t('areas.level')}</dt>
          <dd data-testid="area-level">{t(`levels.${detail.level}`)}</dd>
        </div>
        <div>
          <dt>{t('areas.nameZh')}</dt>
          <dd lang="zh-CN">{detail.nameZh}</dd>
        </div>
        <div>
          <dt>{t('areas.nameEn')}</dt>
          <dd lang="en">{detail.nameEn || '—'}</dd>
        </div>
        <div>
          <dt>{t('areas.areaSize')}</dt>
          <dd data-testid="area-size">{t('units.km2', { value: formatNumber(km2, km2 < 1 ? 4 : 2, lng) })}</dd>
        </div>
        {detail.retiredAt && (
          <div>
            <dt>{t('areas.retiredAt')}</dt>
            <dd>{new Date(detail.retiredAt).toLocaleDateString(lng)}</dd>
          </div>
        )}
      </dl>
      {onCheckCoverage && (
        <button
          type="button"
          className="btn btn-primary"
          data-testid="coverage-check"
          onClick={onCheckCoverage}
          disabled={checking}
        >
          {checking ? t('coverage.checking') : t('coverage.check')}
        </button>
      )}
    </section>
  )
}
