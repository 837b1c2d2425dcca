import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { EChart, type ChartOption } from '../../../components/EChart'
import { LocationPicker } from '../../../components/LocationPicker'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatNumber } from '../../../i18n'
import { routes } from '../../../router'
import type { AppConfig, LngLat } from '../../../types'
import '../alarms/alarms.css'
import { AlarmStatusBadge, SeverityBadge, useKindText } from '../alarms/common'
import { registryApi, registryChanged, registryQueries, type DeviceDetail as Detail, type DevicePatch } from './api'
import { AlarmCount, ownerName, Problem, SecretDialog, StateBadge, when } from './common'
import { DeviceMap } from './DeviceMap'
import { OwnerPicker, type OwnerKind } from './OwnerPicker'

const PERIODS = [24, 72, 168, 720] as const

/** One device: facts, the readings chart per metric with a period switch, alarms and their cases, actions for keepers. */
export function DeviceDetail({ id, config }: { id: number; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const detail = useQuery(registryQueries.detail(id))
  const d = detail.data
  const lng = i18n.language
  return (
    <div className="device-detail" data-testid="device-detail">
      <a className="back-link" href={routes.devices('registry')} data-testid="device-back">
        ← {t('devices.registry.back')}
      </a>
      <QueryStatus query={detail} />
      {d && (
        <>
          <header className="device-detail-head">
            <h2 data-testid="device-title">{d.name}</h2>
            <StateBadge state={d.state} />
            <AlarmCount count={d.openAlarms} />
          </header>
          <dl className="device-facts" data-testid="device-facts">
            <dt>{t('devices.registry.code')}</dt>
            <dd>
              <code data-testid="device-code">{d.code}</code>
            </dd>
            <dt>{t('devices.registry.type')}</dt>
            <dd>{t(`devices.registry.types.${d.type}`)}</dd>
            <dt>{t('devices.registry.area')}</dt>
            <dd>{lng === 'en' ? d.area.nameEn : d.area.nameZh}</dd>
            <dt>{t('devices.registry.building')}</dt>
            <dd>
              {d.building ? (
                <a href={routes.building(d.building.id)}>{d.building.name ?? `#${d.building.id}`}</a>
              ) : (
                t('devices.registry.noBuilding')
              )}
              {d.place ? ` · ${d.place}` : ''}
            </dd>
            <dt>{t('devices.registry.owner')}</dt>
            <dd data-testid="device-owner">{ownerName(d.owner, lng)}</dd>
            <dt>{t('devices.registry.lastSeen')}</dt>
            <dd data-testid="device-last-seen">
              {d.lastSeenAt ? when(d.lastSeenAt) : t('devices.registry.neverSeen')}
            </dd>
            <dt>{t('devices.registry.battery')}</dt>
            <dd>{d.battery === null ? '—' : t('devices.registry.batteryValue', { value: d.battery })}</dd>
            {d.lastValues && (
              <>
                <dt>{t('devices.registry.lastValues')}</dt>
                <dd data-testid="device-last-values">
                  {Object.entries(d.lastValues)
                    .map(([m, v]) => `${t(`devices.registry.metrics.${m}`)} ${formatNumber(v)}${unitOf(d, m)}`)
                    .join(' · ')}
                </dd>
              </>
            )}
            {d.offlineSince && (
              <>
                <dt>{t('devices.registry.offlineSince')}</dt>
                <dd>{when(d.offlineSince)}</dd>
              </>
            )}
            {d.faultReason && (
              <>
                <dt>{t('devices.registry.faultReason')}</dt>
                <dd data-testid="device-fault">{d.faultReason}</dd>
              </>
            )}
            {d.maintenanceCase && (
              <>
                <dt>{t('devices.registry.maintenanceCase')}</dt>
                <dd>
                  <a href={routes.case(d.maintenanceCase.id)}>
                    {d.maintenanceCase.trackingCode ?? `#${d.maintenanceCase.id}`}
                  </a>
                </dd>
              </>
            )}
            <dt>{t('devices.registry.secretRotatedAt')}</dt>
            <dd>{when(d.secretRotatedAt)}</dd>
          </dl>
          {d.metrics.length > 0 && <ReadingsChart device={d} />}
          <Alarms device={d} />
          <DeviceMap
            points={[
              {
                ...d.location,
                id: d.id,
                code: d.code,
                name: d.name,
                type: d.type,
                state: d.state,
                openAlarms: d.openAlarms,
              },
            ]}
            config={config}
            label={t('devices.registry.whereLabel')}
            testId="device-detail-map"
          />
          {d.canEdit && <Actions device={d} config={config} />}
        </>
      )}
    </div>
  )
}

const unitOf = (d: Detail, metric: string) => {
  const u = d.metrics.find((m) => m.metric === metric)?.unit ?? ''
  return u ? ` ${u}` : ''
}

function ReadingsChart({ device }: { device: Detail }) {
  const { t, i18n } = useTranslation()
  const [metric, setMetric] = useState(device.metrics[0]!.metric)
  const [hours, setHours] = useState<(typeof PERIODS)[number]>(24)
  const readings = useQuery(registryQueries.readings(device.id, metric, hours))
  const unit = device.metrics.find((m) => m.metric === metric)?.unit ?? ''
  const option = useMemo<ChartOption>(() => {
    const pts = readings.data?.points ?? []
    const fmt = (iso: string) =>
      new Date(iso).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'zh-CN', {
        month: 'numeric',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      })
    const x = pts.map((p) => fmt(p.at))
    return {
      // No drawing animation: the figures are there at once (and in screenshots).
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: {
        top: 0,
        data: [t('devices.registry.chart.max'), t('devices.registry.chart.avg'), t('devices.registry.chart.min')],
      },
      grid: { left: 48, right: 16, top: 48, bottom: 32 },
      xAxis: { type: 'category', data: x },
      yAxis: { type: 'value', name: unit, scale: true },
      series: [
        {
          name: t('devices.registry.chart.max'),
          type: 'line',
          data: pts.map((p) => p.max),
          showSymbol: false,
          lineStyle: { width: 1 },
          color: '#b91c1c',
        },
        {
          name: t('devices.registry.chart.avg'),
          type: 'line',
          data: pts.map((p) => p.avg),
          showSymbol: false,
          color: '#1d4ed8',
        },
        {
          name: t('devices.registry.chart.min'),
          type: 'line',
          data: pts.map((p) => p.min),
          showSymbol: false,
          lineStyle: { width: 1 },
          color: '#15803d',
        },
      ],
    }
  }, [readings.data, t, i18n.language, unit])
  return (
    <section className="card device-chart" aria-labelledby="device-chart-title" data-testid="device-chart">
      <h3 id="device-chart-title">{t('devices.registry.chart.title')}</h3>
      <div className="device-chart-controls">
        <label className="field">
          <span>{t('devices.registry.chart.metric')}</span>
          <select value={metric} onChange={(e) => setMetric(e.target.value)} data-testid="device-chart-metric">
            {device.metrics.map((m) => (
              <option key={m.metric} value={m.metric}>
                {t(`devices.registry.metrics.${m.metric}`)}
                {m.unit ? ` (${m.unit})` : ''}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="device-periods">
          <legend>{t('devices.registry.chart.period')}</legend>
          {PERIODS.map((h) => (
            <button
              key={h}
              type="button"
              className={`btn btn-small${h === hours ? ' btn-primary' : ''}`}
              aria-pressed={h === hours}
              onClick={() => setHours(h)}
              data-testid={`device-period-${h}`}
            >
              {t(`devices.registry.chart.periods.${h}`)}
            </button>
          ))}
        </fieldset>
      </div>
      <QueryStatus query={readings} />
      {readings.data && readings.data.points.length === 0 && (
        <p className="muted" data-testid="device-chart-empty">
          {t('devices.registry.chart.none')}
        </p>
      )}
      <EChart
        option={option}
        height={260}
        testId="device-chart-canvas"
        label={t('devices.registry.chart.label', {
          metric: t(`devices.registry.metrics.${metric}`),
          count: readings.data?.points.length ?? 0,
        })}
      />
    </section>
  )
}

function Alarms({ device }: { device: Detail }) {
  const { t } = useTranslation()
  const kindText = useKindText()
  return (
    <section className="card" aria-labelledby="device-alarms-title" data-testid="device-alarms">
      <h3 id="device-alarms-title">{t('devices.registry.alarms.title')}</h3>
      {device.recentAlarms.length === 0 ? (
        <p className="muted">{t('devices.registry.alarms.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="device-table">
            <caption className="visually-hidden">{t('devices.registry.alarms.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('devices.registry.alarms.kind')}</th>
                <th scope="col">{t('devices.registry.alarms.severity')}</th>
                <th scope="col">{t('devices.registry.alarms.status')}</th>
                <th scope="col">{t('devices.registry.alarms.raisedAt')}</th>
                <th scope="col">{t('devices.registry.alarms.case')}</th>
              </tr>
            </thead>
            <tbody>
              {device.recentAlarms.map((a) => (
                <tr key={a.id} data-testid="device-alarm-row">
                  <td>
                    <a href={routes.devices('alarms', a.id)}>{kindText(a.kind)}</a>
                  </td>
                  <td>
                    <SeverityBadge severity={a.severity} />
                  </td>
                  <td>
                    <AlarmStatusBadge status={a.status} />
                  </td>
                  <td>{when(a.raisedAt)}</td>
                  <td>{a.caseId ? <a href={routes.case(a.caseId)}>{a.caseTrackingCode ?? `#${a.caseId}`}</a> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function Actions({ device, config }: { device: Detail; config: AppConfig | null }) {
  const { t } = useTranslation()
  const [editing, setEditing] = useState(false)
  const [secret, setSecret] = useState<string | null>(null)
  const change = useMutation({
    mutationFn: (state: 'active' | 'retired') => registryApi.update(device.id, { version: device.version, state }),
    onSuccess: registryChanged,
  })
  const rotate = useMutation({
    mutationFn: () => registryApi.rotate(device.id),
    onSuccess: (r) => {
      setSecret(r.secret)
      return registryChanged()
    },
  })
  const retired = device.state === 'retired'
  return (
    <section className="card device-actions-card" aria-labelledby="device-actions-title" data-testid="device-actions">
      <h3 id="device-actions-title">{t('devices.registry.actions.title')}</h3>
      <div className="device-actions">
        {!retired && (
          <button
            type="button"
            className="btn"
            onClick={() => setEditing(!editing)}
            aria-expanded={editing}
            data-testid="device-edit"
          >
            {t('devices.registry.actions.edit')}
          </button>
        )}
        {!retired && (
          <button
            type="button"
            className="btn"
            disabled={rotate.isPending}
            onClick={() => {
              if (window.confirm(t('devices.registry.actions.rotateConfirm'))) rotate.mutate()
            }}
            data-testid="device-rotate"
          >
            {t('devices.registry.actions.rotate')}
          </button>
        )}
        {device.state === 'faulty' && (
          <button
            type="button"
            className="btn"
            disabled={change.isPending}
            onClick={() => change.mutate('active')}
            data-testid="device-reset"
          >
            {t('devices.registry.actions.reset')}
          </button>
        )}
        {retired ? (
          <button
            type="button"
            className="btn btn-primary"
            disabled={change.isPending}
            onClick={() => change.mutate('active')}
            data-testid="device-reactivate"
          >
            {t('devices.registry.actions.reactivate')}
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-danger"
            disabled={change.isPending}
            onClick={() => {
              if (window.confirm(t('devices.registry.actions.retireConfirm'))) change.mutate('retired')
            }}
            data-testid="device-retire"
          >
            {t('devices.registry.actions.retire')}
          </button>
        )}
      </div>
      <Problem error={change.error ?? rotate.error} testId="device-action-error" />
      {editing && <EditForm device={device} config={config} onDone={() => setEditing(false)} />}
      {secret && <SecretDialog code={device.code} secret={secret} onClose={() => setSecret(null)} />}
    </section>
  )
}

/**
 * What a keeper may change: name, place, building (none clears it), the point on the map and the
 * owner. Only what changed is sent; a new building without a moved pin puts the device at the
 * building (the server re-locates it into its grid either way).
 */
function EditForm({ device, config, onDone }: { device: Detail; config: AppConfig | null; onDone: () => void }) {
  const { t } = useTranslation()
  const ids = { name: useId(), place: useId(), building: useId() }
  const [name, setName] = useState(device.name)
  const [place, setPlace] = useState(device.place ?? '')
  const [buildingId, setBuildingId] = useState(device.building ? String(device.building.id) : '')
  const [moving, setMoving] = useState(false)
  const [location, setLocation] = useState<LngLat>(device.location)
  const [ownerKind, setOwnerKind] = useState<OwnerKind>(device.owner.kind)
  const [ownerId, setOwnerId] = useState(String(device.owner.id))
  const [problem, setProblem] = useState<string | null>(null)
  const buildings = useQuery(registryQueries.buildings(undefined))
  const buildingOptions = useMemo(() => {
    const list = (buildings.data?.items ?? []).map((b) => ({ id: b.id, label: `${b.name} (${b.code})` }))
    // The device's own building even when it is not among the first page the caller reads.
    const own = device.building
    if (own && !list.some((b) => b.id === own.id)) list.unshift({ id: own.id, label: own.name ?? `#${own.id}` })
    return list
  }, [buildings.data, device.building])

  const changes = (): DevicePatch => {
    const building = buildingId ? Number(buildingId) : null
    const moved = moving && (location.lng !== device.location.lng || location.lat !== device.location.lat)
    const ownerChanged = ownerKind !== device.owner.kind || Number(ownerId) !== device.owner.id
    return {
      version: device.version,
      ...(name.trim() !== device.name ? { name: name.trim() } : {}),
      ...(place.trim() !== (device.place ?? '') ? { place: place.trim() || null } : {}),
      ...(building !== (device.building?.id ?? null) ? { buildingId: building } : {}),
      ...(moved ? { location } : {}),
      ...(ownerChanged
        ? ownerKind === 'department'
          ? { ownerDepartmentId: Number(ownerId) }
          : { ownerOrganisationId: Number(ownerId) }
        : {}),
    }
  }
  const save = useMutation({
    mutationFn: (body: DevicePatch) => registryApi.update(device.id, body),
    onSuccess: async () => {
      await registryChanged()
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (save.isPending) return
    if (!name.trim()) return setProblem(t('devices.registry.form.needName'))
    if (!ownerId) return setProblem(t('devices.registry.form.needOwner'))
    setProblem(null)
    const body = changes()
    if (Object.keys(body).length === 1) return onDone()
    save.mutate(body)
  }
  return (
    <form className="device-form" onSubmit={submit} noValidate data-testid="device-edit-form">
      <label className="field" htmlFor={ids.name}>
        <span>{t('devices.registry.name')}</span>
        <input
          id={ids.name}
          value={name}
          maxLength={100}
          required
          onChange={(e) => setName(e.target.value)}
          data-testid="device-edit-name"
        />
      </label>
      <label className="field" htmlFor={ids.place}>
        <span>{t('devices.registry.place')}</span>
        <input
          id={ids.place}
          value={place}
          maxLength={200}
          placeholder={t('devices.registry.form.placeHint')}
          onChange={(e) => setPlace(e.target.value)}
          data-testid="device-edit-place"
        />
      </label>
      <label className="field" htmlFor={ids.building}>
        <span>{t('devices.registry.building')}</span>
        <select
          id={ids.building}
          value={buildingId}
          onChange={(e) => setBuildingId(e.target.value)}
          aria-describedby={`${ids.building}-hint`}
          data-testid="device-edit-building"
        >
          <option value="">{t('devices.registry.form.noBuilding')}</option>
          {buildingOptions.map((b) => (
            <option key={b.id} value={b.id}>
              {b.label}
            </option>
          ))}
        </select>
        <small id={`${ids.building}-hint`} className="muted">
          {t('devices.registry.edit.buildingHint')}
        </small>
      </label>
      <fieldset className="device-where">
        <legend>{t('devices.registry.form.where')}</legend>
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={moving}
          onClick={() => {
            if (moving) setLocation(device.location)
            setMoving(!moving)
          }}
          data-testid="device-edit-move"
        >
          {moving ? t('devices.registry.edit.keepPlace') : t('devices.registry.edit.move')}
        </button>
        {moving && (
          <>
            <p className="muted">{t('devices.registry.edit.moveHint')}</p>
            <LocationPicker value={location} onChange={setLocation} config={config} focusAreaIds={[device.area.id]} />
          </>
        )}
      </fieldset>
      <OwnerPicker
        kind={ownerKind}
        ownerId={ownerId}
        onChange={(kind, id) => {
          setOwnerKind(kind)
          setOwnerId(id)
        }}
        testId="device-edit-owner"
      />
      {problem && (
        <p className="field-error" role="alert" data-testid="device-edit-problem">
          {problem}
        </p>
      )}
      <Problem error={save.error} testId="device-edit-error" />
      <div className="device-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="device-edit-save">
          {t('devices.registry.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('devices.registry.cancel')}
        </button>
      </div>
    </form>
  )
}
