import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { keys, queryClient } from '../../api/queries'
import { ErrorBanner } from '../../components/ErrorBanner'
import { QueryStatus } from '../../components/QueryStatus'
import { localName } from '../../i18n'
import { hasRole } from '../../modules'
import type { User } from '../../types'
import { disputeApi, disputeQueries, type DisputeSettings, type RiskRule } from './api'
import { RISK_FACTORS, RISK_LEVELS, RiskBadge } from './common'

type EditedRule = Omit<RiskRule, 'id' | 'threshold'> & { id: number | null; threshold: string }

/** The risk rules and the mediation limits: read by all who register disputes, changed by city administrators. */
export function DisputeSettingsPage({ user }: { user: User }) {
  const { t } = useTranslation()
  const query = useQuery(disputeQueries.settings())
  const admin = hasRole(user, ['admin'])
  const [saved, setSaved] = useState(false)
  return (
    <div className="dispute-settings" data-testid="dispute-settings">
      <h2 className="section-title">{t('disputes.settings.title')}</h2>
      <p className="muted">{t('disputes.settings.intro')}</p>
      {!admin && <p className="notice">{t('disputes.settings.readOnly')}</p>}
      <QueryStatus query={query} />
      {/* A saved answer resets the form to what the server now holds (new rules get their ids). */}
      {query.data && (
        <SettingsForm key={query.dataUpdatedAt} settings={query.data} editable={admin} onSaved={setSaved} />
      )}
      {saved && (
        <p className="notice" role="status" data-testid="settings-saved">
          {t('disputes.settings.saved')}
        </p>
      )}
    </div>
  )
}

function SettingsForm({
  settings,
  editable,
  onSaved,
}: {
  settings: DisputeSettings
  editable: boolean
  onSaved: (saved: boolean) => void
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [rules, setRules] = useState<EditedRule[]>(() =>
    settings.rules.map((r) => ({ ...r, threshold: String(r.threshold) })),
  )
  const [people, setPeople] = useState(String(settings.limits.people))
  const [administrative, setAdministrative] = useState(String(settings.limits.administrative))
  const save = useMutation({
    mutationFn: () =>
      disputeApi.saveSettings({
        rules: rules.map((r) => ({
          code: r.code,
          factor: r.factor,
          threshold: Number(r.threshold),
          level: r.level,
          nameZh: r.nameZh,
          nameEn: r.nameEn,
          active: r.active,
        })),
        limits: { people: Number(people), administrative: Number(administrative) },
      }),
    onSuccess: (next) => {
      onSaved(true)
      queryClient.setQueryData(keys.disputeSettings, next)
    },
  })
  const set = (i: number, patch: Partial<EditedRule>) => {
    onSaved(false)
    setRules((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!save.isPending) save.mutate()
  }

  return (
    <form onSubmit={submit} noValidate data-testid="settings-form">
      <div className="audit-table-wrap">
        <table className="audit-table settings-table">
          <caption className="visually-hidden">{t('disputes.settings.rules')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('disputes.settings.code')}</th>
              <th scope="col">{t('disputes.settings.factor')}</th>
              <th scope="col">{t('disputes.settings.threshold')}</th>
              <th scope="col">{t('disputes.settings.level')}</th>
              <th scope="col">{t('disputes.settings.nameZh')}</th>
              <th scope="col">{t('disputes.settings.nameEn')}</th>
              <th scope="col">{t('disputes.settings.active')}</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r, i) => {
              const name = localName(r, lng) || r.code
              const cell = (field: string) => `${name}: ${t(`disputes.settings.${field}`)}`
              return (
                <tr key={r.id ?? `new-${i}`} data-testid="settings-rule" data-code={r.code}>
                  <td className="mono">
                    {editable && r.id === null ? (
                      <input
                        aria-label={cell('code')}
                        value={r.code}
                        pattern="[a-z0-9_]{1,40}"
                        onChange={(e) => set(i, { code: e.target.value })}
                      />
                    ) : (
                      r.code
                    )}
                  </td>
                  <td>
                    {editable && r.id === null ? (
                      <select
                        aria-label={cell('factor')}
                        value={r.factor}
                        onChange={(e) => set(i, { factor: RISK_FACTORS.find((f) => f === e.target.value) ?? r.factor })}
                      >
                        {RISK_FACTORS.map((f) => (
                          <option key={f} value={f}>
                            {t(`disputes.settings.factors.${f}`)}
                          </option>
                        ))}
                      </select>
                    ) : (
                      t(`disputes.settings.factors.${r.factor}`)
                    )}
                  </td>
                  <td>
                    {editable ? (
                      <input
                        type="number"
                        min={0}
                        className="narrow-input"
                        aria-label={cell('threshold')}
                        value={r.threshold}
                        onChange={(e) => set(i, { threshold: e.target.value })}
                      />
                    ) : (
                      r.threshold
                    )}
                  </td>
                  <td>
                    {editable ? (
                      <select
                        aria-label={cell('level')}
                        value={r.level}
                        onChange={(e) => set(i, { level: RISK_LEVELS.find((l) => l === e.target.value) ?? r.level })}
                      >
                        {RISK_LEVELS.map((l) => (
                          <option key={l} value={l}>
                            {t(`disputes.risk.levels.${l}`)}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <RiskBadge level={r.level} />
                    )}
                  </td>
                  <td>
                    {editable ? (
                      <input
                        aria-label={cell('nameZh')}
                        value={r.nameZh}
                        onChange={(e) => set(i, { nameZh: e.target.value })}
                      />
                    ) : (
                      r.nameZh
                    )}
                  </td>
                  <td>
                    {editable ? (
                      <input
                        aria-label={cell('nameEn')}
                        value={r.nameEn}
                        onChange={(e) => set(i, { nameEn: e.target.value })}
                      />
                    ) : (
                      r.nameEn
                    )}
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={cell('active')}
                      checked={r.active}
                      disabled={!editable}
                      onChange={(e) => set(i, { active: e.target.checked })}
                    />
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {editable && rules.length < 50 && (
        <button
          type="button"
          className="btn btn-small"
          data-testid="settings-add-rule"
          onClick={() =>
            setRules((rs) => [
              ...rs,
              {
                id: null,
                code: '',
                factor: 'people_involved',
                threshold: '1',
                level: 'medium',
                nameZh: t('disputes.settings.newRule'),
                nameEn: 'New rule',
                active: true,
              },
            ])
          }
        >
          {t('disputes.settings.addRule')}
        </button>
      )}
      <fieldset className="card settings-limits">
        <legend className="section-title">{t('disputes.settings.limits')}</legend>
        <div className="form-grid">
          <label className="field">
            <span>{t('disputes.settings.people')}</span>
            <input
              type="number"
              min={1}
              max={365}
              data-testid="settings-people"
              disabled={!editable}
              value={people}
              onChange={(e) => setPeople(e.target.value)}
            />
          </label>
          <label className="field">
            <span>{t('disputes.settings.administrative')}</span>
            <input
              type="number"
              min={1}
              max={365}
              data-testid="settings-administrative"
              disabled={!editable}
              value={administrative}
              onChange={(e) => setAdministrative(e.target.value)}
            />
          </label>
        </div>
      </fieldset>
      <ErrorBanner error={save.error} />
      {editable && (
        <div className="form-buttons">
          <button type="submit" className="btn btn-primary" data-testid="settings-save" disabled={save.isPending}>
            {save.isPending ? t('common.sending') : t('disputes.settings.save')}
          </button>
        </div>
      )}
    </form>
  )
}
