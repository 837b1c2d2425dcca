import { keepPreviousData, useQuery, type QueryKey, type UseQueryOptions } from '@tanstack/react-query'
import { useEffect, useState, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import type { RegistryListQuery } from '../../api'
import { queries } from '../../api/queries'
import { AreaSelect } from '../../components/AreaSelect'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { href } from '../../router'
import type { Paged } from '../../types'
import { PAGE_SIZE } from './common'

interface Column<T> {
  key: string
  label: string
  cell: (item: T) => ReactNode
  mono?: boolean
}

/** A searchable, paged list of one registry entity (GET /<entity>?q=&areaId=&page=). */
function RegistryList<T extends { id: number }, K extends QueryKey>({
  entity,
  query,
  columns,
}: {
  entity: string
  query: (q: RegistryListQuery) => UseQueryOptions<Paged<T>, Error, Paged<T>, K>
  columns: Column<T>[]
}) {
  const { t } = useTranslation()
  const [qText, setQText] = useState('')
  const [q, setQ] = useState('')
  const [areaId, setAreaId] = useState('')
  const [page, setPage] = useState(1)

  useEffect(() => {
    const timer = setTimeout(() => {
      if (qText.trim() !== q) {
        setQ(qText.trim())
        setPage(1)
      }
    }, 300)
    return () => clearTimeout(timer)
  }, [qText, q])

  // The page on screen stays until the next one is there.
  const list = useQuery({
    ...query({ q: q || undefined, areaId: areaId ? Number(areaId) : undefined, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data

  return (
    <div className="registry-section" data-testid={`${entity}-list`}>
      <div className="filters registry-list-filters card">
        <input
          type="search"
          data-testid={`${entity}-q`}
          placeholder={t(`registry.lists.${entity}.search`)}
          aria-label={t(`registry.lists.${entity}.search`)}
          value={qText}
          onChange={(e) => setQText(e.target.value)}
        />
        <AreaSelect
          value={areaId}
          onChange={(v) => {
            setAreaId(v)
            setPage(1)
          }}
        />
      </div>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && <p className="muted empty">{t('registry.lists.empty')}</p>}
      {data && data.items.length > 0 && (
        <div className="audit-table-wrap">
          <table className="audit-table registry-table">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.key} scope="col">
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.items.map((item) => (
                <tr key={item.id} data-testid={`${entity}-row`}>
                  {columns.map((c) => (
                    <td key={c.key} className={c.mono ? 'mono' : undefined}>
                      {c.cell(item)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

const dash = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? '—' : v)

export function HouseholdsList() {
  const { t } = useTranslation()
  return (
    <RegistryList
      entity="households"
      query={queries.households}
      columns={[
        {
          key: 'code',
          label: t('registry.household.code'),
          mono: true,
          cell: (h) => <a href={href('registry', 'households', h.id)}>{h.code}</a>,
        },
        { key: 'address', label: t('registry.person.address'), cell: (h) => dash(h.address) },
        { key: 'members', label: t('registry.household.memberCount'), cell: (h) => h.members },
      ]}
    />
  )
}

export function BuildingsList() {
  const { t } = useTranslation()
  return (
    <RegistryList
      entity="buildings"
      query={queries.buildings}
      columns={[
        {
          key: 'code',
          label: t('registry.building.code'),
          mono: true,
          cell: (b) => <a href={href('registry', 'buildings', b.id)}>{b.code}</a>,
        },
        {
          key: 'name',
          label: t('registry.building.name'),
          cell: (b) => <a href={href('registry', 'buildings', b.id)}>{b.name}</a>,
        },
        {
          key: 'kind',
          label: t('registry.building.kind'),
          cell: (b) => t(`registry.buildingKinds.${b.kind}`, { defaultValue: b.kind }),
        },
        { key: 'address', label: t('registry.person.address'), cell: (b) => b.address },
        { key: 'floors', label: t('registry.building.floors'), cell: (b) => dash(b.floors) },
        { key: 'dwellings', label: t('registry.building.dwellingCount'), cell: (b) => b.dwellings },
      ]}
    />
  )
}

export function OrganisationsList() {
  const { t } = useTranslation()
  return (
    <RegistryList
      entity="organisations"
      query={queries.organisations}
      columns={[
        { key: 'name', label: t('registry.organisation.name'), cell: (o) => o.name },
        {
          key: 'kind',
          label: t('registry.organisation.kind'),
          cell: (o) => t(`registry.organisationKinds.${o.kind}`, { defaultValue: o.kind }),
        },
        { key: 'uscc', label: t('registry.organisation.uscc'), mono: true, cell: (o) => dash(o.uscc) },
        {
          key: 'legal',
          label: t('registry.organisation.legalRepresentative'),
          cell: (o) => dash(o.legalRepresentative),
        },
        { key: 'address', label: t('registry.person.address'), cell: (o) => dash(o.address) },
      ]}
    />
  )
}

export function PlacesList() {
  const { t } = useTranslation()
  return (
    <RegistryList
      entity="places"
      query={queries.places}
      columns={[
        { key: 'name', label: t('registry.place.name'), cell: (p) => p.name },
        {
          key: 'kind',
          label: t('registry.place.kind'),
          cell: (p) => t(`registry.placeKinds.${p.kind}`, { defaultValue: p.kind }),
        },
        { key: 'address', label: t('registry.person.address'), cell: (p) => p.address },
        {
          key: 'building',
          label: t('registry.place.building'),
          cell: (p) => (p.buildingId ? <a href={href('registry', 'buildings', p.buildingId)}>#{p.buildingId}</a> : '—'),
        },
      ]}
    />
  )
}
