import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { LocationPicker } from '../../../components/LocationPicker'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import type { LngLat } from '../../../types'
import {
  facilities,
  resourceKinds,
  responseApi,
  responseChanged,
  responseQueries,
  type Facility,
  type Resource,
  type ResourceKind,
  type Shelter,
} from './api'
import { Problem, Required } from './common'
import { OccupancyBar } from './SheltersPanel'

const PAGE = 50

function Back() {
  const { t } = useTranslation()
  return (
    <a className="btn" href={routes.emergency('response')} data-testid="back-to-tasks">
      {t('emergency.response.back')}
    </a>
  )
}

/** The inventory of resources the caller reads, by area and kind; staff add and edit. */
export function ResourcesPage({ staff }: { staff: boolean }) {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState('')
  const [kind, setKind] = useState<ResourceKind | ''>('')
  const [page, setPage] = useState(1)
  const [editing, setEditing] = useState<Resource | 'new' | null>(null)
  const q = { page, pageSize: PAGE, ...(areaId ? { areaId: Number(areaId) } : {}), ...(kind ? { kind } : {}) }
  const list = useQuery({ ...responseQueries.resources(q), placeholderData: keepPreviousData })
  return (
    <div className="response-inventory" data-testid="resources-page">
      <div className="response-toolbar">
        <Back />
        {staff && (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setEditing('new')}
            data-testid="resource-new"
          >
            {t('emergency.response.resources.new')}
          </button>
        )}
      </div>
      <h2>{t('emergency.response.resources.inventory')}</h2>
      {editing && <ResourceForm resource={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      <div className="response-filters">
        <AreaField
          id="inv-area-1"
          value={areaId}
          onChange={(v) => {
            setAreaId(v)
            setPage(1)
          }}
          emptyLabel={t('emergency.response.allAreas')}
          testId="resource-filter-area"
        />
        <label className="field">
          <span>{t('emergency.response.resources.kind')}</span>
          <select
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as ResourceKind | '')
              setPage(1)
            }}
            data-testid="resource-filter-kind"
          >
            <option value="">{t('emergency.response.resources.allKinds')}</option>
            {resourceKinds.map((k) => (
              <option key={k} value={k}>
                {t(`emergency.response.resources.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('emergency.response.resources.none')}</p>}
      <div className="table-wrap">
        <table className="response-table" data-testid="resource-table">
          <caption className="visually-hidden">{t('emergency.response.resources.inventory')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('emergency.response.resources.name')}</th>
              <th scope="col">{t('emergency.response.area')}</th>
              <th scope="col">{t('emergency.response.resources.stock')}</th>
              <th scope="col">{t('emergency.response.resources.place')}</th>
              {staff && <th scope="col">{t('emergency.response.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {(list.data?.items ?? []).map((r) => (
              <tr key={r.id} data-testid="resource-row" data-id={r.id}>
                <td>
                  {r.name}
                  <div className="muted">{t(`emergency.response.resources.kinds.${r.kind}`)}</div>
                </td>
                <td>{r.areaName}</td>
                <td>
                  {t('emergency.response.resources.availableOf', {
                    available: r.available,
                    quantity: r.quantity,
                    unit: r.unit,
                  })}
                </td>
                <td>{r.place ?? ''}</td>
                {staff && (
                  <td>
                    {r.canManage && (
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => setEditing(r)}
                        aria-label={t('emergency.response.editWhat', { name: r.name })}
                        data-testid="resource-edit"
                      >
                        {t('emergency.response.edit')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data && (
        <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} />
      )}
    </div>
  )
}

function ResourceForm({ resource, onDone }: { resource: Resource | null; onDone: () => void }) {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState(resource ? String(resource.areaId) : '')
  const [kind, setKind] = useState<ResourceKind>(resource?.kind ?? 'sandbags')
  const [name, setName] = useState(resource?.name ?? '')
  const [unit, setUnit] = useState(resource?.unit ?? '')
  const [quantity, setQuantity] = useState(resource ? String(resource.quantity) : '')
  const [place, setPlace] = useState(resource?.place ?? '')
  const [key] = useState(newIdempotencyKey)
  const save = useMutation({
    mutationFn: () => {
      const fields = {
        kind,
        name: name.trim(),
        unit: unit.trim(),
        quantity: Number(quantity),
        ...(place.trim() ? { place: place.trim() } : {}),
        ...(resource?.location ? { location: resource.location } : {}),
      }
      return resource
        ? responseApi.updateResource(resource.id, { version: resource.version, ...fields })
        : responseApi.createResource({ areaId: Number(areaId), ...fields }, key)
    },
    onSuccess: () => {
      void responseChanged()
      onDone()
    },
  })
  const ready = (resource || areaId) && name.trim() && unit.trim() && quantity !== '' && Number(quantity) >= 0
  return (
    <form
      className="card response-form"
      aria-labelledby="resource-form-title"
      onSubmit={(e) => {
        e.preventDefault()
        if (ready) save.mutate()
      }}
      data-testid="resource-form"
    >
      <h3 id="resource-form-title">
        {resource ? t('emergency.response.editWhat', { name: resource.name }) : t('emergency.response.resources.new')}
      </h3>
      {!resource && <AreaField id="inv-area-2" value={areaId} onChange={setAreaId} testId="resource-area" required />}
      <label className="field">
        <span>{t('emergency.response.resources.kind')}</span>
        <select value={kind} onChange={(e) => setKind(e.target.value as ResourceKind)} data-testid="resource-kind">
          {resourceKinds.map((k) => (
            <option key={k} value={k}>
              {t(`emergency.response.resources.kinds.${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>
          {t('emergency.response.resources.name')}
          <Required />
        </span>
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="resource-name" />
      </label>
      <label className="field">
        <span>
          {t('emergency.response.resources.unit')}
          <Required />
        </span>
        <input value={unit} maxLength={20} onChange={(e) => setUnit(e.target.value)} data-testid="resource-unit" />
      </label>
      <label className="field">
        <span>
          {t('emergency.response.resources.quantity')}
          <Required />
        </span>
        <input
          type="number"
          min={0}
          value={quantity}
          onChange={(e) => setQuantity(e.target.value)}
          data-testid="resource-quantity"
        />
      </label>
      <label className="field">
        <span>{t('emergency.response.resources.place')}</span>
        <input value={place} maxLength={200} onChange={(e) => setPlace(e.target.value)} data-testid="resource-place" />
      </label>
      <Problem error={save.error} testId="resource-form-error" />
      <div className="response-buttons">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={!ready || save.isPending}
          data-testid="resource-submit"
        >
          {t('emergency.response.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('emergency.response.cancel')}
        </button>
      </div>
    </form>
  )
}

/** The shelters the caller reads with their occupancy; staff add, edit, open and close them. */
export function SheltersPage({ staff }: { staff: boolean }) {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState('')
  const [page, setPage] = useState(1)
  const [editing, setEditing] = useState<Shelter | 'new' | null>(null)
  const q = { page, pageSize: PAGE, ...(areaId ? { areaId: Number(areaId) } : {}) }
  const list = useQuery({ ...responseQueries.shelters(q), placeholderData: keepPreviousData })
  const status = useMutation({
    mutationFn: ({ id, to }: { id: number; to: Shelter['status'] }) => responseApi.shelterStatus(id, to),
    onSuccess: () => void responseChanged(),
  })
  return (
    <div className="response-inventory" data-testid="shelters-page">
      <div className="response-toolbar">
        <Back />
        {staff && (
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')} data-testid="shelter-new">
            {t('emergency.response.shelters.new')}
          </button>
        )}
      </div>
      <h2>{t('emergency.response.shelters.inventory')}</h2>
      {editing && <ShelterForm shelter={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      <div className="response-filters">
        <AreaField
          id="inv-area-3"
          value={areaId}
          onChange={(v) => {
            setAreaId(v)
            setPage(1)
          }}
          emptyLabel={t('emergency.response.allAreas')}
          testId="shelter-filter-area"
        />
      </div>
      <QueryStatus query={list} />
      <Problem error={status.error} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('emergency.response.shelters.none')}</p>}
      <ul className="card-list">
        {(list.data?.items ?? []).map((s) => (
          <li
            key={s.id}
            className="card response-shelter"
            data-testid="shelter-row"
            data-id={s.id}
            data-status={s.status}
          >
            <div className="response-task-head">
              <strong>{s.name}</strong>
              <span className={`chip response-shelter-${s.status}`}>
                {t(`emergency.response.shelters.status.${s.status}`)}
              </span>
            </div>
            <p className="muted">
              {s.areaName} · {s.address}
              {s.facilities.length > 0 &&
                ` · ${s.facilities.map((f) => t(`emergency.response.facilities.${f}`)).join('、')}`}
            </p>
            <OccupancyBar occupancy={s.occupancy} capacity={s.capacity} />
            {s.canManage && (
              <div className="response-buttons">
                {(['open', 'standby', 'closed'] as const)
                  .filter((x) => x !== s.status)
                  .map((x) => (
                    <button
                      key={x}
                      type="button"
                      className="btn btn-small"
                      disabled={status.isPending}
                      onClick={() => status.mutate({ id: s.id, to: x })}
                      data-testid={`shelter-to-${x}`}
                    >
                      {t(`emergency.response.shelters.to.${x}`)}
                    </button>
                  ))}
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => setEditing(s)}
                  aria-label={t('emergency.response.editWhat', { name: s.name })}
                  data-testid="shelter-edit"
                >
                  {t('emergency.response.edit')}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {list.data && (
        <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} />
      )}
    </div>
  )
}

function ShelterForm({ shelter, onDone }: { shelter: Shelter | null; onDone: () => void }) {
  const { t } = useTranslation()
  const config = useQuery(queries.config())
  const [areaId, setAreaId] = useState(shelter ? String(shelter.areaId) : '')
  const [name, setName] = useState(shelter?.name ?? '')
  const [address, setAddress] = useState(shelter?.address ?? '')
  const [capacity, setCapacity] = useState(shelter ? String(shelter.capacity) : '')
  const [location, setLocation] = useState<LngLat | null>(shelter?.location ?? null)
  const [chosen, setChosen] = useState<Facility[]>(shelter?.facilities ?? [])
  const [key] = useState(newIdempotencyKey)
  const save = useMutation({
    mutationFn: () => {
      const fields = {
        name: name.trim(),
        address: address.trim(),
        capacity: Number(capacity),
        location: location!,
        facilities: chosen,
      }
      return shelter
        ? responseApi.updateShelter(shelter.id, { version: shelter.version, ...fields })
        : responseApi.createShelter({ areaId: Number(areaId), ...fields }, key)
    },
    onSuccess: () => {
      void responseChanged()
      onDone()
    },
  })
  const ready = (shelter || areaId) && name.trim() && address.trim() && Number(capacity) >= 1 && location
  return (
    <form
      className="card response-form"
      aria-labelledby="shelter-form-title"
      onSubmit={(e) => {
        e.preventDefault()
        if (ready) save.mutate()
      }}
      data-testid="shelter-form"
    >
      <h3 id="shelter-form-title">
        {shelter ? t('emergency.response.editWhat', { name: shelter.name }) : t('emergency.response.shelters.new')}
      </h3>
      {!shelter && <AreaField id="inv-area-4" value={areaId} onChange={setAreaId} testId="shelter-area" required />}
      <label className="field">
        <span>
          {t('emergency.response.shelters.name')}
          <Required />
        </span>
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="shelter-name" />
      </label>
      <label className="field">
        <span>
          {t('emergency.response.shelters.address')}
          <Required />
        </span>
        <input
          value={address}
          maxLength={300}
          onChange={(e) => setAddress(e.target.value)}
          data-testid="shelter-address"
        />
      </label>
      <label className="field">
        <span>
          {t('emergency.response.shelters.capacity')}
          <Required />
        </span>
        <input
          type="number"
          min={1}
          max={100000}
          value={capacity}
          onChange={(e) => setCapacity(e.target.value)}
          data-testid="shelter-capacity"
        />
      </label>
      <fieldset className="plain-fieldset response-facilities">
        <legend>{t('emergency.response.shelters.facilities')}</legend>
        {facilities.map((f) => (
          <label key={f} className="response-radio">
            <input
              type="checkbox"
              checked={chosen.includes(f)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, f] : chosen.filter((x) => x !== f))}
            />
            {t(`emergency.response.facilities.${f}`)}
          </label>
        ))}
      </fieldset>
      <div className="response-map">
        <span className="field-label">
          {t('emergency.response.shelters.location')}
          <Required />
        </span>
        <LocationPicker value={location} onChange={setLocation} config={config.data ?? null} focusAreaIds={[]} />
      </div>
      <Problem error={save.error} testId="shelter-form-error" />
      <div className="response-buttons">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={!ready || save.isPending}
          data-testid="shelter-submit"
        >
          {t('emergency.response.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('emergency.response.cancel')}
        </button>
      </div>
    </form>
  )
}

/** The area of the inventory: a filter (with "all areas") or a form's required field. */
function AreaField(props: {
  id: string
  value: string
  onChange: (v: string) => void
  testId: string
  emptyLabel?: string
  required?: boolean
}) {
  const { t } = useTranslation()
  return (
    <div className="field">
      <label htmlFor={props.id}>
        <span>
          {t('emergency.response.area')}
          {props.required && <Required />}
        </span>
      </label>
      <AreaSelect
        id={props.id}
        value={props.value}
        onChange={props.onChange}
        emptyLabel={props.emptyLabel}
        maxLevel="community"
        testId={props.testId}
        required={props.required}
      />
    </div>
  )
}
