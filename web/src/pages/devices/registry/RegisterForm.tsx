import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { LocationPicker } from '../../../components/LocationPicker'
import { navigate, routes } from '../../../router'
import type { AppConfig, LngLat, User } from '../../../types'
import { deviceTypes, registryApi, registryChanged, registryQueries, type DeviceType, type Registered } from './api'
import { Problem, SecretDialog } from './common'
import { OwnerPicker, type OwnerKind } from './OwnerPicker'

/** Register a device: code, type, name, the point on the map or a building, the owner; the secret is shown once. */
export function RegisterForm({ user, config }: { user: User; config: AppConfig | null }) {
  const { t } = useTranslation()
  const [code, setCode] = useState('')
  const [type, setType] = useState<DeviceType>('smoke_detector')
  const [name, setName] = useState('')
  const [location, setLocation] = useState<LngLat | null>(null)
  const [buildingId, setBuildingId] = useState('')
  const [place, setPlace] = useState('')
  const [ownerKind, setOwnerKind] = useState<OwnerKind>('department')
  const [ownerId, setOwnerId] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [done, setDone] = useState<Registered | null>(null)
  // One key per filled-in form: a retry after a lost answer registers once.
  const [key] = useState(newIdempotencyKey)
  const ids = { code: useId(), type: useId(), name: useId(), building: useId(), place: useId() }
  const buildings = useQuery(registryQueries.buildings(undefined))
  const focus = user.roles.map((r) => r.areaId)

  const register = useMutation({
    mutationFn: () =>
      registryApi.register(
        {
          code: code.trim(),
          type,
          name: name.trim(),
          ...(location ? { location } : {}),
          ...(buildingId ? { buildingId: Number(buildingId) } : {}),
          ...(place.trim() ? { place: place.trim() } : {}),
          ...(ownerKind === 'department'
            ? { ownerDepartmentId: Number(ownerId) }
            : { ownerOrganisationId: Number(ownerId) }),
        },
        key,
      ),
    onSuccess: async (r) => {
      setDone(r)
      await registryChanged()
    },
  })

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (register.isPending) return
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$/.test(code.trim())) return setProblem(t('devices.registry.form.badCode'))
    if (!name.trim()) return setProblem(t('devices.registry.form.needName'))
    if (!location && !buildingId) return setProblem(t('devices.registry.form.needPlace'))
    if (!ownerId) return setProblem(t('devices.registry.form.needOwner'))
    setProblem(null)
    register.mutate()
  }

  return (
    <form className="card device-form" onSubmit={submit} noValidate data-testid="device-register-form">
      <a className="back-link" href={routes.devices('registry')}>
        ← {t('devices.registry.back')}
      </a>
      <h2>{t('devices.registry.register')}</h2>
      <label className="field" htmlFor={ids.code}>
        <span>{t('devices.registry.code')}</span>
        <input
          id={ids.code}
          value={code}
          maxLength={64}
          required
          autoComplete="off"
          onChange={(e) => setCode(e.target.value)}
          aria-describedby={`${ids.code}-hint`}
          data-testid="device-form-code"
        />
        <small id={`${ids.code}-hint`} className="muted">
          {t('devices.registry.form.codeHint')}
        </small>
      </label>
      <label className="field" htmlFor={ids.type}>
        <span>{t('devices.registry.type')}</span>
        <select
          id={ids.type}
          value={type}
          onChange={(e) => setType(deviceTypes.find((x) => x === e.target.value) ?? 'smoke_detector')}
          data-testid="device-form-type"
        >
          {deviceTypes.map((x) => (
            <option key={x} value={x}>
              {t(`devices.registry.types.${x}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor={ids.name}>
        <span>{t('devices.registry.name')}</span>
        <input
          id={ids.name}
          value={name}
          maxLength={100}
          required
          onChange={(e) => setName(e.target.value)}
          data-testid="device-form-name"
        />
      </label>
      <label className="field" htmlFor={ids.building}>
        <span>{t('devices.registry.building')}</span>
        <select
          id={ids.building}
          value={buildingId}
          onChange={(e) => setBuildingId(e.target.value)}
          data-testid="device-form-building"
        >
          <option value="">{t('devices.registry.form.noBuilding')}</option>
          {(buildings.data?.items ?? []).map((b) => (
            <option key={b.id} value={b.id}>
              {b.name} ({b.code})
            </option>
          ))}
        </select>
      </label>
      <fieldset className="device-where">
        <legend>{t('devices.registry.form.where')}</legend>
        <p className="muted">{t('devices.registry.form.whereHint')}</p>
        <LocationPicker value={location} onChange={setLocation} config={config} focusAreaIds={focus} />
      </fieldset>
      <label className="field" htmlFor={ids.place}>
        <span>{t('devices.registry.place')}</span>
        <input
          id={ids.place}
          value={place}
          maxLength={200}
          placeholder={t('devices.registry.form.placeHint')}
          onChange={(e) => setPlace(e.target.value)}
          data-testid="device-form-place"
        />
      </label>
      <OwnerPicker
        kind={ownerKind}
        ownerId={ownerId}
        onChange={(kind, id) => {
          setOwnerKind(kind)
          setOwnerId(id)
        }}
        testId="device-form-owner"
      />
      {problem && (
        <p className="field-error" role="alert" data-testid="device-form-problem">
          {problem}
        </p>
      )}
      <Problem error={register.error} testId="device-form-error" />
      <button type="submit" className="btn btn-primary" disabled={register.isPending} data-testid="device-form-submit">
        {register.isPending ? t('devices.registry.form.registering') : t('devices.registry.register')}
      </button>
      {done?.secret && (
        <SecretDialog code={done.code} secret={done.secret} onClose={() => navigate('devices', 'registry', done.id)} />
      )}
    </form>
  )
}
