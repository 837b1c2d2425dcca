import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../api'
import { errorText, formatDateTime } from '../../i18n'
import {
  disputeApi,
  type Agreement,
  type AgreementBody,
  type AgreementElement,
  type DisputeDetail,
  type SignatureBody,
} from './api'
import { useDisputeChange } from './DisputeActionPanel'
import { AGREEMENT_ELEMENTS, Required, todayLocal } from './common'

const MEDIATING = ['people_mediation', 'administrative_mediation']
const TEXTS = ['facts', 'issues', 'responsibilities', 'terms', 'performanceManner'] as const
type Text = (typeof TEXTS)[number]
type Draft = Record<Text | 'performanceDeadline', string> & { form: Agreement['form'] }
/** What an oral agreement needs: everything but signatures and the seal (art. 28). */
const ORAL_ELEMENTS: readonly AgreementElement[] = AGREEMENT_ELEMENTS.filter(
  (e) => e !== 'partySignatures' && e !== 'mediatorSignature' && e !== 'seal',
)

function draftOf(g: Agreement | null, detail: DisputeDetail): Draft {
  return {
    form: g?.form ?? 'written',
    // A new agreement starts from the facts and claims as registered.
    facts: g ? (g.facts ?? '') : detail.facts,
    issues: g ? (g.issues ?? '') : detail.claims,
    responsibilities: g?.responsibilities ?? '',
    terms: g?.terms ?? '',
    performanceManner: g?.performanceManner ?? '',
    performanceDeadline: g?.performanceDeadline ?? '',
  }
}

const same = (a: Draft, b: Draft) =>
  a.form === b.form && (['performanceDeadline', ...TEXTS] as const).every((k) => a[k].trim() === b[k].trim())

/**
 * The mediation agreement (People's Mediation Law art. 28–29): its text, the elements still missing,
 * signatures of each party and the mediator and the committee's seal, the settlement, and the PDF.
 * While the dispute is being mediated its mediators and coordinators write it; afterwards it is shown.
 */
export function AgreementEditor({ detail }: { detail: DisputeDetail }) {
  const { t } = useTranslation()
  const g = detail.agreement
  const draft = g?.status === 'draft' ? g : null
  const editable = MEDIATING.includes(detail.state) && detail.myRoles.length > 0
  if (!g && !editable) return null
  return (
    <section className="card agreement-panel" data-testid="agreement-panel" aria-labelledby="agreement-title">
      <div className="panel-head">
        <h2 className="section-title" id="agreement-title">
          {t('disputes.agreement.title')}
        </h2>
        {g && (
          <span className={`badge agreement-status-${g.status}`} data-testid="agreement-status" data-status={g.status}>
            {t(`disputes.agreement.statuses.${g.status}`)}
          </span>
        )}
      </div>
      {editable && (!g || draft) ? (
        <DraftForm detail={detail} draft={draft} />
      ) : (
        g && <AgreementText agreement={g} detail={detail} />
      )}
      {g && <PdfLinks detail={detail} agreement={g} />}
    </section>
  )
}

function DraftForm({ detail, draft }: { detail: DisputeDetail; draft: Agreement | null }) {
  const { t } = useTranslation()
  const saved = draftOf(draft, detail)
  const [values, setValues] = useState<Draft>(saved)
  const [savedNotice, setSavedNotice] = useState<string | null>(null)
  const dirty = !draft || !same(values, saved)
  const save = useDisputeChange(detail, (body: AgreementBody) => disputeApi.saveAgreement(detail.id, body))
  const sign = useDisputeChange(detail, (body: SignatureBody) => disputeApi.sign(detail.id, body))
  const settle = useDisputeChange(detail, () =>
    disputeApi.act(detail.id, { action: 'settle', version: detail.version }),
  )
  const set = (k: keyof Draft, v: string) => {
    setValues((x) => ({ ...x, [k]: v }))
    setSavedNotice(null)
  }
  // One step at a time: a new one clears what the last one said.
  const fresh = () => {
    setSavedNotice(null)
    for (const m of [save, sign, settle]) m.mutation.reset()
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (save.mutation.isPending) return
    fresh()
    const signed = !!draft && (draft.partySignatures.length > 0 || !!draft.mediatorSignedAt || !!draft.sealedAt)
    const body: AgreementBody = { form: values.form }
    for (const k of TEXTS) if (values[k].trim()) body[k] = values[k].trim()
    if (values.performanceDeadline) body.performanceDeadline = values.performanceDeadline
    save.mutation.mutate(body, {
      onSuccess: (updated) => {
        const voided = signed && updated.agreement?.partySignatures.length === 0 && !updated.agreement.sealedAt
        setSavedNotice(voided ? t('disputes.agreement.savedVoided') : t('disputes.agreement.saved'))
      },
    })
  }

  const missing = new Set(draft?.missing ?? [])
  const elements = values.form === 'oral' ? ORAL_ELEMENTS : AGREEMENT_ELEMENTS
  const isMediator = detail.myRoles.includes('mediator')
  const canSettle = detail.allowedActions.includes('settle')
  const busy = save.mutation.isPending || sign.mutation.isPending || settle.mutation.isPending
  const elementLabel = (f: string) =>
    (AGREEMENT_ELEMENTS as readonly string[]).includes(f) ? t(`disputes.agreement.elements.${f}`) : undefined
  const error = save.error ?? sign.error ?? settle.error
  const notice = save.notice ?? sign.notice ?? settle.notice ?? savedNotice
  const incomplete =
    settle.error instanceof ApiError && settle.error.code === 'AGREEMENT_INCOMPLETE'
      ? settle.error.details?.missing
      : null

  return (
    <div className="agreement-editor" data-testid="agreement-editor">
      {notice && (
        <p className="notice" role="status" data-testid="agreement-notice">
          {notice}
        </p>
      )}
      <form onSubmit={submit} noValidate data-testid="agreement-form">
        <fieldset className="field checks">
          <legend>{t('disputes.agreement.form')}</legend>
          {(['written', 'oral'] as const).map((f) => (
            <label key={f} className="check">
              <input
                type="radio"
                name={`agreement-form-${detail.id}`}
                data-testid={`agreement-form-${f}`}
                checked={values.form === f}
                onChange={() => set('form', f)}
              />
              {t(`disputes.agreement.forms.${f}`)}
            </label>
          ))}
        </fieldset>
        {TEXTS.map((k) => (
          <label key={k} className="field">
            <span>
              {t(`disputes.agreement.elements.${k}`)}
              <Required />
            </span>
            <textarea
              data-testid={`agreement-${k}`}
              rows={k === 'terms' ? 4 : 2}
              maxLength={k === 'terms' ? 8000 : k === 'performanceManner' ? 2000 : 4000}
              value={values[k]}
              onChange={(e) => set(k, e.target.value)}
            />
          </label>
        ))}
        <label className="field">
          <span>
            {t('disputes.agreement.elements.performanceDeadline')}
            <Required />
          </span>
          <input
            type="date"
            data-testid="agreement-performanceDeadline"
            min={todayLocal()}
            value={values.performanceDeadline}
            onChange={(e) => set('performanceDeadline', e.target.value)}
          />
        </label>
        <p className="muted hint">{t('disputes.agreement.voidHint')}</p>
        <div className="form-buttons">
          <button type="submit" className="btn btn-primary" data-testid="agreement-save" disabled={busy || !dirty}>
            {save.mutation.isPending ? t('common.sending') : t('disputes.agreement.save')}
          </button>
        </div>
      </form>

      {draft && (
        <>
          <h3 className="panel-title">{t('disputes.agreement.checklist')}</h3>
          <ul className="element-checklist" data-testid="agreement-checklist">
            {elements.map((el) => {
              const ok = !missing.has(el)
              return (
                <li
                  key={el}
                  className={ok ? 'ok' : 'missing'}
                  data-testid="agreement-element"
                  data-element={el}
                  data-done={ok}
                >
                  <span aria-hidden="true">{ok ? '✓' : '✗'}</span> {t(`disputes.agreement.elements.${el}`)}
                  <span className="visually-hidden">
                    {' '}
                    — {ok ? t('disputes.agreement.present') : t('disputes.agreement.missing')}
                  </span>
                </li>
              )
            })}
          </ul>
        </>
      )}

      {draft?.form === 'written' && (
        <div className="signatures" data-testid="agreement-signatures">
          <h3 className="panel-title">{t('disputes.agreement.signatures')}</h3>
          {dirty && <p className="muted hint">{t('disputes.agreement.saveBeforeSigning')}</p>}
          <ul className="signature-list">
            {detail.parties.map((p) => {
              const s = draft.partySignatures.find((x) => x.partyId === p.id)
              return (
                <li key={p.id} data-testid="signature-party" data-party-id={p.id} data-signed={!!s}>
                  <span>
                    {t(`disputes.partyRoles.${p.role}`)} · <strong>{p.name}</strong>
                  </span>
                  {s ? (
                    <span className="muted">
                      {t('disputes.agreement.signedAt', { at: formatDateTime(s.signedAt), by: s.recordedBy })}
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="btn btn-small"
                      data-testid={`sign-party-${p.id}`}
                      disabled={busy || dirty}
                      onClick={() => {
                        fresh()
                        sign.mutation.mutate({ signer: 'party', partyId: p.id })
                      }}
                    >
                      {t('disputes.agreement.recordSignature', { name: p.name })}
                    </button>
                  )}
                </li>
              )
            })}
            <li data-testid="signature-mediator" data-signed={!!draft.mediatorSignedAt}>
              <span>{t('disputes.agreement.mediatorSignature')}</span>
              {draft.mediatorSignedAt ? (
                <span className="muted">
                  {t('disputes.agreement.signedAt', {
                    at: formatDateTime(draft.mediatorSignedAt),
                    by: draft.mediatorSignedBy ?? '—',
                  })}
                </span>
              ) : (
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid="sign-mediator"
                  disabled={busy || dirty || !isMediator}
                  onClick={() => {
                    fresh()
                    sign.mutation.mutate({ signer: 'mediator' })
                  }}
                >
                  {t('disputes.agreement.signAsMediator')}
                </button>
              )}
            </li>
            <li data-testid="signature-seal" data-signed={!!draft.sealedAt}>
              <span>{t('disputes.agreement.seal')}</span>
              {draft.sealedAt ? (
                <span className="muted">
                  {t('disputes.agreement.sealedAt', { at: formatDateTime(draft.sealedAt), by: draft.sealedBy ?? '—' })}
                </span>
              ) : (
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid="sign-seal"
                  disabled={busy || dirty || !isMediator}
                  onClick={() => {
                    fresh()
                    sign.mutation.mutate({ signer: 'seal' })
                  }}
                >
                  {t('disputes.agreement.applySeal')}
                </button>
              )}
            </li>
          </ul>
          {!isMediator && <p className="muted hint">{t('disputes.agreement.mediatorOnly')}</p>}
        </div>
      )}

      {error ? (
        <div className="error-banner" role="alert" data-testid="agreement-error">
          <span>
            {errorText(error, elementLabel)}
            {Array.isArray(incomplete) &&
              ` ${t('disputes.agreement.stillMissing', {
                list: incomplete.map((m) => elementLabel(String(m)) ?? String(m)).join(t('common.listSeparator')),
              })}`}
          </span>
        </div>
      ) : null}

      {draft && canSettle && (
        <div className="settle-row">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="agreement-settle"
            disabled={busy || dirty}
            onClick={() => {
              fresh()
              settle.mutation.mutate(undefined)
            }}
          >
            {settle.mutation.isPending ? t('common.sending') : t('disputes.agreement.settle')}
          </button>
          <span className="muted hint">
            {missing.size === 0 ? t('disputes.agreement.readyToSettle') : t('disputes.agreement.settleHint')}
          </span>
        </div>
      )}
    </div>
  )
}

/** An agreement in effect (or performed, or broken): its text as agreed and who signed when. */
export function AgreementText({ agreement: g, detail }: { agreement: Agreement; detail: DisputeDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <div className="agreement-text" data-testid="agreement-text">
      <dl className="facts">
        <div>
          <dt>{t('disputes.agreement.form')}</dt>
          <dd>{t(`disputes.agreement.forms.${g.form}`)}</dd>
        </div>
        <div>
          <dt>{t('disputes.agreement.effectiveAt')}</dt>
          <dd>{formatDateTime(g.effectiveAt, lng)}</dd>
        </div>
        {TEXTS.map((k) => (
          <div key={k} className="wide">
            <dt>{t(`disputes.agreement.elements.${k}`)}</dt>
            <dd className="prewrap">{g[k] ?? '—'}</dd>
          </div>
        ))}
        <div>
          <dt>{t('disputes.agreement.elements.performanceDeadline')}</dt>
          <dd>{g.performanceDeadline ?? '—'}</dd>
        </div>
      </dl>
      {g.form === 'written' && (
        <ul className="signature-list">
          {g.partySignatures.map((s) => (
            <li key={s.partyId}>
              <strong>{s.name}</strong>
              <span className="muted">
                {t('disputes.agreement.signedAt', { at: formatDateTime(s.signedAt, lng), by: s.recordedBy })}
              </span>
            </li>
          ))}
          {g.mediatorSignedAt && (
            <li>
              <strong>{t('disputes.agreement.mediatorSignature')}</strong>
              <span className="muted">
                {t('disputes.agreement.signedAt', {
                  at: formatDateTime(g.mediatorSignedAt, lng),
                  by: g.mediatorSignedBy ?? '—',
                })}
              </span>
            </li>
          )}
          {g.sealedAt && (
            <li>
              <strong>{t('disputes.agreement.seal')}</strong>
              <span className="muted">
                {t('disputes.agreement.sealedAt', { at: formatDateTime(g.sealedAt, lng), by: g.sealedBy ?? '—' })}
              </span>
            </li>
          )}
        </ul>
      )}
      {detail.parties.length > 0 && g.form === 'written' && g.partySignatures.length < detail.parties.length && (
        <p className="muted">{t('disputes.agreement.unsignedParties')}</p>
      )}
    </div>
  )
}

/**
 * The printable agreement: the PDF itself in a frame (its route lets our own pages frame it) or in
 * its own tab, and beside it the text it prints, readable and searchable on the page.
 */
function PdfLinks({ detail, agreement: g }: { detail: DisputeDetail; agreement: Agreement }) {
  const { t } = useTranslation()
  const [preview, setPreview] = useState(false)
  return (
    <div className="agreement-pdf">
      <div className="form-buttons">
        <a
          className="btn btn-small"
          href={disputeApi.agreementPdfUrl(detail.id)}
          target="_blank"
          rel="noopener"
          data-testid="agreement-pdf"
        >
          {g.status === 'draft' ? t('disputes.agreement.pdfDraft') : t('disputes.agreement.pdf')}
        </a>
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={preview}
          data-testid="agreement-preview-toggle"
          onClick={() => setPreview((p) => !p)}
        >
          {preview ? t('disputes.agreement.hidePreview') : t('disputes.agreement.preview')}
        </button>
      </div>
      {preview && (
        <div className="agreement-preview-pair">
          <iframe
            className="agreement-pdf-frame"
            title={t('disputes.agreement.pdf')}
            src={disputeApi.agreementPdfUrl(detail.id)}
            data-testid="agreement-pdf-frame"
          />
          <AgreementPreview detail={detail} agreement={g} />
        </div>
      )}
    </div>
  )
}

/** The agreement laid out as the PDF prints it, in Chinese like the document itself. */
function AgreementPreview({ detail, agreement: g }: { detail: DisputeDetail; agreement: Agreement }) {
  const roleZh = { applicant: '申请人', respondent: '被申请人', third_party: '第三人' } as const
  const signed = new Map(g.partySignatures.map((s) => [s.partyId, s]))
  const dash = '（未填写）'
  return (
    // A draft carries the watermark as the PDF does (drawn by CSS, so it is not read out as text).
    <article
      className={`agreement-preview${g.status === 'draft' ? ' preview-draft' : ''}`}
      lang="zh-CN"
      data-testid="agreement-preview"
    >
      <h3>{g.form === 'oral' ? '口头调解协议记录' : '人民调解协议书'}</h3>
      <p className="preview-ref">编号：{detail.reference}</p>
      <h4>当事人</h4>
      {detail.parties.map((p) => (
        <p key={p.id}>
          {roleZh[p.role]}：{p.name}
          {p.idNumberMasked && `　证件号码：${p.idNumberMasked}`}
          {p.address && `　住址：${p.address}`}
        </p>
      ))}
      <h4>纠纷主要事实、争议事项</h4>
      <p>{g.facts ?? dash}</p>
      <p>争议事项：{g.issues ?? dash}</p>
      <h4>各方当事人的责任</h4>
      <p>{g.responsibilities ?? dash}</p>
      <h4>经调解，当事人自愿达成如下协议</h4>
      <p>{g.terms ?? dash}</p>
      <h4>履行方式、时限</h4>
      <p>
        {g.performanceManner ?? dash}　履行期限：{g.performanceDeadline ?? dash}
      </p>
      {g.form === 'written' && (
        <>
          <h4>签名</h4>
          {detail.parties.map((p) => (
            <p key={p.id}>
              {roleZh[p.role]}（签名）：{signed.has(p.id) ? p.name : '＿＿＿＿＿＿'}
            </p>
          ))}
          <p>人民调解员（签名）：{g.mediatorSignedBy ?? '＿＿＿＿＿＿'}</p>
          <p className="preview-seal">
            {detail.committee?.nameZh ?? '人民调解委员会'}（印）{g.sealedAt ? '　已盖章' : ''}
          </p>
        </>
      )}
    </article>
  )
}
