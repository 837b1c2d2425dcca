import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { hasRole } from '../../modules'
import { routes } from '../../router'
import type { AppConfig, User } from '../../types'
import { CoursesSection } from './courses'
import { LearnSection } from './learn'
import { ModelsSection } from './models'
import { PoliciesSection } from './policies'
import { RecordsSection } from './records'
import { keeperParts, type SectionProps, TRAINING_KEEPERS, type TrainingPart, trainingParts } from './section'

const sections: Record<TrainingPart, (props: SectionProps) => ReactNode> = {
  learn: LearnSection,
  courses: CoursesSection,
  records: RecordsSection,
  policies: PoliciesSection,
  models: ModelsSection,
}

const isPart = (s: string | undefined): s is TrainingPart => !!s && (trainingParts as readonly string[]).includes(s)

/**
 * Training below #/training/<part>: the learner's own courses, lessons and quizzes (learn), the
 * catalogue and its editor (courses), assignment rules, completion records and certificates
 * (records, for the keepers), policy explainers (policies) and the model-case library (models).
 * Everyone lands on their own learning.
 */
export function TrainingPage({ params, user, config }: { params: string[]; user: User; config: AppConfig | null }) {
  const { t } = useTranslation()
  const keeper = hasRole(user, TRAINING_KEEPERS)
  const parts = trainingParts.filter((p) => keeper || !keeperParts.includes(p))
  const part: TrainingPart = isPart(params[0]) && parts.includes(params[0]) ? params[0] : 'learn'
  const Section = sections[part]
  return (
    <section className="page training-page" data-testid="page-training" data-section={part}>
      <div className="page-head">
        <h1 className="page-title">{t('training.hub.title')}</h1>
      </div>
      <nav className="queue-tabs" aria-label={t('training.hub.sections')}>
        {parts.map((p) => (
          <a
            key={p}
            href={routes.training(p)}
            className={`queue-tab${p === part ? ' active' : ''}`}
            aria-current={p === part ? 'page' : undefined}
            data-testid={`training-tab-${p}`}
          >
            {t(`training.hub.tabs.${p}`)}
          </a>
        ))}
      </nav>
      <Section params={params.slice(1)} user={user} config={config} />
    </section>
  )
}
