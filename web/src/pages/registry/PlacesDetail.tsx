import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { queries } from '../../api/queries'
import { QueryStatus } from '../../components/QueryStatus'
import { href } from '../../router'
import { PersonStatus, TagBadges } from './common'
import { DevicePanel } from '../devices/registry/DevicePanel'

/** A household (户) and its members with their relation to the head, masked. */
export function HouseholdPage({ id }: { id: number }) {
  const { t } = useTranslation()
  const household = useQuery(queries.household(id))
  const data = household.data
  return (
    <section className="page narrow-page" data-testid="page-household">
      <a className="back-link" href={href('registry', 'households')}>
        ← {t('registry.tabs.households')}
      </a>
      <QueryStatus query={household} />
      {data && (
        <>
          <div className="page-head">
            <h1 className="page-title">
              {t('registry.household.title')} <span className="mono">{data.code}</span>
            </h1>
          </div>
          <dl className="facts card">
            <div>
              <dt>{t('registry.person.address')}</dt>
              <dd>{data.address ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('registry.household.memberCount')}</dt>
              <dd>{data.members.length}</dd>
            </div>
          </dl>
          <h2 className="section-title">{t('registry.household.members')}</h2>
          {data.members.length === 0 && <p className="muted empty">{t('registry.household.noMembers')}</p>}
          <ul className="registry-cards">
            {data.members.map((m) => (
              <li
                key={m.person.id}
                className="card registry-member"
                data-testid="household-member"
                data-relation={m.relation}
              >
                <div className="case-card-head">
                  <a href={href('registry', 'people', m.person.id)}>
                    <strong>{m.person.name}</strong>
                  </a>
                  <span className="badge badge-muted">
                    {t(`registry.relations.${m.relation}`, { defaultValue: m.relation })}
                  </span>
                </div>
                <div className="muted registry-member-meta">
                  <span className="mono">{m.person.idNumber}</span>
                  <span>{t(`registry.sexes.${m.person.sex}`, { defaultValue: m.person.sex })}</span>
                  <span>{m.person.birthDate ?? '—'}</span>
                  <PersonStatus status={m.person.status} />
                  <TagBadges tags={m.person.tags} />
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

/** A building with its dwellings (unit, floor, room) and who lives in each, masked. */
export function BuildingPage({ id }: { id: number }) {
  const { t } = useTranslation()
  const building = useQuery(queries.building(id))
  const data = building.data
  return (
    <section className="page narrow-page" data-testid="page-building">
      <a className="back-link" href={href('registry', 'buildings')}>
        ← {t('registry.tabs.buildings')}
      </a>
      <QueryStatus query={building} />
      {data && (
        <>
          <div className="page-head">
            <h1 className="page-title">{data.name}</h1>
            <span className="mono muted">{data.code}</span>
          </div>
          <dl className="facts card">
            <div>
              <dt>{t('registry.building.kind')}</dt>
              <dd>{t(`registry.buildingKinds.${data.kind}`, { defaultValue: data.kind })}</dd>
            </div>
            <div>
              <dt>{t('registry.building.floors')}</dt>
              <dd>{data.floors ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('registry.person.address')}</dt>
              <dd>{data.address}</dd>
            </div>
            <div>
              <dt>{t('registry.building.dwellingCount')}</dt>
              <dd>{data.dwellings.length}</dd>
            </div>
          </dl>
          <h2 className="section-title">{t('registry.building.dwellings')}</h2>
          {data.dwellings.length === 0 && <p className="muted empty">{t('registry.building.noDwellings')}</p>}
          <ul className="registry-cards">
            {data.dwellings.map((d) => (
              <li key={d.id} className="card" data-testid="dwelling" data-dwelling-id={d.id}>
                <div className="case-card-head">
                  <strong>
                    {t('registry.building.dwellingName', { unit: d.unit || '—', floor: d.floor ?? '—', room: d.room })}
                  </strong>
                  <span className="badge badge-muted">
                    {t('registry.building.residentCount', { n: d.residents.length })}
                  </span>
                </div>
                {d.residents.length > 0 && (
                  <ul className="dwelling-residents">
                    {d.residents.map((p) => (
                      <li key={p.id} data-testid="dwelling-resident">
                        <a href={href('registry', 'people', p.id)}>{p.name}</a>
                        <span className="mono muted">{p.idNumber}</span>
                        {p.phone && <span className="mono muted">{p.phone}</span>}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
          <DevicePanel buildingId={id} />
        </>
      )}
    </section>
  )
}
