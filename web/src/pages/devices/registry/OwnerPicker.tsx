import { useQuery } from '@tanstack/react-query'
import { useId } from 'react'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { registryQueries } from './api'

export type OwnerKind = 'department' | 'organisation'

/** Who maintains a device: a department or a property company, then which one. */
export function OwnerPicker({
  kind,
  ownerId,
  onChange,
  testId,
}: {
  kind: OwnerKind
  ownerId: string
  onChange: (kind: OwnerKind, ownerId: string) => void
  testId: string
}) {
  const { t, i18n } = useTranslation()
  const radio = useId()
  const select = useId()
  const owners = useQuery(registryQueries.owners())
  const lng = i18n.language
  return (
    <fieldset className="device-owner">
      <legend>{t('devices.registry.owner')}</legend>
      {(['department', 'organisation'] as const).map((k) => (
        <label key={k}>
          <input
            type="radio"
            name={radio}
            checked={kind === k}
            onChange={() => onChange(k, '')}
            data-testid={`${testId}-kind-${k}`}
          />{' '}
          {t(`devices.registry.form.${k}`)}
        </label>
      ))}
      <QueryStatus query={owners} />
      <label className="field" htmlFor={select}>
        <span>{t(`devices.registry.form.${kind}`)}</span>
        <select id={select} value={ownerId} onChange={(e) => onChange(kind, e.target.value)} data-testid={testId}>
          <option value="">{t('devices.registry.form.pickOwner')}</option>
          {kind === 'department'
            ? (owners.data?.departments ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {localName(d, lng)}
                </option>
              ))
            : (owners.data?.organisations ?? []).map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
        </select>
      </label>
    </fieldset>
  )
}
