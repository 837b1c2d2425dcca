import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import type { TFunction } from 'i18next'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { invalidate, keys, queries, queryClient } from '../api/queries'
import { StateChip } from '../components/CaseBadges'
import { ErrorBanner } from '../components/ErrorBanner'
import { Pager } from '../components/Pager'
import { QueryStatus } from '../components/QueryStatus'
import { formatDateTime } from '../i18n'
import { hasRole } from '../modules'
import { routes } from '../router'
import type { Notification, User } from '../types'

const PAGE_SIZE = 20

/**
 * A dispute or petition notice as a sentence (src/disputes: actions.ts, risk.ts, petitions.ts), its
 * states, actions and levels named as the dispute screens name them; null for other kinds.
 */
function disputeNotice(n: Notification, t: TFunction, lng: string): string | null {
  const p = n.params
  const str = (k: string) => (typeof p[k] === 'string' ? p[k] : '')
  const reference = str('reference')
  const state = str('state')
  const level = str('level')
  const action = str('action')
  const named = (prefix: string, v: string) => (v ? t(`${prefix}.${v}`, { defaultValue: v }) : '—')
  const levelName = named('disputes.levels', level)
  switch (n.kind) {
    case 'dispute_risk': {
      const rules = Array.isArray(p.rules) ? p.rules.filter((r) => typeof r === 'string') : []
      return t(rules.length ? 'inbox.texts.dispute_riskRules' : 'inbox.texts.dispute_risk', {
        reference,
        level: named('disputes.risk.levels', level),
        rules: rules.join(t('common.listSeparator')),
      })
    }
    case 'dispute_assigned':
      // Assigned to a committee, joined as a joint body, or back in mediation after a broken agreement.
      return t(
        `inbox.texts.dispute_assigned.${['assign', 'add_joint', 'follow_up'].includes(action) ? action : 'other'}`,
        {
          reference,
          action: named('disputes.actionNames', action),
          state: named('disputes.states', state),
          level: t('disputes.levels.people'),
        },
      )
    case 'dispute_warning':
    case 'dispute_overdue':
      return t(`inbox.texts.${n.kind}`, { reference, level: levelName })
    case 'dispute_escalated':
      // By a mediator (escalate) or by the clock when people's mediation ran out; either way to administrative.
      return t(action ? 'inbox.texts.dispute_escalated' : 'inbox.texts.dispute_escalatedAutomatic', {
        reference,
        level: t('disputes.levels.administrative'),
      })
    case 'dispute_judicial_reminder':
      return t('inbox.texts.dispute_judicial_reminder', {
        reference,
        date: formatDateTime(str('deadline') || null, lng),
      })
    case 'petition_warning':
    case 'petition_overdue':
      return t(`inbox.texts.${n.kind}`, { reference, stage: named('inbox.petitionStages', str('stage')) })
    default:
      return null
  }
}

/** Where a participation notice's subject lives in the participation pages. */
const participationParts: Record<string, string> = {
  notice: 'notices',
  consultation: 'consultations',
  survey: 'surveys',
  proposal: 'proposals',
  meeting: 'meetings',
  accountability: 'accountability',
}

/**
 * A participation notice as a sentence (src/participation: proposals.ts, common.ts, digest.ts): a
 * proposal past its threshold or late with its answer, a change to something the resident takes
 * part in, or the day's digest; null for other kinds.
 */
function participationNotice(n: Notification, t: TFunction): string | null {
  const p = n.params
  const str = (k: string) => (typeof p[k] === 'string' ? p[k] : '')
  switch (n.kind) {
    case 'proposal_threshold':
    case 'proposal_warning':
    case 'proposal_overdue':
      return t(`inbox.texts.${n.kind}`, { reference: str('reference'), title: str('title') })
    case 'participation_update':
      return t('inbox.texts.participation_update', {
        title: str('title') || str('reference'),
        event: t(`inbox.participationEvents.${str('event')}`, { defaultValue: str('event') }),
      })
    case 'participation_digest':
      return t('inbox.texts.participation_digest', { count: typeof p.count === 'number' ? p.count : 0 })
    default:
      return null
  }
}

/** A services notice as a sentence (src/services): an application's progress or deadline, a project milestone, an activity. */
function servicesNotice(n: Notification, t: TFunction, lng: string): string | null {
  const p = n.params
  const str = (k: string) => (typeof p[k] === 'string' ? p[k] : '')
  switch (n.kind) {
    case 'service_update':
      return t('inbox.texts.service_update', {
        reference: str('reference'),
        title: str('title'),
        status: t(`inbox.serviceStatuses.${str('status')}`, { defaultValue: str('status') }),
      })
    case 'service_warning':
    case 'service_overdue':
      return t(`inbox.texts.${n.kind}`, {
        reference: str('reference'),
        title: str('title'),
        stage: t(`inbox.serviceStages.${str('stage')}`, { defaultValue: str('stage') }),
      })
    case 'project_milestone_due':
      return t('inbox.texts.project_milestone_due', {
        reference: str('reference'),
        title: str('title'),
        date: formatDateTime(str('date') || null, lng),
      })
    case 'activity_update':
      return t('inbox.texts.activity_update', {
        title: str('title'),
        event: t(`inbox.activityEvents.${str('event')}`, { defaultValue: str('event') }),
      })
    case 'booking_cancelled':
      return t('inbox.texts.booking_cancelled', {
        facility: str('facility'),
        when: formatDateTime(str('startsAt') || null, lng),
        reason: str('reason'),
      })
    default:
      return null
  }
}

/**
 * An emergency notice (src/emergency): an alert to a resident of an affected grid, or news of an
 * incident for those who run or respond to it (declared, level changed, a task, an escalation, closed).
 */
function emergencyNotice(n: Notification, t: TFunction): string | null {
  const p = n.params
  const str = (k: string) => (typeof p[k] === 'string' ? p[k] : '')
  const level =
    typeof p.level === 'number' ? t(`inbox.incidentLevels.${p.level}`, { defaultValue: String(p.level) }) : ''
  const drill = p.drill === true ? t('inbox.drillPrefix') : ''
  switch (n.kind) {
    case 'incident_alert':
      return t('inbox.texts.incident_alert', {
        drill,
        level,
        kind: t(`inbox.incidentKinds.${str('kind')}`, { defaultValue: str('kind') }),
        title: str('title'),
      })
    case 'incident_update':
      return t('inbox.texts.incident_update', {
        drill,
        reference: str('reference'),
        title: str('title'),
        event: t(`inbox.incidentEvents.${str('event')}`, { defaultValue: str('event'), level }),
      })
    case 'device_alarm':
      return t('inbox.texts.device_alarm', {
        severity: t(`inbox.alarmSeverities.${str('severity')}`, { defaultValue: str('severity') }),
        device: `${str('deviceName')} (${str('deviceCode')})`,
        kind: t(`inbox.alarmKinds.${str('kind')}`, { defaultValue: str('kind') }),
        building: str('buildingName'),
      })
    default:
      return null
  }
}

/** The caller's notifications: new dispatches, warnings, escalations, updates of their reports. */
export function InboxPage({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [unreadOnly, setUnreadOnly] = useState(false)
  const [page, setPage] = useState(1)
  const worker = hasRole(user, ['admin', 'leader', 'staff', 'grid_worker', 'department_handler'])
  const listQuery = queries.notifications({ page, pageSize: PAGE_SIZE, unread: unreadOnly || undefined })
  const list = useQuery({ ...listQuery, placeholderData: keepPreviousData })
  const data = list.data

  // Read ones stay in the list, marked read, until it is loaded again; the bell recounts at once.
  const read = useMutation({
    mutationFn: (ids: number[]) => Promise.all(ids.map((id) => api.markNotificationRead(id))),
    onSuccess: async (_, ids) => {
      const now = new Date().toISOString()
      await queryClient.invalidateQueries({ queryKey: keys.notifications, refetchType: 'none' })
      queryClient.setQueryData(listQuery.queryKey, (d) =>
        d ? { ...d, items: d.items.map((n) => (ids.includes(n.id) ? { ...n, readAt: n.readAt ?? now } : n)) } : d,
      )
      await invalidate(keys.unreadCount)
    },
  })
  const markRead = (ids: number[]) => read.mutate(ids)

  const caseLink = (n: Notification) =>
    n.caseId == null ? null : worker ? routes.case(n.caseId) : routes.myCase(n.caseId)
  // A care visit fell overdue: the link opens the person's card.
  const personLink = (n: Notification) =>
    n.kind === 'care_visit_overdue' && typeof n.params.personId === 'number' ? routes.person(n.params.personId) : null
  // A dispute or a petition (risk warnings, assignments, limits): the link opens it.
  const disputeLink = (n: Notification) =>
    typeof n.params.disputeId === 'number'
      ? routes.dispute(n.params.disputeId)
      : typeof n.params.petitionId === 'number'
        ? routes.petition(n.params.petitionId)
        : null
  // A proposal, consultation, survey, meeting or accountability record the notice is about.
  const participationLink = (n: Notification) => {
    if (typeof n.params.proposalId === 'number') return routes.participation('proposals', n.params.proposalId)
    const part = typeof n.params.subjectKind === 'string' ? participationParts[n.params.subjectKind] : undefined
    return part && typeof n.params.subjectId === 'number' ? routes.participation(part, n.params.subjectId) : null
  }
  // An alert opens the resident's alert page; news of an incident opens its command view; a device
  // alarm opens the alarm.
  const emergencyLink = (n: Notification) =>
    n.kind === 'incident_alert' && typeof n.params.recipientId === 'number'
      ? routes.emergency('alerts', n.params.recipientId)
      : n.kind === 'incident_update' && typeof n.params.incidentId === 'number'
        ? routes.emergency('incidents', n.params.incidentId)
        : n.kind === 'device_alarm' && typeof n.params.alarmId === 'number'
          ? routes.devices('alarms', n.params.alarmId)
          : null
  // A course assigned, due or overdue opens the learner's course; the keepers' count of overdue
  // learners opens the records.
  const trainingLink = (n: Notification) =>
    n.kind.startsWith('training_')
      ? typeof n.params.enrolmentId === 'number'
        ? routes.training('learn', n.params.enrolmentId)
        : routes.training('records')
      : null
  // A monthly report rendered by the schedule opens the reports page, where it waits for download.
  const reportLink = (n: Notification) => (n.kind === 'monthly_report' ? routes.monthlyReports() : null)
  const reportSentence = (n: Notification) =>
    n.kind === 'monthly_report'
      ? t('inbox.texts.monthly_report', {
          area: String((lng === 'en' ? n.params.areaNameEn : n.params.areaName) ?? ''),
          month: String(n.params.month ?? ''),
        })
      : null
  // A new early warning opens the warning, named by its kind, severity and area.
  const warningLink = (n: Notification) =>
    n.kind === 'warning_raised' && typeof n.params.warningId === 'number' ? routes.warnings(n.params.warningId) : null
  const warningSentence = (n: Notification) =>
    n.kind === 'warning_raised'
      ? t('inbox.texts.warning_raised', {
          severity: t(`analytics.warnings.severities.${String(n.params.severity)}`, { defaultValue: '' }),
          kind: t(`analytics.warnings.kinds.${String(n.params.kind)}`, { defaultValue: String(n.params.kind) }),
          area: String((lng === 'en' ? n.params.areaEn : n.params.areaZh) ?? ''),
          category: String((lng === 'en' ? n.params.categoryEn : n.params.categoryZh) ?? ''),
        })
      : null
  const unread = data?.items.filter((n) => !n.readAt) ?? []

  return (
    <section className="page narrow-page" data-testid="page-inbox">
      <div className="page-head">
        <h1 className="page-title">{t('inbox.title')}</h1>
        <button
          type="button"
          className="btn btn-small"
          data-testid="inbox-read-all"
          disabled={unread.length === 0}
          onClick={() => markRead(unread.map((n) => n.id))}
        >
          {t('inbox.markAllRead')}
        </button>
      </div>
      <label className="check">
        <input
          type="checkbox"
          data-testid="inbox-unread-only"
          checked={unreadOnly}
          onChange={(e) => {
            setUnreadOnly(e.target.checked)
            setPage(1)
          }}
        />
        {t('inbox.unreadOnly')}
      </label>
      <ErrorBanner error={read.error} />
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="inbox-empty">
          {t('inbox.empty')}
        </p>
      )}
      <ul className="inbox-list">
        {data?.items.map((n) => {
          const link =
            caseLink(n) ??
            personLink(n) ??
            disputeLink(n) ??
            participationLink(n) ??
            emergencyLink(n) ??
            trainingLink(n) ??
            reportLink(n) ??
            warningLink(n)
          const person = n.kind === 'care_visit_overdue' && typeof n.params.name === 'string' ? n.params.name : null
          const dueOn = n.kind === 'care_visit_overdue' && typeof n.params.dueOn === 'string' ? n.params.dueOn : null
          const code = typeof n.params.trackingCode === 'string' ? n.params.trackingCode : null
          const sentence =
            disputeNotice(n, t, lng) ??
            participationNotice(n, t) ??
            servicesNotice(n, t, lng) ??
            emergencyNotice(n, t) ??
            reportSentence(n) ??
            warningSentence(n)
          // A dispute's or petition's action and state are in its sentence; the case chips would misname them.
          const action = !sentence && typeof n.params.action === 'string' ? n.params.action : null
          const state = !sentence && typeof n.params.state === 'string' ? n.params.state : null
          return (
            <li
              key={n.id}
              className={`inbox-item card${n.readAt ? ' read' : ' unread'}`}
              data-testid="notification"
              data-kind={n.kind}
              data-read={!!n.readAt}
            >
              <div className="inbox-main">
                <strong>{t(`inbox.kinds.${n.kind}`, { defaultValue: n.kind })}</strong>
                {sentence && (
                  <div className="inbox-text" data-testid="notification-text">
                    {sentence}
                  </div>
                )}
                <div className="inbox-meta muted">
                  {code && <span className="mono">{code}</span>}
                  {person && <span data-testid="notification-person">{person}</span>}
                  {dueOn && <span>{t('inbox.careDue', { date: dueOn })}</span>}
                  {action && <span>{t(`caseActions.${action}`, { defaultValue: action })}</span>}
                  {state && <StateChip state={state} />}
                  <time dateTime={n.createdAt}>{formatDateTime(n.createdAt, lng)}</time>
                </div>
              </div>
              <div className="inbox-buttons">
                {link && (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid={`notification-open-${n.id}`}
                    onClick={() => {
                      if (!n.readAt) markRead([n.id])
                      window.location.hash = link
                    }}
                  >
                    {t('inbox.open')}
                  </button>
                )}
                {!n.readAt && (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid={`notification-read-${n.id}`}
                    onClick={() => markRead([n.id])}
                  >
                    {t('inbox.markRead')}
                  </button>
                )}
              </div>
            </li>
          )
        })}
      </ul>
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </section>
  )
}
