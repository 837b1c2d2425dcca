import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { queries, queryClient } from '../../../api/queries'
import { flattenTree } from '../../../areaUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { proposalApi, proposalKeys, proposalQueries, type ProposalSetting } from './api'
import { PARTICIPATION_STAFF, Problem, Required, useFieldLabel } from './common'

/**
 * The proposal rules of an area — support threshold, days to answer, whether proposing and supporting
 * need a verified resident — read by participation staff, changed by the area's admins. An area
 * without its own rules follows the nearest area above it that has them, else the defaults.
 */
export function ProposalSettings({ user }: { user: User }) {
  const { t } = useTranslation()
  const staffGrants = user.roles.filter((r) => (PARTICIPATION_STAFF as readonly string[]).includes(r.role))
  // The deepest area the user runs participation in, to start with.
  const start = [...staffGrants].sort((a, b) => b.areaCode.length - a.areaCode.length)[0]
  const [areaId, setAreaId] = useState(start ? String(start.areaId) : '')
  // Kept here: a saved answer remounts the form with what the server now holds.
  const [saved, setSaved] = useState(false)
  const admin = hasRole(user, ['admin'])
  const areaField = useId()
  const setting = useQuery({ ...proposalQueries.setting(Number(areaId)), enabled: /^\d+$/.test(areaId) })

  return (
    <div className="proposal-settings" data-testid="proposal-settings">
      <a className="back-link" href={routes.participation('proposals')}>
        ← {t('participation.proposals.back')}
      </a>
      <h2 className="page-title">{t('participation.proposals.settings.title')}</h2>
      <p className="muted">{t('participation.proposals.settings.intro')}</p>
      {!admin && <p className="notice">{t('participation.proposals.settings.readOnly')}</p>}
      <div className="card proposal-settings-form">
        <label className="field" htmlFor={areaField}>
          <span>{t('participation.proposals.fields.areaId')}</span>
          <AreaSelect
            id={areaField}
            value={areaId}
            onChange={(v) => {
              setAreaId(v)
              setSaved(false)
            }}
            maxLevel="community"
            emptyLabel={t('participation.proposals.settings.chooseArea')}
            testId="proposal-settings-area"
          />
        </label>
        <QueryStatus query={setting} />
        {setting.data && (
          <SettingForm
            key={`${areaId}-${setting.dataUpdatedAt}`}
            setting={setting.data}
            editable={admin}
            onSaved={setSaved}
          />
        )}
        {saved && (
          <p className="notice" role="status" data-testid="proposal-settings-saved">
            {t('participation.proposals.settings.saved')}
          </p>
        )}
      </div>
    </div>
  )
}

function SettingForm({
  setting,
  editable,
  onSaved,
}: {
  setting: ProposalSetting
  editable: boolean
  onSaved: (saved: boolean) => void
}) {
  const { t, i18n } = useTranslation()
  const fieldLabel = useFieldLabel()
  const tree = useQuery(queries.areaTree())
  const from = useMemo(
    () =>
      tree.data && setting.fromAreaId !== null ? flattenTree(tree.data).find((a) => a.id === setting.fromAreaId) : null,
    [tree.data, setting.fromAreaId],
  )
  const [threshold, setThreshold] = useState(String(setting.supportThreshold))
  const [days, setDays] = useState(String(setting.answerDays))
  const [toPropose, setToPropose] = useState(setting.verifiedToPropose)
  const [toSupport, setToSupport] = useState(setting.verifiedToSupport)
  const [problem, setProblem] = useState<ApiError | null>(null)
  const save = useMutation({
    mutationFn: () =>
      proposalApi.saveSetting({
        areaId: setting.areaId,
        supportThreshold: Number(threshold),
        answerDays: Number(days),
        verifiedToPropose: toPropose,
        verifiedToSupport: toSupport,
      }),
    onSuccess: (next) => {
      onSaved(true)
      queryClient.setQueryData(proposalKeys.setting(next.areaId), next)
      // Settings of the areas below may follow this one.
      return queryClient.invalidateQueries({
        queryKey: [...proposalKeys.all, 'setting'],
        predicate: (q) => q.queryKey[3] !== next.areaId,
      })
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (save.isPending || !editable) return
    const n = Number(threshold)
    if (!Number.isInteger(n) || n < 1 || n > 100000)
      return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'supportThreshold'))
    const d = Number(days)
    if (!Number.isInteger(d) || d < 1 || d > 365)
      return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'answerDays'))
    setProblem(null)
    save.mutate()
  }
  const changed = () => {
    onSaved(false)
    setProblem(null)
  }
  const error = problem ?? save.error
  const invalid = (field: string) => (error instanceof ApiError && error.field === field) || undefined
  return (
    <form onSubmit={submit} onChange={changed} noValidate data-testid="proposal-settings-form">
      <p className="muted" data-testid="proposal-settings-source" data-from={setting.fromAreaId ?? ''}>
        {setting.fromAreaId === null
          ? t('participation.proposals.settings.defaults')
          : setting.fromAreaId === setting.areaId
            ? t('participation.proposals.settings.own')
            : t('participation.proposals.settings.inherited', { area: from ? localName(from, i18n.language) : '—' })}
      </p>
      <fieldset disabled={!editable} className="verify-choices">
        <label className="field">
          <span>
            {t('participation.proposals.fields.supportThreshold')}
            <Required />
          </span>
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={100000}
            data-testid="proposal-settings-threshold"
            value={threshold}
            aria-invalid={invalid('supportThreshold')}
            onChange={(e) => setThreshold(e.target.value)}
          />
        </label>
        <label className="field">
          <span>
            {t('participation.proposals.fields.answerDays')}
            <Required />
          </span>
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={365}
            data-testid="proposal-settings-days"
            value={days}
            aria-invalid={invalid('answerDays')}
            onChange={(e) => setDays(e.target.value)}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={toPropose}
            data-testid="proposal-settings-verified-propose"
            onChange={(e) => setToPropose(e.target.checked)}
          />
          {t('participation.proposals.fields.verifiedToPropose')}
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={toSupport}
            data-testid="proposal-settings-verified-support"
            onChange={(e) => setToSupport(e.target.checked)}
          />
          {t('participation.proposals.fields.verifiedToSupport')}
        </label>
      </fieldset>
      <p className="muted hint">{t('participation.proposals.settings.keepHint')}</p>
      <Problem error={error} testId="proposal-settings-error" fieldLabel={fieldLabel} />
      {editable && (
        <div className="form-buttons">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={save.isPending}
            data-testid="proposal-settings-save"
          >
            {t('participation.proposals.settings.save')}
          </button>
        </div>
      )}
    </form>
  )
}
