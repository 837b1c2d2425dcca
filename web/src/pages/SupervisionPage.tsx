import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../api/queries'
import { Pager } from '../components/Pager'
import { QueryStatus } from '../components/QueryStatus'
import { hasRole } from '../modules'
import { routes, useRoute } from '../router'
import type { Role, User } from '../types'
import { CallbacksSection } from './loop/CallbacksSection'
import { ReturnsSection } from './loop/ReturnsSection'
import { RulesSection } from './loop/RulesSection'
import { ShelvingSection } from './loop/ShelvingSection'
import { CaseTable } from './WorkbenchPage'

const PAGE_SIZE = 20

const TABS = ['overdue', 'returns', 'shelving', 'callbacks', 'rules'] as const
type Tab = (typeof TABS)[number]
/**
 * Who sees each section (the page itself is for admins, leaders and staff): returns are reviewed by
 * triage and supervisors, shelving approved by leaders (staff see the lists), call-backs made by
 * the hotline operators (triage), the rules set by admins.
 */
const TAB_ROLES: Record<Tab, readonly Role[]> = {
  overdue: ['admin', 'leader', 'staff'],
  returns: ['admin', 'leader', 'staff'],
  shelving: ['admin', 'leader', 'staff'],
  callbacks: ['admin', 'staff'],
  rules: ['admin'],
}
const isTab = (s: string | undefined): s is Tab => !!s && (TABS as readonly string[]).includes(s)

/**
 * Supervision below #/supervision/<section>: the overdue queue (escalated cases), return review,
 * shelving approval and the shelved list, the hotline's call-back console and the case rules.
 */
export function SupervisionPage() {
  const { t } = useTranslation()
  const route = useRoute()
  const user = useQuery(queries.me()).data
  if (!user) return null
  const tabs = TABS.filter((tab) => hasRole(user, TAB_ROLES[tab]))
  const tab: Tab = isTab(route.params[0]) && tabs.includes(route.params[0]) ? route.params[0] : 'overdue'
  return (
    <section className="page workbench-page" data-testid="page-supervision" data-section={tab}>
      <div className="page-head">
        <h1 className="page-title">{t('supervision.title')}</h1>
      </div>
      <nav className="queue-tabs" aria-label={t('loop.hub.sections')}>
        {tabs.map((x) => (
          <a
            key={x}
            href={x === 'overdue' ? routes.supervision() : routes.supervision(x)}
            className={`queue-tab${x === tab ? ' active' : ''}`}
            aria-current={x === tab ? 'page' : undefined}
            data-testid={`supervision-tab-${x}`}
          >
            {t(`loop.hub.tabs.${x}`)}
          </a>
        ))}
      </nav>
      <Section tab={tab} user={user} />
    </section>
  )
}

function Section({ tab, user }: { tab: Tab; user: User }) {
  switch (tab) {
    case 'returns':
      return <ReturnsSection />
    case 'shelving':
      return <ShelvingSection user={user} now={new Date()} />
    case 'callbacks':
      return <CallbacksSection />
    case 'rules':
      return <RulesSection user={user} />
    default:
      return <OverdueSection />
  }
}

/** Open cases past a deadline (escalated), most overdue first. */
function OverdueSection() {
  const { t } = useTranslation()
  const [page, setPage] = useState(1)
  const list = useQuery({ ...queries.supervision({ page, pageSize: PAGE_SIZE }), placeholderData: keepPreviousData })
  const data = list.data

  return (
    <div data-testid="supervision-overdue">
      <div className="page-head">
        {data && (
          <span className="badge badge-danger" data-testid="supervision-total">
            {t('supervision.total', { n: data.total })}
          </span>
        )}
      </div>
      <p className="muted">{t('supervision.intro')}</p>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="supervision-empty">
          {t('supervision.empty')}
        </p>
      )}
      {data && data.items.length > 0 && <CaseTable items={data.items} showEscalation />}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}
