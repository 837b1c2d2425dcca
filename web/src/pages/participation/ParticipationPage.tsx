import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { routes } from '../../router'
import type { AppConfig, User } from '../../types'
import { AccountabilitySection } from './accountability'
import { ConsultationsSection } from './consultations'
import { MeetingsSection } from './meetings'
import { NoticesSection } from './notices'
import { ProposalsSection } from './proposals'
import { participationParts, type ParticipationPart, type SectionProps } from './section'
import { SurveysSection } from './surveys'
import { VerifySection } from './verify'
import './participation.css'

const sections: Record<ParticipationPart, (props: SectionProps) => ReactNode> = {
  notices: NoticesSection,
  consultations: ConsultationsSection,
  surveys: SurveysSection,
  proposals: ProposalsSection,
  meetings: MeetingsSection,
  accountability: AccountabilitySection,
  verify: VerifySection,
}

const isPart = (s: string | undefined): s is ParticipationPart =>
  !!s && (participationParts as readonly string[]).includes(s)

/**
 * Public participation (议事协商) below #/participation/<part>: the same pages serve residents (the
 * portal: read, comment, answer, propose, support, vote) and staff (publish, moderate, answer,
 * record), each section deciding by the user's roles what it offers.
 */
export function ParticipationPage({
  params,
  user,
  config,
}: {
  params: string[]
  user: User
  config: AppConfig | null
}) {
  const { t } = useTranslation()
  const part: ParticipationPart = isPart(params[0]) ? params[0] : 'proposals'
  const Section = sections[part]
  return (
    <section className="page participation-page" data-testid="page-participation" data-section={part}>
      <div className="page-head">
        <h1 className="page-title">{t('participation.hub.title')}</h1>
      </div>
      <nav className="queue-tabs participation-tabs" aria-label={t('participation.hub.sections')}>
        {participationParts.map((p) => (
          <a
            key={p}
            href={routes.participation(p)}
            className={`queue-tab${p === part ? ' active' : ''}`}
            aria-current={p === part ? 'page' : undefined}
            data-testid={`participation-tab-${p}`}
          >
            {t(`participation.hub.tabs.${p}`)}
          </a>
        ))}
      </nav>
      <Section params={params.slice(1)} user={user} config={config} />
    </section>
  )
}
