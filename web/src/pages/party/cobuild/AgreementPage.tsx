import { useMutation, useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { cobuildApi, cobuildChanged, cobuildQueries } from './api'
import { ItemCard } from './Board'
import './cobuild.css'

/** One agreement: the unit, the community, its resources and projects with their progress. */
export function AgreementPage({ agreementId }: { agreementId: number }) {
  const { t } = useTranslation()
  const q = useQuery(cobuildQueries.agreement(agreementId))
  const end = useMutation({
    mutationFn: (version: number) => cobuildApi.updateAgreement(agreementId, { version, status: 'ended' }),
    onSuccess: cobuildChanged,
  })
  const a = q.data
  return (
    <div className="cobuild" data-testid="cobuild-agreement-page">
      <a className="back-link" href={routes.party('cobuild')}>
        ← {t('party.cobuild.back')}
      </a>
      <QueryStatus query={q} />
      {a && (
        <>
          <section className="card">
            <h2 data-testid="cobuild-agreement-unit">{a.unitName}</h2>
            <dl className="cobuild-facts">
              <dt>{t('party.cobuild.unitKind')}</dt>
              <dd>{t(`party.cobuild.unitKinds.${a.unitKind}`)}</dd>
              <dt>{t('party.cobuild.community')}</dt>
              <dd>{localName(a.area)}</dd>
              {a.unitDepartment && (
                <>
                  <dt>{t('party.cobuild.department')}</dt>
                  <dd>{a.unitDepartment.name}</dd>
                </>
              )}
              {a.unitOrganisation && (
                <>
                  <dt>{t('party.cobuild.organisation')}</dt>
                  <dd>{a.unitOrganisation.name}</dd>
                </>
              )}
              {a.unitPartyOrganisation && (
                <>
                  <dt>{t('party.cobuild.partyOrganisation')}</dt>
                  <dd>
                    <a href={routes.party('organisations', a.unitPartyOrganisation.id)}>
                      {a.unitPartyOrganisation.name}
                    </a>
                  </dd>
                </>
              )}
              <dt>{t('party.cobuild.contact')}</dt>
              <dd>{a.contactName ?? '—'}</dd>
              <dt>{t('party.cobuild.signedOn')}</dt>
              <dd>
                {a.signedOn}
                {a.endsOn ? ` – ${a.endsOn}` : ''}
              </dd>
              <dt>{t('party.cobuild.status')}</dt>
              <dd data-testid="cobuild-agreement-status">{t(`party.cobuild.agreementStatuses.${a.status}`)}</dd>
              <dt>{t('party.cobuild.progress')}</dt>
              <dd>
                {t('party.cobuild.progressText', {
                  resources: a.resources,
                  projects: a.projects,
                  done: a.projectsDone,
                })}
              </dd>
            </dl>
            {a.canEdit && a.status === 'active' && (
              <button
                type="button"
                className="btn"
                disabled={end.isPending}
                onClick={() => end.mutate(a.version)}
                data-testid="cobuild-agreement-end"
              >
                {t('party.cobuild.end')}
              </button>
            )}
            <ErrorBanner error={end.error} />
          </section>
          <div className="cobuild-columns">
            {(['project', 'resource', 'need'] as const).map((list) => {
              const items = a.items.filter((i) => i.list === list)
              return (
                <section key={list} className="cobuild-column" aria-label={t(`party.cobuild.lists.${list}`)}>
                  <h2>
                    {t(`party.cobuild.lists.${list}`)} <span className="muted">({items.length})</span>
                  </h2>
                  {items.length === 0 && <p className="muted">{t('party.cobuild.empty')}</p>}
                  {items.map((i) => (
                    <ItemCard key={i.id} item={i} />
                  ))}
                </section>
              )
            })}
          </div>
        </>
      )}
    </div>
  )
}
