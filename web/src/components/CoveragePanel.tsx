import { useTranslation } from 'react-i18next'
import { formatNumber, localName } from '../i18n'
import type { AreaNode, Coverage } from '../types'
import { ErrorBanner } from './ErrorBanner'

interface Props {
  coverage: Coverage | null
  loading: boolean
  error: unknown
  areasById: Map<number, AreaNode>
}

/** Result of a seamless-coverage check: do the children tile the area exactly? */
export function CoveragePanel({ coverage, loading, error, areasById }: Props) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const m2 = (v: number) => t('units.m2', { value: formatNumber(v, 1, lng) })
  const nameOf = (id: number | undefined) => {
    if (id === undefined) return '—'
    const n = areasById.get(id)
    return n ? localName(n, lng) : `#${id}`
  }

  return (
    <section className="coverage-panel" data-testid="coverage-panel" aria-live="polite" aria-busy={loading}>
      <h3>{t('coverage.title')}</h3>
      {loading && <p className="muted">{t('coverage.checking')}</p>}
      <ErrorBanner error={error} />
      {coverage && !loading && (
        <>
          <p className={`coverage-verdict ${coverage.seamless ? 'ok' : 'bad'}`} data-testid="coverage-verdict">
            {coverage.childCount === 0
              ? t('coverage.noChildren')
              : coverage.seamless
                ? t('coverage.seamless')
                : t('coverage.notSeamless')}
          </p>
          <dl className="stats">
            <div>
              <dt>{t('coverage.children')}</dt>
              <dd data-testid="coverage-children">{formatNumber(coverage.childCount, 0, lng)}</dd>
            </div>
            <div className="stat-gap">
              <dt>
                <span className="swatch swatch-gap" aria-hidden="true" />
                {t('coverage.gaps')}
              </dt>
              <dd data-testid="coverage-gaps">
                {t('coverage.countArea', { count: coverage.gaps.length, area: m2(coverage.gapM2) })}
              </dd>
            </div>
            <div className="stat-overlap">
              <dt>
                <span className="swatch swatch-overlap" aria-hidden="true" />
                {t('coverage.overlaps')}
              </dt>
              <dd data-testid="coverage-overlaps">
                {t('coverage.countArea', { count: coverage.overlaps.length, area: m2(coverage.overlapM2) })}
              </dd>
            </div>
            {(coverage.outside.length > 0 || coverage.outsideM2 > 0) && (
              <div className="stat-outside">
                <dt>
                  <span className="swatch swatch-outside" aria-hidden="true" />
                  {t('coverage.outside')}
                </dt>
                <dd data-testid="coverage-outside">
                  {t('coverage.countArea', { count: coverage.outside.length, area: m2(coverage.outsideM2) })}
                </dd>
              </div>
            )}
          </dl>
          {coverage.overlaps.length > 0 && (
            <ul className="problem-list">
              {coverage.overlaps.map((o) => (
                <li key={o.areaIds.join('-')}>
                  {t('coverage.overlapBetween', {
                    a: nameOf(o.areaIds[0]),
                    b: nameOf(o.areaIds[1]),
                    area: m2(o.areaM2),
                  })}
                </li>
              ))}
            </ul>
          )}
          {coverage.outside.length > 0 && (
            <ul className="problem-list">
              {coverage.outside.map((o) => (
                <li key={o.areaId}>{t('coverage.outsideOf', { name: nameOf(o.areaId), area: m2(o.areaM2) })}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  )
}
