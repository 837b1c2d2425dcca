import { useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { Category, User } from '../../../types'
import type { SectionProps } from '../section'
import { type DeviceType, type NewRule, type Rule, rulesApi, rulesChanged, rulesQueries } from './api'
import './rules.css'

const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const
const ACTIONS = ['case', 'warning', 'incident'] as const
const INCIDENT_KINDS = ['fire', 'gas_leak', 'flood', 'rainstorm', 'building_hazard', 'power_outage', 'other'] as const

/** The rules below #/devices/rules (list + form per type) and the type settings (#/devices/rules/types). */
export function RulesSection({ params, user }: SectionProps) {
  const { t } = useTranslation()
  const types = params[0] === 'types'
  return (
    <div className="rules-page" data-testid="rules-page">
      <nav className="rules-tabs" aria-label={t('devices.rules.tabsLabel')}>
        <a href={routes.devices('rules')} aria-current={!types ? 'page' : undefined} className={!types ? 'active' : ''}>
          {t('devices.rules.rulesTab')}
        </a>
        <a
          href={routes.devices('rules', 'types')}
          aria-current={types ? 'page' : undefined}
          className={types ? 'active' : ''}
          data-testid="rules-types-tab"
        >
          {t('devices.rules.typesTab')}
        </a>
      </nav>
      {types ? <TypeSettings user={user} /> : <RuleList user={user} />}
    </div>
  )
}

function RuleList({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const rules = useQuery(rulesQueries.rules())
  const types = useQuery(rulesQueries.types())
  const [editing, setEditing] = useState<Rule | 'new' | null>(null)
  const [newType, setNewType] = useState<DeviceType['code'] | null>(null)
  const admin = hasRole(user, ['admin'])
  return (
    <div>
      <QueryStatus query={[rules, types]} />
      {types.data?.items.map((type) => {
        const mine = (rules.data?.items ?? []).filter((r) => r.deviceType === type.code)
        return (
          <section
            key={type.code}
            className="card rules-type"
            aria-labelledby={`rules-${type.code}`}
            data-testid="rules-type"
            data-type={type.code}
          >
            <div className="rules-type-head">
              <h2 id={`rules-${type.code}`}>
                {localName({ nameZh: type.nameZh, nameEn: type.nameEn }, i18n.language)}
              </h2>
              {admin && (
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid={`rule-new-${type.code}`}
                  onClick={() => {
                    setEditing('new')
                    setNewType(type.code)
                  }}
                >
                  {t('devices.rules.add')}
                </button>
              )}
            </div>
            {mine.length === 0 && <p className="muted">{t('devices.rules.none')}</p>}
            <ul className="rules-list">
              {mine.map((r) => (
                <li key={r.id} data-testid="rule-row" data-id={r.id} className={r.enabled ? '' : 'rule-disabled'}>
                  <div className="rules-row-head">
                    <strong>{r.name}</strong>
                    <span className="badge badge-muted">{t(`devices.rules.severity.${r.severity}`)}</span>
                    <span className="badge badge-muted">{t(`devices.rules.actions.${r.action}`)}</span>
                    {!r.enabled && <span className="badge badge-muted">{t('devices.rules.disabled')}</span>}
                  </div>
                  <div className="muted">
                    {describe(r, t)} · {r.area ? localName(r.area, i18n.language) : t('devices.rules.cityWide')}
                    {r.category && ` · ${localName(r.category, i18n.language)}`}
                    {` · ${t('devices.rules.dedupe', { minutes: r.dedupeMinutes })}`}
                  </div>
                  {r.writable && (
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => setEditing(r)}
                      data-testid="rule-edit"
                    >
                      {t('devices.rules.edit')}
                    </button>
                  )}
                  {editing !== 'new' && editing?.id === r.id && (
                    <RuleForm type={type} rule={r} onDone={() => setEditing(null)} />
                  )}
                </li>
              ))}
            </ul>
            {editing === 'new' && newType === type.code && (
              <RuleForm type={type} rule={null} onDone={() => setEditing(null)} />
            )}
          </section>
        )
      })}
    </div>
  )
}

function describe(r: Rule, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (r.trigger === 'flag')
    return r.alarmKind
      ? t('devices.rules.flagOf', { kind: t(`devices.alarms.kinds.${r.alarmKind}`, { defaultValue: r.alarmKind }) })
      : t('devices.rules.anyFlag')
  return t('devices.rules.thresholdOf', {
    metric: t(`devices.alarms.kinds.${r.metric}`, { defaultValue: r.metric ?? '' }),
    op: r.comparison === 'lt' ? '<' : '>',
    threshold: r.threshold,
    n: r.consecutive,
  })
}

/** Leaf categories a device can file a case in: no photo, no required attribute. */
function deviceCategories(tree: Category[]): { group: Category; leaves: Category[] }[] {
  const usable = (c: Category) => c.isLeaf && !c.photoRequired && !c.attributes.some((a) => a.required)
  return tree
    .map((g) => ({ group: g, leaves: g.isLeaf ? [g].filter(usable) : g.children.filter(usable) }))
    .filter((x) => x.leaves.length > 0)
}

function RuleForm({ type, rule, onDone }: { type: DeviceType; rule: Rule | null; onDone: () => void }) {
  const { t, i18n } = useTranslation()
  const categories = useQuery(queries.categories())
  const [name, setName] = useState(rule?.name ?? '')
  const [areaId, setAreaId] = useState(rule?.area ? String(rule.area.id) : '')
  const [trigger, setTrigger] = useState<'flag' | 'threshold'>(rule?.trigger ?? 'flag')
  const [alarmKind, setAlarmKind] = useState(rule?.alarmKind ?? '')
  const [metric, setMetric] = useState(rule?.metric ?? type.metrics[0]?.code ?? '')
  const [comparison, setComparison] = useState<'gt' | 'lt'>(rule?.comparison ?? 'gt')
  const [threshold, setThreshold] = useState(rule?.threshold === null || !rule ? '' : String(rule.threshold))
  const [clearThreshold, setClearThreshold] = useState(
    rule?.clearThreshold === null || !rule ? '' : String(rule.clearThreshold),
  )
  const [consecutive, setConsecutive] = useState(String(rule?.consecutive ?? 1))
  const [severity, setSeverity] = useState<(typeof SEVERITIES)[number]>(rule?.severity ?? 'major')
  const [action, setAction] = useState<(typeof ACTIONS)[number]>(rule?.action ?? 'case')
  const [categoryId, setCategoryId] = useState(rule?.category ? String(rule.category.id) : '')
  const [incidentKind, setIncidentKind] = useState(rule?.incidentKind ?? 'fire')
  const [dedupe, setDedupe] = useState(String(rule?.dedupeMinutes ?? 30))
  const [enabled, setEnabled] = useState(rule?.enabled ?? true)
  const [key] = useState(newIdempotencyKey)
  const groups = useMemo(() => deviceCategories(categories.data ?? []), [categories.data])
  const save = useMutation({
    mutationFn: () => {
      const num = (v: string) => (v.trim() === '' ? undefined : Number(v))
      const common = {
        name: name.trim(),
        severity,
        action,
        ...(action !== 'warning' && categoryId ? { categoryId: Number(categoryId) } : {}),
        ...(action === 'incident' ? { incidentKind } : {}),
        dedupeMinutes: Number(dedupe),
        enabled,
      }
      const shape =
        trigger === 'flag'
          ? { ...(alarmKind ? { alarmKind } : {}) }
          : {
              metric,
              comparison,
              ...(num(threshold) !== undefined ? { threshold: num(threshold) } : {}),
              ...(num(clearThreshold) !== undefined ? { clearThreshold: num(clearThreshold) } : {}),
              consecutive: Number(consecutive),
            }
      if (rule)
        return rulesApi.update(rule.id, {
          version: rule.version,
          ...common,
          ...(trigger === 'flag'
            ? { alarmKind: alarmKind || null }
            : { ...shape, clearThreshold: num(clearThreshold) ?? null }),
          ...(action === 'warning' ? {} : { categoryId: categoryId ? Number(categoryId) : null }),
          ...(action === 'incident' ? {} : { incidentKind: null }),
        })
      const body: NewRule = {
        deviceType: type.code,
        trigger,
        ...(areaId ? { areaId: Number(areaId) } : {}),
        ...common,
        ...shape,
      }
      return rulesApi.create(body, key)
    },
    onSuccess: () => {
      void rulesChanged()
      onDone()
    },
  })
  const id = (f: string) => `rule-${rule?.id ?? 'new'}-${f}`
  return (
    <form
      className="rule-form"
      data-testid="rule-form"
      onSubmit={(e) => {
        e.preventDefault()
        save.mutate()
      }}
    >
      <div className="rule-fields">
        <label htmlFor={id('name')}>
          {t('devices.rules.fields.name')}
          <input
            id={id('name')}
            value={name}
            maxLength={100}
            required
            onChange={(e) => setName(e.target.value)}
            data-testid="rule-name"
          />
        </label>
        {!rule && (
          <label htmlFor={id('area')}>
            {t('devices.rules.fields.area')}
            <AreaSelect
              id={id('area')}
              value={areaId}
              onChange={setAreaId}
              emptyLabel={t('devices.rules.cityWide')}
              maxLevel="community"
              testId="rule-area"
            />
          </label>
        )}
        {!rule && (
          <label htmlFor={id('trigger')}>
            {t('devices.rules.fields.trigger')}
            <select
              id={id('trigger')}
              value={trigger}
              onChange={(e) => setTrigger(e.target.value as 'flag' | 'threshold')}
              data-testid="rule-trigger"
            >
              <option value="flag">{t('devices.rules.triggers.flag')}</option>
              <option value="threshold" disabled={type.metrics.length === 0}>
                {t('devices.rules.triggers.threshold')}
              </option>
            </select>
          </label>
        )}
        {trigger === 'flag' ? (
          <label htmlFor={id('kind')}>
            {t('devices.rules.fields.alarmKind')}
            <select
              id={id('kind')}
              value={alarmKind}
              onChange={(e) => setAlarmKind(e.target.value)}
              data-testid="rule-kind"
            >
              <option value="">{t('devices.rules.anyFlag')}</option>
              {type.alarms.map((k) => (
                <option key={k} value={k}>
                  {t(`devices.alarms.kinds.${k}`, { defaultValue: k })}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <>
            <label htmlFor={id('metric')}>
              {t('devices.rules.fields.metric')}
              <select
                id={id('metric')}
                value={metric}
                onChange={(e) => setMetric(e.target.value)}
                data-testid="rule-metric"
              >
                {type.metrics.map((m) => (
                  <option key={m.code} value={m.code}>
                    {t(`devices.alarms.kinds.${m.code}`, { defaultValue: m.code })} ({m.unit || '—'})
                  </option>
                ))}
              </select>
            </label>
            <label htmlFor={id('cmp')}>
              {t('devices.rules.fields.comparison')}
              <select id={id('cmp')} value={comparison} onChange={(e) => setComparison(e.target.value as 'gt' | 'lt')}>
                <option value="gt">{t('devices.rules.gt')}</option>
                <option value="lt">{t('devices.rules.lt')}</option>
              </select>
            </label>
            <label htmlFor={id('threshold')}>
              {t('devices.rules.fields.threshold')}
              <input
                id={id('threshold')}
                type="number"
                step="any"
                required
                value={threshold}
                onChange={(e) => setThreshold(e.target.value)}
                data-testid="rule-threshold"
              />
            </label>
            <label htmlFor={id('clear')}>
              {t('devices.rules.fields.clearThreshold')}
              <input
                id={id('clear')}
                type="number"
                step="any"
                value={clearThreshold}
                onChange={(e) => setClearThreshold(e.target.value)}
              />
            </label>
            <label htmlFor={id('consecutive')}>
              {t('devices.rules.fields.consecutive')}
              <input
                id={id('consecutive')}
                type="number"
                min={1}
                max={100}
                required
                value={consecutive}
                onChange={(e) => setConsecutive(e.target.value)}
                data-testid="rule-consecutive"
              />
            </label>
          </>
        )}
        <label htmlFor={id('severity')}>
          {t('devices.rules.fields.severity')}
          <select
            id={id('severity')}
            value={severity}
            onChange={(e) => setSeverity(e.target.value as (typeof SEVERITIES)[number])}
            data-testid="rule-severity"
          >
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`devices.rules.severity.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label htmlFor={id('action')}>
          {t('devices.rules.fields.action')}
          <select
            id={id('action')}
            value={action}
            onChange={(e) => setAction(e.target.value as (typeof ACTIONS)[number])}
            data-testid="rule-action"
          >
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {t(`devices.rules.actions.${a}`)}
              </option>
            ))}
          </select>
        </label>
        {action !== 'warning' && (
          <label htmlFor={id('category')}>
            {t('devices.rules.fields.category')}
            <select
              id={id('category')}
              value={categoryId}
              required
              onChange={(e) => setCategoryId(e.target.value)}
              data-testid="rule-category"
            >
              <option value="">{t('devices.rules.chooseCategory')}</option>
              {groups.map(({ group, leaves }) => (
                <optgroup key={group.id} label={localName(group, i18n.language)}>
                  {leaves.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.code} {localName(c, i18n.language)}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </label>
        )}
        {action === 'incident' && (
          <label htmlFor={id('incident')}>
            {t('devices.rules.fields.incidentKind')}
            <select
              id={id('incident')}
              value={incidentKind}
              onChange={(e) => setIncidentKind(e.target.value as (typeof INCIDENT_KINDS)[number])}
              data-testid="rule-incident-kind"
            >
              {INCIDENT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`devices.rules.incidentKinds.${k}`)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label htmlFor={id('dedupe')}>
          {t('devices.rules.fields.dedupeMinutes')}
          <input
            id={id('dedupe')}
            type="number"
            min={1}
            max={1440}
            required
            value={dedupe}
            onChange={(e) => setDedupe(e.target.value)}
          />
        </label>
        <label className="rule-check" htmlFor={id('enabled')}>
          <input id={id('enabled')} type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />{' '}
          {t('devices.rules.fields.enabled')}
        </label>
      </div>
      {action === 'incident' && <p className="hint">{t('devices.rules.incidentHint')}</p>}
      {save.error ? (
        <div className="error-banner" role="alert" data-testid="rule-error">
          {errorText(save.error, (f) => t(`devices.rules.fields.${f}`, { defaultValue: f }))}
        </div>
      ) : null}
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="rule-save">
          {t('devices.rules.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('devices.rules.cancel')}
        </button>
      </div>
    </form>
  )
}

function TypeSettings({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const types = useQuery(rulesQueries.types())
  const tree = useQuery(queries.areaTree())
  const rootId = tree.data?.[0]?.id
  const root = hasRole(user, ['admin']) && user.roles.some((r) => r.role === 'admin' && r.areaId === rootId)
  return (
    <div data-testid="types-page">
      <p className="muted">{root ? t('devices.rules.typesHint') : t('devices.rules.typesReadOnly')}</p>
      <QueryStatus query={types} />
      <div className="alarm-table-wrap">
        <table className="rules-types-table" data-testid="types-table">
          <caption className="visually-hidden">{t('devices.rules.typesTab')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('devices.rules.types.type')}</th>
              <th scope="col">{t('devices.rules.types.heartbeat')}</th>
              <th scope="col">{t('devices.rules.types.maintenance')}</th>
              <th scope="col">{t('devices.rules.types.flapAlarms')}</th>
              <th scope="col">{t('devices.rules.types.flapWindow')}</th>
              {root && <th scope="col">{t('devices.rules.types.save')}</th>}
            </tr>
          </thead>
          <tbody>
            {types.data?.items.map((type) => (
              <TypeRow key={`${type.code}-${type.version}`} type={type} editable={root} lng={i18n.language} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}

function TypeRow({ type, editable, lng }: { type: DeviceType; editable: boolean; lng: string }) {
  const { t } = useTranslation()
  const [v, setV] = useState({
    heartbeatSeconds: String(type.heartbeatSeconds),
    maintenanceAfterSeconds: String(type.maintenanceAfterSeconds),
    flapAlarms: String(type.flapAlarms),
    flapWindowSeconds: String(type.flapWindowSeconds),
  })
  const save = useMutation({
    mutationFn: () =>
      rulesApi.updateType(type.code, {
        version: type.version,
        heartbeatSeconds: Number(v.heartbeatSeconds),
        maintenanceAfterSeconds: Number(v.maintenanceAfterSeconds),
        flapAlarms: Number(v.flapAlarms),
        flapWindowSeconds: Number(v.flapWindowSeconds),
      }),
    onSuccess: () => void rulesChanged(),
  })
  const name = localName({ nameZh: type.nameZh, nameEn: type.nameEn }, lng)
  const cell = (k: keyof typeof v, label: string) =>
    editable ? (
      <input
        type="number"
        aria-label={`${name} ${label}`}
        value={v[k]}
        onChange={(e) => setV((x) => ({ ...x, [k]: e.target.value }))}
        data-testid={`type-${type.code}-${k}`}
      />
    ) : (
      v[k]
    )
  return (
    <tr data-testid="type-row" data-type={type.code}>
      <th scope="row">{name}</th>
      <td>{cell('heartbeatSeconds', t('devices.rules.types.heartbeat'))}</td>
      <td>{cell('maintenanceAfterSeconds', t('devices.rules.types.maintenance'))}</td>
      <td>{cell('flapAlarms', t('devices.rules.types.flapAlarms'))}</td>
      <td>{cell('flapWindowSeconds', t('devices.rules.types.flapWindow'))}</td>
      {editable && (
        <td>
          <button
            type="button"
            className="btn btn-small"
            disabled={save.isPending}
            onClick={() => save.mutate()}
            data-testid={`type-${type.code}-save`}
          >
            {t('devices.rules.types.save')}
          </button>
          <ErrorBanner error={save.error} />
        </td>
      )}
    </tr>
  )
}
