import { useTranslation } from 'react-i18next'
import { hasRole } from '../../modules'
import { idParam, routes } from '../../router'
import type { AppConfig, User } from '../../types'
import { DayTracks } from './DayTracks'
import { PatrolDetail, PatrolLog } from './PatrolLog'
import { PatrolPhone } from './PatrolPhone'
import { PatrolStats } from './PatrolStats'
import './grid.css'

const TABS = ['patrol', 'history', 'stats', 'map'] as const
type Tab = (typeof TABS)[number]

/** Grid work: the grid worker's patrol (their default), the patrol log, statistics and the day's tracks. */
export function GridPage({ params, user, config }: { params: string[]; user: User; config: AppConfig | null }) {
  const { t } = useTranslation()
  const patrols = hasRole(user, ['grid_worker'])
  const tabs = TABS.filter((x) => x !== 'patrol' || patrols)
  const asked = params[0] as Tab | undefined
  const tab: Tab = asked && tabs.includes(asked) ? asked : tabs[0]!
  const detailId = tab === 'history' ? idParam(params, 1) : null
  return (
    <section className="page grid-page" data-testid="page-grid">
      <div className="page-head">
        <h1 className="page-title">{t('grid.patrol.title')}</h1>
      </div>
      <nav className="grid-tabs" aria-label={t('grid.patrol.title')}>
        {tabs.map((x) => (
          <a key={x} href={routes.grid(x)} aria-current={x === tab ? 'page' : undefined} data-testid={`grid-tab-${x}`}>
            {t(`grid.patrol.tabs.${x}`)}
          </a>
        ))}
      </nav>
      {tab === 'patrol' && <PatrolPhone user={user} config={config} />}
      {tab === 'history' && (detailId ? <PatrolDetail id={detailId} config={config} /> : <PatrolLog />)}
      {tab === 'stats' && <PatrolStats user={user} />}
      {tab === 'map' && <DayTracks user={user} config={config} />}
    </section>
  )
}
