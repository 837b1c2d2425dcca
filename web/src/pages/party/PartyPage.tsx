import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { routes } from '../../router'
import type { AppConfig, User } from '../../types'
import { CobuildSection } from './cobuild'
import { MembersSection } from './members'
import { OrganisationsSection } from './organisations'
import { partyParts, type PartyPart, type SectionProps } from './section'
import { StatsSection } from './stats'

const sections: Record<PartyPart, (props: SectionProps) => ReactNode> = {
  organisations: OrganisationsSection,
  members: MembersSection,
  cobuild: CobuildSection,
  stats: StatsSection,
}

const isPart = (s: string | undefined): s is PartyPart => !!s && (partyParts as readonly string[]).includes(s)

/**
 * Party-building below #/party/<part>: the organisation tree, map, coverage and statistics
 * (organisations), members with their reporting to communities and assignments (members), and
 * joint co-building with its lists (cobuild), and the statistics (stats). Everyone lands on the
 * network.
 */
export function PartyPage({ params, user, config }: { params: string[]; user: User; config: AppConfig | null }) {
  const { t } = useTranslation()
  const part: PartyPart = isPart(params[0]) ? params[0] : 'organisations'
  const Section = sections[part]
  return (
    <section className="page party-page" data-testid="page-party" data-section={part}>
      <div className="page-head">
        <h1 className="page-title">{t('party.hub.title')}</h1>
      </div>
      <nav className="queue-tabs" aria-label={t('party.hub.sections')}>
        {partyParts.map((p) => (
          <a
            key={p}
            href={routes.party(p)}
            className={`queue-tab${p === part ? ' active' : ''}`}
            aria-current={p === part ? 'page' : undefined}
            data-testid={`party-tab-${p}`}
          >
            {t(`party.hub.tabs.${p}`)}
          </a>
        ))}
      </nav>
      <Section params={params.slice(1)} user={user} config={config} />
    </section>
  )
}
