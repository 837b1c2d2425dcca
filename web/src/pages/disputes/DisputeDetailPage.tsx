import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../components/QueryStatus'
import { formatDateTime, localName } from '../../i18n'
import { PETITION_DESK, hasRole } from '../../modules'
import { routes } from '../../router'
import type { User } from '../../types'
import { AgreementEditor, AgreementText } from './AgreementEditor'
import { disputeQueries, type DisputeDetail } from './api'
import { DeadlineClock, DisputeStateChip, RiskBadge, formatYuan } from './common'
import { DisputeActionPanel } from './DisputeActionPanel'
import { RiskPanel } from './RiskPanel'
import { SessionsPanel } from './SessionsPanel'
import { WriteUpLink } from '../training/models/WriteUpLink'

/**
 * One dispute: facts, parties (masked as the registry masks them), risk, the actions the caller may take,
 * sessions, the agreement, judicial confirmation, follow-ups and the timeline.
 */
export function DisputeDetailPage({ id, user }: { id: number; user: User }) {
  const { t } = useTranslation()
  const query = useQuery(disputeQueries.detail(id))
  const d = query.data
  return (
    <section className="page dispute-detail-page" data-testid="page-dispute-detail" data-dispute-id={id}>
      <a className="back-link" href={routes.disputes()} data-testid="back-to-register">
        ← {t('disputes.back')}
      </a>
      <QueryStatus query={query} />
      {d && (
        <div className="case-detail-grid">
          <div className="case-main">
            <Head detail={d} />
            <DisputeActionPanel detail={d} />
            <Facts detail={d} user={user} />
            <Parties detail={d} />
            <SessionsPanel detail={d} />
            <AgreementEditor detail={d} />
            <Judicial detail={d} />
            <FollowUps detail={d} />
            <EarlierAgreements detail={d} />
          </div>
          <div className="case-side">
            <RiskPanel detail={d} />
            <section className="card" aria-labelledby="dispute-timeline-title">
              <h2 className="section-title" id="dispute-timeline-title">
                {t('disputes.timeline.title')}
              </h2>
              <DisputeTimeline detail={d} />
            </section>
          </div>
        </div>
      )}
    </section>
  )
}

function Head({ detail: d }: { detail: DisputeDetail }) {
  const { t } = useTranslation()
  return (
    <div className="card case-head">
      <div className="case-title-row">
        <h1 className="page-title">
          {t(`disputes.categories.${d.category}`)} · {d.title}
        </h1>
        <DisputeStateChip state={d.state} testId="dispute-state" />
        <RiskBadge level={d.riskLevel} testId="dispute-risk" />
        {(d.state === 'settled' || d.state === 'closed') && <WriteUpLink kind="dispute" id={d.id} />}
      </div>
      <p className="muted">
        <span className="mono" data-testid="dispute-reference">
          {d.reference}
        </span>{' '}
        · {t('disputes.version', { version: d.version })}
        {d.level && <> · {t(`disputes.levels.${d.level}`)}</>}
        {d.stageDueAt && (
          <>
            {' '}
            · {t('disputes.fields.stageDue')}:{' '}
            <DeadlineClock dueAt={d.stageDueAt} overdue={d.overdue} testId="dispute-clock" />
          </>
        )}
      </p>
      {d.reopenedFromAgreementId && (
        <p className="notice warn-notice" data-testid="dispute-reopened">
          {t('disputes.reopened')}
        </p>
      )}
    </div>
  )
}

function Facts({ detail: d, user }: { detail: DisputeDetail; user: User }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const body = (n: { nameZh: string; nameEn: string } | null) => (n ? localName(n, lng) : '—')
  return (
    <section className="card" aria-labelledby="dispute-facts-title">
      <h2 className="section-title" id="dispute-facts-title">
        {t('disputes.factsTitle')}
      </h2>
      <dl className="facts">
        <div className="wide">
          <dt>{t('disputes.fields.facts')}</dt>
          <dd className="prewrap" data-testid="dispute-facts">
            {d.facts}
          </dd>
        </div>
        <div className="wide">
          <dt>{t('disputes.fields.claims')}</dt>
          <dd className="prewrap">{d.claims}</dd>
        </div>
        <div>
          <dt>{t('disputes.fields.source')}</dt>
          <dd>{t(`disputes.sources.${d.source}`)}</dd>
        </div>
        <div>
          <dt>{t('disputes.fields.area')}</dt>
          <dd>{localName(d.area, lng)}</dd>
        </div>
        <div>
          <dt>{t('disputes.fields.address')}</dt>
          <dd>{d.address ?? '—'}</dd>
        </div>
        <div>
          <dt>{t('disputes.fields.amount')}</dt>
          <dd>{formatYuan(d.amount, lng)}</dd>
        </div>
        <div>
          <dt>{t('disputes.fields.peopleInvolved')}</dt>
          <dd data-testid="dispute-people">{d.peopleInvolved}</dd>
        </div>
        <div>
          <dt>{t('disputes.fields.threat')}</dt>
          <dd>{d.threat ? t('disputes.yes') : t('disputes.no')}</dd>
        </div>
        <div>
          <dt>{t('disputes.fields.committee')}</dt>
          <dd data-testid="dispute-committee">{body(d.committee)}</dd>
        </div>
        <div>
          <dt>{t('disputes.fields.department')}</dt>
          <dd data-testid="dispute-department">{body(d.department)}</dd>
        </div>
        {d.jointDepartments.length > 0 && (
          <div className="wide">
            <dt>{t('disputes.fields.jointDepartments')}</dt>
            <dd>{d.jointDepartments.map((j) => localName(j, lng)).join(t('common.listSeparator'))}</dd>
          </div>
        )}
        {d.mediators.length > 0 && (
          <div>
            <dt>{t('disputes.fields.mediators')}</dt>
            <dd>{d.mediators.map((m) => m.displayName).join(t('common.listSeparator'))}</dd>
          </div>
        )}
        {d.court && (
          <div>
            <dt>{t('disputes.fields.court')}</dt>
            <dd>
              {d.court}
              {d.judicialMode && ` · ${t(`disputes.judicialModes.${d.judicialMode}`)}`}
            </dd>
          </div>
        )}
        <div>
          <dt>{t('disputes.fields.registeredAt')}</dt>
          <dd>{formatDateTime(d.registeredAt, lng)}</dd>
        </div>
        {d.outcome && (
          <div>
            <dt>{t('disputes.fields.outcome')}</dt>
            <dd data-testid="dispute-outcome">
              {t(`disputes.outcomes.${d.outcome}`)}
              {d.settledLevel && ` · ${t(`disputes.settledLevels.${d.settledLevel}`)}`}
            </dd>
          </div>
        )}
        {d.settledAt && (
          <div>
            <dt>{t('disputes.fields.settledAt')}</dt>
            <dd>{formatDateTime(d.settledAt, lng)}</dd>
          </div>
        )}
        {d.closedAt && (
          <div>
            <dt>{t('disputes.fields.closedAt')}</dt>
            <dd>{formatDateTime(d.closedAt, lng)}</dd>
          </div>
        )}
        {d.sourceCase && (
          <div>
            <dt>{t('disputes.fields.sourceCase')}</dt>
            <dd>
              <a href={routes.case(d.sourceCase.id)} className="mono" data-testid="dispute-source-case">
                {d.sourceCase.trackingCode}
              </a>
            </dd>
          </div>
        )}
        {d.petitionId && (
          <div>
            <dt>{t('disputes.fields.petition')}</dt>
            <dd>
              {hasRole(user, PETITION_DESK) ? (
                <a href={routes.petition(d.petitionId)} data-testid="dispute-petition">
                  #{d.petitionId}
                </a>
              ) : (
                `#${d.petitionId}`
              )}
            </dd>
          </div>
        )}
      </dl>
    </section>
  )
}

function Parties({ detail: d }: { detail: DisputeDetail }) {
  const { t } = useTranslation()
  return (
    <section className="card" aria-labelledby="dispute-parties-title">
      <h2 className="section-title" id="dispute-parties-title">
        {t('disputes.fields.parties')}
      </h2>
      <p className="muted hint">{t('disputes.party.maskedHint')}</p>
      <div className="audit-table-wrap">
        <table className="audit-table" data-testid="dispute-parties">
          <thead>
            <tr>
              <th scope="col">{t('disputes.party.role')}</th>
              <th scope="col">{t('disputes.party.name')}</th>
              <th scope="col">{t('disputes.party.idNumber')}</th>
              <th scope="col">{t('disputes.party.phone')}</th>
              <th scope="col">{t('disputes.party.address')}</th>
            </tr>
          </thead>
          <tbody>
            {d.parties.map((p) => (
              <tr key={p.id} data-testid="dispute-party" data-party-id={p.id}>
                <td>{t(`disputes.partyRoles.${p.role}`)}</td>
                <td>
                  {p.personId ? <a href={routes.person(p.personId)}>{p.name}</a> : p.name}
                  {p.kind === 'organisation' && (
                    <span className="badge badge-muted">{t('disputes.party.organisation')}</span>
                  )}
                  {p.vulnerable && <span className="badge badge-warn">{t('disputes.party.vulnerable')}</span>}
                </td>
                <td className="mono" data-testid="party-id-masked">
                  {p.idNumberMasked ?? '—'}
                </td>
                <td className="mono">{p.phoneMasked ?? '—'}</td>
                <td className="wrap">{p.address ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

/** Judicial confirmation of a written agreement in effect: the 30-day limit to apply, and the court's answer. */
function Judicial({ detail: d }: { detail: DisputeDetail }) {
  const { t, i18n } = useTranslation()
  const j = d.agreement?.judicial
  if (!j?.deadline) return null
  return (
    <section className="card" data-testid="judicial-panel" aria-labelledby="judicial-title">
      <h2 className="section-title" id="judicial-title">
        {t('disputes.judicial.title')}
      </h2>
      <dl className="facts">
        <div>
          <dt>{t('disputes.judicial.deadline')}</dt>
          <dd>
            {formatDateTime(j.deadline, i18n.language)}{' '}
            {!j.status && <DeadlineClock dueAt={j.deadline} overdue={false} testId="judicial-clock" />}
          </dd>
        </div>
        <div>
          <dt>{t('disputes.judicial.status')}</dt>
          <dd data-testid="judicial-status">
            {j.status ? t(`disputes.judicial.statuses.${j.status}`) : t('disputes.judicial.none')}
          </dd>
        </div>
        {j.court && (
          <div>
            <dt>{t('disputes.fields.court')}</dt>
            <dd>{j.court}</dd>
          </div>
        )}
        {j.appliedOn && (
          <div>
            <dt>{t('disputes.actionFields.appliedOn')}</dt>
            <dd>{j.appliedOn}</dd>
          </div>
        )}
        {j.decidedOn && (
          <div>
            <dt>{t('disputes.actionFields.decidedOn')}</dt>
            <dd>{j.decidedOn}</dd>
          </div>
        )}
        {j.extension && (
          <div className="wide">
            <dt>{t('disputes.actionFields.courtExtension')}</dt>
            <dd>{j.extension}</dd>
          </div>
        )}
      </dl>
    </section>
  )
}

function FollowUps({ detail: d }: { detail: DisputeDetail }) {
  const { t, i18n } = useTranslation()
  // Return visits follow an agreement in effect.
  if (d.followUps.length === 0 && (!d.agreement || d.agreement.status === 'draft')) return null
  return (
    <section className="card" data-testid="follow-ups" aria-labelledby="follow-ups-title">
      <h2 className="section-title" id="follow-ups-title">
        {t('disputes.followUps.title')}
      </h2>
      {d.followUps.length === 0 ? (
        <p className="muted">{t('disputes.followUps.none')}</p>
      ) : (
        <ol className="session-list">
          {d.followUps.map((f) => (
            <li key={f.id} className="session-item" data-testid="follow-up" data-performance={f.performance}>
              <div className="session-head">
                <strong>{formatDateTime(f.visitedAt, i18n.language)}</strong>
                <span className={`badge performance-${f.performance}`}>
                  {t(`disputes.performances.${f.performance}`)}
                </span>
              </div>
              <p className="session-record">{f.note}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

/** Agreements before the current one (a broken agreement reopened the dispute). */
function EarlierAgreements({ detail: d }: { detail: DisputeDetail }) {
  const { t } = useTranslation()
  const earlier = d.agreements.filter((g) => g.id !== d.agreement?.id)
  if (earlier.length === 0) return null
  return (
    <section className="card" aria-labelledby="earlier-agreements-title">
      <h2 className="section-title" id="earlier-agreements-title">
        {t('disputes.agreement.earlier')}
      </h2>
      {earlier.map((g) => (
        <details key={g.id} className="earlier-agreement">
          <summary>
            #{g.id} · {t(`disputes.agreement.statuses.${g.status}`)}
          </summary>
          <AgreementText agreement={g} detail={d} />
        </details>
      ))}
    </section>
  )
}

/** The dispute's history, oldest first: each step with who took it and what it carried. */
function DisputeTimeline({ detail: d }: { detail: DisputeDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const extra = (e: DisputeDetail['events'][number]): string | null => {
    const x = e.detail
    if (x.automatic === true) return t('disputes.timeline.automatic')
    if (e.action === 'register' && typeof x.riskLevel === 'string')
      return t('disputes.timeline.risk', {
        level: t(`disputes.risk.levels.${x.riskLevel}`, { defaultValue: x.riskLevel }),
      })
    if (e.action === 'assess_risk' && typeof x.riskLevel === 'string')
      return t('disputes.timeline.risk', {
        level: t(`disputes.risk.levels.${x.riskLevel}`, { defaultValue: x.riskLevel }),
      })
    if (e.action === 'sign' && typeof x.signer === 'string')
      return t(`disputes.timeline.signers.${x.signer}`, { defaultValue: x.signer })
    if (e.action === 'follow_up' && typeof x.performance === 'string')
      return t(`disputes.performances.${x.performance}`, { defaultValue: x.performance })
    if (e.action === 'settle' && typeof x.settledLevel === 'string')
      return t(`disputes.settledLevels.${x.settledLevel}`, { defaultValue: x.settledLevel })
    if (e.action === 'escalate' && x.partyRefused === true) return t('disputes.actionFields.partyRefused')
    return null
  }
  return (
    <ol className="timeline" data-testid="dispute-timeline">
      {d.events.map((e) => {
        const note = extra(e)
        const moved = e.fromState !== null && e.fromState !== e.toState
        return (
          <li
            key={e.id}
            className={`timeline-item action-${e.action}`}
            data-testid="dispute-event"
            data-action={e.action}
          >
            <span className="timeline-dot" aria-hidden="true" />
            <div className="timeline-body">
              <div className="timeline-head">
                <strong>{t(`disputes.events.${e.action}`, { defaultValue: e.action })}</strong>
                <time dateTime={e.at} className="muted">
                  {formatDateTime(e.at, lng)}
                </time>
              </div>
              <div className="timeline-who muted">
                {e.actorName === 'system' ? t('disputes.timeline.system') : e.actorName}
                {moved && ` · ${t(`disputes.states.${e.toState}`, { defaultValue: e.toState })}`}
              </div>
              {note && <div className="timeline-extra">{note}</div>}
              {e.comment && <p className="timeline-comment">{e.comment}</p>}
            </div>
          </li>
        )
      })}
    </ol>
  )
}
