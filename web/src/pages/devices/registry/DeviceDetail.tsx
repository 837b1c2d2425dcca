import { useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { EChart, type ChartOption } from '../../../components/EChart'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatNumber } from '../../../i18n'
import { routes } from '../../../router'
import type { AppConfig } from '../../../types'
import '../alarms/alarms.css'
import { AlarmStatusBadge, SeverityBadge, useKindText } from '../alarms/common'
import { registryApi, registryChanged, registryQueries, type DeviceDetail as Detail } from './api'
import { AlarmCount, ownerName, Problem, SecretDialog, StateBadge, when } from './common'
import { DeviceMap } from './DeviceMap'

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
          {d.canEdit && <Actions device={d} />}
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

function Actions({ device }: { device: Detail }) {
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
      {editing && <EditForm device={device} onDone={() => setEditing(false)} />}
      {secret && <SecretDialog code={device.code} secret={secret} onClose={() => setSecret(null)} />}
    </section>
  )
}

function EditForm({ device, onDone }: { device: Detail; onDone: () => void }) {
  const { t } = useTranslation()
  const [name, setName] = useState(device.name)
  const [place, setPlace] = useState(device.place ?? '')
  const save = useMutation({
    mutationFn: () =>
      registryApi.update(device.id, {
        version: device.version,
        ...(name.trim() !== device.name ? { name: name.trim() } : {}),
        ...(place.trim() !== (device.place ?? '') ? { place: place.trim() || null } : {}),
      }),
    onSuccess: async () => {
      await registryChanged()
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!name.trim()) return
    save.mutate()
  }
  return (
    <form className="device-form" onSubmit={submit} data-testid="device-edit-form">
      <label className="field">
        <span>{t('devices.registry.name')}</span>
        <input
          value={name}
          maxLength={100}
          required
          onChange={(e) => setName(e.target.value)}
          data-testid="device-edit-name"
        />
      </label>
      <label className="field">
        <span>{t('devices.registry.place')}</span>
        <input
          value={place}
          maxLength={200}
          onChange={(e) => setPlace(e.target.value)}
          data-testid="device-edit-place"
        />
      </label>
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
