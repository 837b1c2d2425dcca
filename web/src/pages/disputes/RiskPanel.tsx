import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../api'
import { errorText, localName } from '../../i18n'
import { disputeApi, type DisputeDetail, type RiskLevel } from './api'
import { useDisputeChange } from './DisputeActionPanel'
import { RISK_LEVELS, Required, RiskBadge } from './common'

/**
 * The risk: the effective level, the rules that fired (by name) and the level they gave, the mediator's
 * judgement with its reason; and, for those who may, a new judgement (assess_risk).
 */
export function RiskPanel({ detail }: { detail: DisputeDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const risk = detail.risk
  const canAssess = detail.allowedActions.includes('assess_risk')
  const [open, setOpen] = useState(false)
  const [level, setLevel] = useState<RiskLevel | ''>('')
  const [reason, setReason] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const { mutation, notice, error } = useDisputeChange(detail, (body: { riskLevel: RiskLevel; comment: string }) =>
    disputeApi.act(detail.id, { action: 'assess_risk', version: detail.version, ...body }),
  )

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (mutation.isPending) return
    if (!level) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'riskLevel'))
    if (!reason.trim()) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'comment'))
    setProblem(null)
    mutation.mutate(
      { riskLevel: level, comment: reason.trim() },
      {
        onSuccess: () => {
          setOpen(false)
          setReason('')
          setLevel('')
        },
      },
    )
  }
  const fieldLabel = (f: string) =>
    f === 'riskLevel' ? t('disputes.risk.judgement') : f === 'comment' ? t('disputes.risk.reason') : undefined
  const shown = problem ?? error

  return (
    <section
      className={`card risk-panel risk-panel-${risk.level}`}
      data-testid="risk-panel"
      data-risk={risk.level}
      aria-labelledby="risk-panel-title"
    >
      <div className="risk-head">
        <h2 className="section-title" id="risk-panel-title">
          {t('disputes.risk.title')}
        </h2>
        <RiskBadge level={risk.level} testId="risk-level" />
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>{t('disputes.risk.ruleLevel')}</dt>
          <dd>
            <RiskBadge level={risk.ruleLevel} testId="risk-rule-level" />
          </dd>
        </div>
        <div>
          <dt>{t('disputes.risk.judgement')}</dt>
          <dd data-testid="risk-judgement">{risk.judgement ? <RiskBadge level={risk.judgement} /> : '—'}</dd>
        </div>
        {risk.reason && (
          <div className="wide">
            <dt>{t('disputes.risk.reason')}</dt>
            <dd data-testid="risk-reason">{risk.reason}</dd>
          </div>
        )}
      </dl>
      <h3 className="panel-title">{t('disputes.risk.rulesFired')}</h3>
      {risk.rules.length ? (
        <ul className="risk-rules" data-testid="risk-rules">
          {risk.rules.map((r) => (
            <li key={r.code} data-rule={r.code}>
              {localName(r, lng)} <span className="muted mono">{r.code}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('disputes.risk.noRules')}</p>
      )}
      {canAssess && !open && (
        <button type="button" className="btn btn-small" data-testid="risk-assess-open" onClick={() => setOpen(true)}>
          {t('disputes.actionNames.assess_risk')}
        </button>
      )}
      {canAssess && open && (
        <form className="action-form" onSubmit={submit} noValidate data-testid="risk-assess-form">
          <fieldset className="field checks">
            <legend>
              {t('disputes.risk.judgement')}
              <Required />
            </legend>
            {RISK_LEVELS.map((l) => (
              <label key={l} className="check">
                <input
                  type="radio"
                  name={`risk-${detail.id}`}
                  data-testid={`risk-assess-${l}`}
                  checked={level === l}
                  onChange={() => setLevel(l)}
                />
                {t(`disputes.risk.levels.${l}`)}
              </label>
            ))}
          </fieldset>
          <label className="field">
            <span>
              {t('disputes.risk.reason')}
              <Required />
            </span>
            <textarea
              data-testid="risk-assess-reason"
              rows={3}
              maxLength={2000}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </label>
          {shown ? (
            <div className="error-banner" role="alert">
              <span>{errorText(shown, fieldLabel)}</span>
            </div>
          ) : null}
          <div className="form-buttons">
            <button type="button" className="btn" onClick={() => setOpen(false)}>
              {t('common.cancel')}
            </button>
            <button
              type="submit"
              className="btn btn-primary"
              data-testid="risk-assess-submit"
              disabled={mutation.isPending}
            >
              {mutation.isPending ? t('common.sending') : t('disputes.risk.save')}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
