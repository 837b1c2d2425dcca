import { useTranslation } from 'react-i18next'
import { ActionPanel } from '../components/ActionPanel'
import { AlarmsForCase } from './devices/alarms/AlarmsForCase'
import { ComponentOnCase } from './components/ComponentOnCase'
import { PartyMembersOnCase } from './party/members/PartyMembersOnCase'
import { ModelCasesOnCase } from './training/models/ModelCasesOnCase'
import { PoliciesOnCase } from './training/policies/PoliciesOnCase'
import { ColourDot, StateChip } from '../components/CaseBadges'
import { CaseFacts, CasePhotos, CaseResult } from '../components/CaseFacts'
import { CaseMap } from '../components/CaseMap'
import { QueryStatus } from '../components/QueryStatus'
import { Timeline } from '../components/Timeline'
import { localName } from '../i18n'
import { routes } from '../router'
import { useCaseDetail } from '../caseUtils'
import type { AppConfig } from '../types'

/** One case for staff: facts, map, photos, timeline and the actions the caller may take. */
export function CaseDetailPage({ id, config }: { id: number; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const caseQuery = useCaseDetail(id)
  const detail = caseQuery.data

  return (
    <section className="page case-detail-page" data-testid="page-case-detail">
      <a className="back-link" href={routes.cases()} data-testid="back-to-queue">
        ← {t('workbench.back')}
      </a>
      <QueryStatus query={caseQuery} />
      {detail && (
        <div className="case-detail-grid">
          <div className="case-main">
            <div className="card case-head">
              <div className="case-title-row">
                <h1 className="page-title">
                  <ColourDot colour={detail.colour} /> {localName(detail.category, lng)}
                </h1>
                <StateChip state={detail.state} testId="case-state" />
              </div>
              <p className="muted">
                {t('case.trackingCode')}{' '}
                <span className="mono" data-testid="case-tracking-code">
                  {detail.trackingCode}
                </span>{' '}
                · {t('case.version', { version: detail.version })}
              </p>
              <p className="case-desc" data-testid="case-description">
                {detail.description}
              </p>
              <CaseResult detail={detail} />
              {detail.mergedIntoId && (
                <p className="notice">
                  {t('case.mergedInto')} <a href={routes.case(detail.mergedIntoId)}>#{detail.mergedIntoId}</a>
                </p>
              )}
            </div>
            <ActionPanel detail={detail} />
            {detail.channel === 'device' && <AlarmsForCase caseId={detail.id} />}
            <ComponentOnCase caseId={detail.id} />
            <PartyMembersOnCase caseId={detail.id} />
            <PoliciesOnCase caseId={detail.id} categoryId={detail.category.id} />
            <ModelCasesOnCase caseId={detail.id} categoryId={detail.category.id} state={detail.state} />
            <CaseFacts detail={detail} />
            <CasePhotos detail={detail} />
          </div>
          <div className="case-side">
            <CaseMap location={detail.location} gridId={detail.area.id} config={config} />
            <section className="card">
              <h2 className="section-title">{t('case.timeline')}</h2>
              <Timeline events={detail.timeline} />
            </section>
          </div>
        </div>
      )}
    </section>
  )
}
