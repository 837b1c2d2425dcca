import { useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../api'
import { invalidate, keys, queries } from '../../api/queries'
import { flattenTree } from '../../areaUtils'
import { attributeLabel } from '../../caseUtils'
import {
  AttributeFields,
  attributePayload,
  attributeProblems,
  type AttributeValues,
} from '../../components/AttributeFields'
import { CategoryPicker } from '../../components/CategoryPicker'
import { QueryStatus } from '../../components/QueryStatus'
import { errorText, formatDateTime, localName } from '../../i18n'
import { routes } from '../../router'
import type { AreaNode, Category } from '../../types'
import {
  disputeApi,
  disputeQueries,
  petitionChanged,
  type PetitionAction,
  type PetitionActionBody,
  type PetitionDetail,
} from './api'
import { CATEGORIES, DeadlineClock, PetitionStateChip, Required, localDateTime } from './common'

type Field =
  | 'comment'
  | 'redirectedTo'
  | 'days'
  | 'answer'
  | 'decision'
  | 'lateReason'
  | 'requestedAt'
  | 'category'
  | 'respondentName'
  | 'peopleInvolved'
  | 'amount'
  | 'caseCategory'
  | 'grid'
  | 'address'
// What each action needs (src/disputes/petitions.ts); a late answer or review decision also needs its reason.
// Partial: an action the server offers that this screen does not know yet is left out, not broken.
const SPECS: Partial<Record<PetitionAction, { fields: Field[]; required: Field[]; tone: 'primary' | 'plain' }>> = {
  accept: { fields: ['comment'], required: [], tone: 'primary' },
  redirect: { fields: ['redirectedTo', 'comment'], required: ['redirectedTo', 'comment'], tone: 'plain' },
  extend: { fields: ['days', 'comment'], required: ['days', 'comment'], tone: 'plain' },
  answer: { fields: ['answer', 'lateReason'], required: ['answer'], tone: 'primary' },
  request_review: { fields: ['requestedAt', 'comment'], required: [], tone: 'plain' },
  decide_review: { fields: ['decision', 'lateReason'], required: ['decision'], tone: 'primary' },
  to_dispute: {
    fields: ['category', 'respondentName', 'peopleInvolved', 'amount', 'comment'],
    required: ['category', 'respondentName'],
    tone: 'plain',
  },
  to_case: {
    fields: ['caseCategory', 'grid', 'address', 'comment'],
    required: ['caseCategory', 'grid', 'address'],
    tone: 'plain',
  },
  close: { fields: ['comment'], required: [], tone: 'plain' },
}
const blank = (): Record<Field, string> => ({
  comment: '',
  redirectedTo: '',
  days: '30',
  answer: '',
  decision: '',
  lateReason: '',
  requestedAt: localDateTime(),
  category: '',
  respondentName: '',
  peopleInvolved: '2',
  amount: '',
  caseCategory: '',
  grid: '',
  address: '',
})
const passed = (iso: string | null) => iso !== null && new Date(iso).getTime() < Date.now()

/** The leaf category of a code in the catalogue (groups and their leaves), or null. */
function categoryOf(catalogue: Category[] | undefined, code: string): Category | null {
  for (const g of catalogue ?? []) {
    if (g.isLeaf && g.code === code) return g
    const leaf = g.children.find((c) => c.isLeaf && c.code === code)
    if (leaf) return leaf
  }
  return null
}

/** The grids of an area (the area itself if it is one), grouped by the area above them, as the tree orders them. */
function gridsOf(tree: AreaNode[] | undefined, areaId: number): { parent: AreaNode; grids: AreaNode[] }[] {
  const root = tree ? flattenTree(tree).find((n) => n.id === areaId) : undefined
  if (!root) return []
  if (root.level === 'grid') return [{ parent: root, grids: [root] }]
  const out: { parent: AreaNode; grids: AreaNode[] }[] = []
  const walk = (n: AreaNode) => {
    const grids = n.children.filter((c) => c.level === 'grid' && !c.retired)
    if (grids.length) out.push({ parent: n, grids })
    for (const c of n.children) if (c.level !== 'grid' && !c.retired) walk(c)
  }
  walk(root)
  return out
}

/** One petition: the matter, its limits as clocks, repeats, the actions the desk may take, and its history. */
export function PetitionDetailPage({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const query = useQuery(disputeQueries.petition(id))
  const p = query.data
  return (
    <section className="page petition-detail-page" data-testid="page-petition-detail" data-petition-id={id}>
      <a className="back-link" href={routes.petitions()}>
        ← {t('disputes.petitions.back')}
      </a>
      <QueryStatus query={query} />
      {p && (
        <div className="case-detail-grid">
          <div className="case-main">
            <div className="card case-head">
              <div className="case-title-row">
                <h1 className="page-title">
                  {p.matterKey} · {p.petitionerName}
                </h1>
                <PetitionStateChip state={p.state} testId="petition-state" />
                {p.repeats > 1 && (
                  <span className="badge badge-warn" data-testid="petition-repeats">
                    {t('disputes.petitions.repeatsN', { n: p.repeats })}
                  </span>
                )}
              </div>
              <p className="muted">
                <span className="mono">{p.reference}</span> · {t(`disputes.petitions.channels.${p.channel}`)} ·{' '}
                {localName(p.area, lng)}
              </p>
              <p className="prewrap" data-testid="petition-matter">
                {p.matter}
              </p>
              {p.disputeId && (
                <p className="notice">
                  {t('disputes.petitions.fields.dispute')}:{' '}
                  <a href={routes.dispute(p.disputeId)} data-testid="petition-dispute">
                    {t('disputes.petitions.openDispute')}
                  </a>
                </p>
              )}
              {p.caseId && (
                <p className="notice">
                  {t('disputes.petitions.fields.case')}:{' '}
                  <a href={routes.case(p.caseId)} data-testid="petition-case">
                    {t('disputes.petitions.openCase')}
                  </a>
                </p>
              )}
            </div>
            <PetitionActions petition={p} />
            <PetitionFacts petition={p} />
          </div>
          <div className="case-side">
            <section className="card" aria-labelledby="petition-limits-title">
              <h2 className="section-title" id="petition-limits-title">
                {t('disputes.petitions.limits')}
              </h2>
              <dl className="facts">
                <Limit label="dueAt" at={p.dueAt} clock overdue={p.overdue} />
                <Limit label="decideDueAt" at={p.decideDueAt} />
                <Limit label="answerDueAt" at={p.answerDueAt} />
                <Limit label="reviewDueAt" at={p.reviewDueAt} />
              </dl>
            </section>
            <section className="card" aria-labelledby="petition-history-title">
              <h2 className="section-title" id="petition-history-title">
                {t('disputes.petitions.timeline')}
              </h2>
              <ol className="timeline" data-testid="petition-timeline">
                {p.events.map((e) => (
                  <li key={`${e.at}-${e.action}`} className="timeline-item" data-action={e.action}>
                    <span className="timeline-dot" aria-hidden="true" />
                    <div className="timeline-body">
                      <div className="timeline-head">
                        <strong>
                          {e.action === 'register'
                            ? t('disputes.events.register')
                            : t(`disputes.petitions.actionNames.${e.action}`, { defaultValue: e.action })}
                        </strong>
                        <time dateTime={e.at} className="muted">
                          {formatDateTime(e.at, lng)}
                        </time>
                      </div>
                      <div className="timeline-who muted">{e.actorName}</div>
                      {e.comment && <p className="timeline-comment">{e.comment}</p>}
                    </div>
                  </li>
                ))}
              </ol>
            </section>
          </div>
        </div>
      )}
    </section>
  )
}

function Limit({
  label,
  at,
  clock,
  overdue,
}: {
  label: string
  at: string | null
  clock?: boolean
  overdue?: boolean
}) {
  const { t, i18n } = useTranslation()
  if (!at && !clock) return null
  return (
    <div className={clock ? 'wide' : undefined}>
      <dt>{t(`disputes.petitions.fields.${label}`)}</dt>
      <dd>
        {clock ? (
          <>
            <DeadlineClock dueAt={at} overdue={!!overdue} testId="petition-due-clock" />{' '}
            {at && formatDateTime(at, i18n.language)}
          </>
        ) : (
          formatDateTime(at, i18n.language)
        )}
      </dd>
    </div>
  )
}

function PetitionFacts({ petition: p }: { petition: PetitionDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const rows: [string, string | number | null][] = [
    ['petitionerName', p.petitionerName],
    ['idNumber', p.petitionerIdMasked],
    ['phone', p.petitionerPhoneMasked],
    ['personCount', p.personCount],
    ['receivedAt', formatDateTime(p.receivedAt, lng)],
    ['decidedAt', p.decidedAt && formatDateTime(p.decidedAt, lng)],
    ['redirectedTo', p.redirectedTo],
    ['extendedDays', p.extendedDays],
    ['extensionReason', p.extensionReason],
    ['answer', p.answer],
    ['answeredAt', p.answeredAt && formatDateTime(p.answeredAt, lng)],
    ['reviewRequestedAt', p.reviewRequestedAt && formatDateTime(p.reviewRequestedAt, lng)],
    ['reviewDecision', p.reviewDecision],
    ['reviewedAt', p.reviewedAt && formatDateTime(p.reviewedAt, lng)],
  ]
  return (
    <section className="card" aria-labelledby="petition-facts-title">
      <h2 className="section-title" id="petition-facts-title">
        {t('disputes.factsTitle')}
      </h2>
      <dl className="facts">
        {rows
          .filter(([, v]) => v !== null && v !== '')
          .map(([k, v]) => (
            <div key={k} className={k === 'answer' || k === 'reviewDecision' ? 'wide' : undefined}>
              <dt>{t(`disputes.petitions.fields.${k}`)}</dt>
              <dd className={k === 'idNumber' || k === 'phone' ? 'mono' : 'prewrap'}>{v}</dd>
            </div>
          ))}
      </dl>
    </section>
  )
}

function PetitionActions({ petition: p }: { petition: PetitionDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [active, setActive] = useState<PetitionAction | null>(null)
  const [values, setValues] = useState(blank)
  const [attrs, setAttrs] = useState<AttributeValues>({})
  // Attribute fields are marked after the first attempt to send, then follow the form as it is fixed.
  const [attempted, setAttempted] = useState(false)
  const [problem, setProblem] = useState<ApiError | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const toCase = active === 'to_case'
  const categoriesQuery = useQuery({ ...queries.categories(), enabled: toCase })
  const tree = useQuery({ ...queries.areaTree(), enabled: toCase })
  const grids = useMemo(() => gridsOf(tree.data, p.area.id), [tree.data, p.area.id])
  const category = categoryOf(categoriesQuery.data, values.caseCategory)
  const attrProblems = category ? attributeProblems(category.attributes, attrs) : []
  const send = useMutation({
    mutationFn: (body: PetitionActionBody) => disputeApi.petitionAct(p.id, body),
    onSuccess: (updated, body) => {
      setDone(t('disputes.petitions.actions.done', { action: t(`disputes.petitions.actionNames.${body.action}`) }))
      setActive(null)
      // A new event case shows in the workbench and tells its triage staff.
      return Promise.all([
        petitionChanged(updated),
        body.action === 'to_case' && invalidate(keys.cases, keys.notifications),
      ])
    },
    onError: (err) => {
      // Someone else acted first: show the petition as it is now.
      if (err instanceof ApiError && (err.code === 'CONFLICT' || err.code === 'PETITION_ILLEGAL_TRANSITION'))
        void invalidate(keys.petition(p.id))
    },
  })
  const spec = active ? (SPECS[active] ?? null) : null
  // A petition is turned into one dispute and one case at most (the server answers 409 to a second).
  const actions = p.allowedActions.filter(
    (a) => SPECS[a] && !(a === 'to_case' && p.caseId !== null) && !(a === 'to_dispute' && p.disputeId !== null),
  )
  const late = (active === 'answer' && passed(p.answerDueAt)) || (active === 'decide_review' && passed(p.reviewDueAt))
  const set = (f: Field, v: string) => setValues((x) => ({ ...x, [f]: v }))
  const open = (a: PetitionAction) => {
    setActive(a === active ? null : a)
    setValues(blank())
    setAttrs({})
    setAttempted(false)
    setProblem(null)
    setDone(null)
    send.reset()
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!active || !spec || send.isPending || category?.photoRequired) return
    const v = values
    const required = late ? [...spec.required, 'lateReason' as const] : spec.required
    const gap = required.find((f) => !v[f].trim())
    if (gap) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', `action.${gap}`))
    setAttempted(true)
    if (toCase && attrProblems[0])
      return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', `attributes.${attrProblems[0]}`))
    setProblem(null)
    const has = (f: Field) => spec.fields.includes(f) && v[f].trim() !== ''
    const body: PetitionActionBody = { action: active, version: p.version }
    if (has('comment')) body.comment = v.comment.trim()
    if (has('redirectedTo')) body.redirectedTo = v.redirectedTo.trim()
    if (has('days')) body.days = Number(v.days)
    if (has('answer')) body.answer = v.answer.trim()
    if (has('decision')) body.answer = v.decision.trim()
    if (has('lateReason') && late) body.lateReason = v.lateReason.trim()
    if (has('requestedAt')) body.requestedAt = new Date(v.requestedAt).toISOString()
    if (active === 'to_dispute')
      body.dispute = {
        category: CATEGORIES.find((c) => c === v.category) ?? 'other',
        respondentName: v.respondentName.trim(),
        peopleInvolved: Math.max(1, Number(v.peopleInvolved) || 1),
        ...(v.amount ? { amount: Number(v.amount) } : {}),
      }
    if (toCase && category)
      body.case = {
        categoryCode: category.code,
        gridId: Number(v.grid),
        address: v.address.trim(),
        ...(category.attributes.length ? { attributes: attributePayload(category.attributes, attrs) } : {}),
      }
    send.mutate(body)
  }

  const fieldLabel = (f: string) => {
    // The case's fields as createCase names them (categoryCode, areaId, attributes.x), here or from the server.
    const attribute = category?.attributes.find((a) => `attributes.${a.code}` === f)
    if (attribute) return attributeLabel(attribute, lng)
    const k = f.startsWith('action.') ? f.slice(7) : f.replace(/^(dispute|case)\./, '')
    const named: Record<string, string> = { case: 'caseCategory', categoryCode: 'caseCategory', areaId: 'grid' }
    return t(`disputes.petitions.actionFields.${named[k] ?? k}`, { defaultValue: k })
  }
  const error = problem ?? send.error
  const label = (f: Field) => (
    <span>
      {t(`disputes.petitions.actionFields.${f}`)}
      {spec?.required.includes(f) || (f === 'lateReason' && late) ? (
        <Required />
      ) : (
        <span className="muted optional"> {t('report.optional')}</span>
      )}
    </span>
  )
  const text = (f: Field) => (
    <label className="field">
      {label(f)}
      <input
        data-testid={`petition-action-${f}`}
        maxLength={f === 'address' ? 300 : 200}
        value={values[f]}
        onChange={(e) => set(f, e.target.value)}
      />
    </label>
  )
  const area = (f: Field, rows: number) => (
    <label className="field">
      {label(f)}
      <textarea
        data-testid={`petition-action-${f}`}
        rows={rows}
        maxLength={f === 'answer' || f === 'decision' ? 8000 : 2000}
        value={values[f]}
        onChange={(e) => set(f, e.target.value)}
      />
    </label>
  )

  return (
    <section className="action-panel card" data-testid="petition-actions" aria-labelledby="petition-actions-title">
      <h2 className="section-title" id="petition-actions-title">
        {t('disputes.petitions.actions.title')}
      </h2>
      {done && (
        <p className="notice" role="status" data-testid="petition-action-notice">
          {done}
        </p>
      )}
      {actions.length === 0 ? (
        <p className="muted">{t('disputes.petitions.actions.none')}</p>
      ) : (
        <div className="action-buttons">
          {actions.map((a) => (
            <button
              key={a}
              type="button"
              className={`btn ${SPECS[a]?.tone === 'primary' ? 'btn-primary' : ''}${active === a ? ' active' : ''}`}
              data-testid={`petition-action-${a}`}
              aria-expanded={active === a}
              onClick={() => open(a)}
            >
              {t(`disputes.petitions.actionNames.${a}`)}
            </button>
          ))}
        </div>
      )}
      {active && spec && (
        <form
          className="action-form"
          onSubmit={submit}
          noValidate
          data-testid="petition-action-form"
          data-action={active}
        >
          <h3>{t(`disputes.petitions.actionNames.${active}`)}</h3>
          <p className="muted hint">{t(`disputes.petitions.actionHints.${active}`)}</p>
          {late && (
            <p className="notice warn-notice" data-testid="petition-late">
              {t('disputes.petitions.late')}
            </p>
          )}
          {spec.fields.includes('category') && (
            <label className="field">
              {label('category')}
              <select
                data-testid="petition-action-category"
                value={values.category}
                onChange={(e) => set('category', e.target.value)}
              >
                <option value="">{t('report.choose')}</option>
                {CATEGORIES.map((c) => (
                  <option key={c} value={c}>
                    {t(`disputes.categories.${c}`)}
                  </option>
                ))}
              </select>
            </label>
          )}
          {spec.fields.includes('caseCategory') && (
            <fieldset className="field" data-testid="petition-action-caseCategory">
              <legend>{label('caseCategory')}</legend>
              <QueryStatus query={categoriesQuery} />
              {categoriesQuery.data && (
                <CategoryPicker
                  categories={categoriesQuery.data}
                  value={category}
                  onChange={(c) => {
                    set('caseCategory', c?.code ?? '')
                    setAttrs({})
                    // A complaint about the missing category is answered by choosing one.
                    setProblem(null)
                  }}
                />
              )}
            </fieldset>
          )}
          {category?.photoRequired && (
            <p className="notice warn-notice" role="status" data-testid="petition-case-photo">
              {t('disputes.petitions.casePhoto')}
            </p>
          )}
          {category && (
            <AttributeFields
              defs={category.attributes}
              values={attrs}
              onChange={setAttrs}
              problems={attempted ? attrProblems : []}
            />
          )}
          {spec.fields.includes('grid') && (
            <label className="field">
              {label('grid')}
              <select
                data-testid="petition-action-grid"
                value={values.grid}
                disabled={!tree.data}
                onChange={(e) => set('grid', e.target.value)}
              >
                <option value="">{tree.data ? t('report.choose') : t('common.loading')}</option>
                {grids.map(({ parent, grids: inside }) => (
                  <optgroup key={parent.id} label={localName(parent, lng)}>
                    {inside.map((g) => (
                      <option key={g.id} value={g.id} data-code={g.code}>
                        {localName(g, lng)} · {g.code}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            </label>
          )}
          {spec.fields.includes('address') && text('address')}
          {spec.fields.includes('respondentName') && text('respondentName')}
          {spec.fields.includes('peopleInvolved') && (
            <label className="field">
              {label('peopleInvolved')}
              <input
                type="number"
                min={1}
                data-testid="petition-action-peopleInvolved"
                value={values.peopleInvolved}
                onChange={(e) => set('peopleInvolved', e.target.value)}
              />
            </label>
          )}
          {spec.fields.includes('amount') && (
            <label className="field">
              {label('amount')}
              <input
                type="number"
                min={0}
                data-testid="petition-action-amount"
                value={values.amount}
                onChange={(e) => set('amount', e.target.value)}
              />
            </label>
          )}
          {spec.fields.includes('redirectedTo') && text('redirectedTo')}
          {spec.fields.includes('days') && (
            <label className="field">
              {label('days')}
              <input
                type="number"
                min={1}
                max={30}
                data-testid="petition-action-days"
                value={values.days}
                onChange={(e) => set('days', e.target.value)}
              />
            </label>
          )}
          {spec.fields.includes('requestedAt') && (
            <label className="field">
              {label('requestedAt')}
              <input
                type="datetime-local"
                data-testid="petition-action-requestedAt"
                value={values.requestedAt}
                onChange={(e) => set('requestedAt', e.target.value)}
              />
            </label>
          )}
          {spec.fields.includes('answer') && area('answer', 5)}
          {spec.fields.includes('decision') && area('decision', 5)}
          {spec.fields.includes('lateReason') && late && area('lateReason', 2)}
          {spec.fields.includes('comment') && area('comment', 3)}
          {error ? (
            <div className="error-banner" role="alert" data-testid="petition-action-error">
              <span>{errorText(error, fieldLabel)}</span>
            </div>
          ) : null}
          <div className="form-buttons">
            <button type="button" className="btn" onClick={() => setActive(null)}>
              {t('common.cancel')}
            </button>
            <button
              type="submit"
              className="btn btn-primary"
              data-testid="petition-action-submit"
              disabled={send.isPending || !!category?.photoRequired}
            >
              {send.isPending ? t('common.sending') : t(`disputes.petitions.actionNames.${active}`)}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
