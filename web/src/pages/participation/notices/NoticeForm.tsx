import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { navigate, routes } from '../../../router'
import type { User } from '../../../types'
import { NOTICE_KINDS, noticeApi, noticeChanged, noticeQueries, type NoticeDetail, type NoticeKind } from './api'
import { fromLocalInput, NOTICE_STAFF, publishableAreas, Required, toLocalInput } from './common'

interface Values {
  areaId: string
  kind: NoticeKind
  title: string
  body: string
  explainer: string
  publishAt: string
  expiresAt: string
  pinned: boolean
}

const blank: Values = {
  areaId: '',
  kind: 'notice',
  title: '',
  body: '',
  explainer: '',
  publishAt: '',
  expiresAt: '',
  pinned: false,
}

/** Publishing a notice or policy (or saving a draft) to one of the areas the user runs. */
export function NoticeNewPage({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const tree = useQuery(queries.areaTree())
  const areas = useMemo(() => (tree.data ? publishableAreas(tree.data, user) : []), [tree.data, user])
  const [key, setKey] = useState(newIdempotencyKey)
  const create = useMutation({
    mutationFn: ({ values, draft }: { values: Values; draft: boolean }) =>
      noticeApi.create(
        {
          areaId: Number(values.areaId),
          kind: values.kind,
          title: values.title.trim(),
          body: values.body.trim(),
          pinned: values.pinned,
          status: draft ? 'draft' : 'published',
          ...(values.explainer.trim() ? { explainer: values.explainer.trim() } : {}),
          ...(fromLocalInput(values.publishAt) ? { publishAt: fromLocalInput(values.publishAt)! } : {}),
          ...(fromLocalInput(values.expiresAt) ? { expiresAt: fromLocalInput(values.expiresAt)! } : {}),
        },
        key,
      ),
    onSuccess: async (detail) => {
      setKey(newIdempotencyKey())
      await noticeChanged(detail)
      navigate('participation', 'notices', detail.id)
    },
  })
  if (!hasRole(user, NOTICE_STAFF))
    return (
      <p className="muted" data-testid="notice-not-staff">
        {t('participation.notices.form.notStaff')}
      </p>
    )
  const firstCommunity = areas.find((a) => a.node.level === 'community') ?? areas[0]
  return (
    <div className="notices" data-testid="notice-new-page">
      <a className="back-link" href={routes.participation('notices')}>
        {t('participation.notices.back')}
      </a>
      <QueryStatus query={tree} />
      <NoticeFields
        title={t('participation.notices.form.newTitle')}
        initial={{ ...blank, areaId: firstCommunity ? String(firstCommunity.node.id) : '' }}
        areaOptions={areas.map(({ node, depth }) => ({
          id: node.id,
          label: `${'\u3000'.repeat(depth)}${localName(node, i18n.language)}`,
        }))}
        pending={create.isPending}
        serverError={create.error}
        onSubmit={(values, draft) => create.mutate({ values, draft })}
        submitLabel={t('participation.notices.form.publish')}
        draftLabel={t('participation.notices.form.saveDraft')}
      />
    </div>
  )
}

/** Editing a notice (not its area: withdraw and publish anew for another audience). */
export function NoticeEditPage({ id, user }: { id: number; user: User }) {
  const { t } = useTranslation()
  const detail = useQuery(noticeQueries.detail(id))
  const n = detail.data
  const save = useMutation({
    mutationFn: ({ values, publish, was }: { values: Values; publish: boolean; was: NoticeDetail }) =>
      noticeApi.update(id, {
        kind: values.kind,
        title: values.title.trim(),
        body: values.body.trim(),
        explainer: values.explainer.trim() || null,
        pinned: values.pinned,
        // Times go only when changed: the input keeps minutes, the notice may have seconds.
        ...(values.publishAt !== toLocalInput(was.publishAt) && fromLocalInput(values.publishAt)
          ? { publishAt: fromLocalInput(values.publishAt)! }
          : {}),
        ...(values.expiresAt !== toLocalInput(was.expiresAt) ? { expiresAt: fromLocalInput(values.expiresAt) } : {}),
        ...(publish ? { status: 'published' as const } : {}),
      }),
    onSuccess: async (detail) => {
      await noticeChanged(detail)
      navigate('participation', 'notices', detail.id)
    },
  })
  if (!hasRole(user, NOTICE_STAFF))
    return (
      <p className="muted" data-testid="notice-not-staff">
        {t('participation.notices.form.notStaff')}
      </p>
    )
  return (
    <div className="notices" data-testid="notice-edit-page">
      <a className="back-link" href={routes.participation('notices', id)}>
        {t('participation.notices.backToNotice')}
      </a>
      <QueryStatus query={detail} />
      {n && !n.canManage && <p className="muted">{t('participation.notices.form.notStaff')}</p>}
      {n?.canManage && (
        <NoticeFields
          title={t('participation.notices.form.editTitle')}
          initial={{
            areaId: String(n.area.id),
            kind: n.kind,
            title: n.title,
            body: n.body,
            explainer: n.explainer ?? '',
            publishAt: toLocalInput(n.publishAt),
            expiresAt: toLocalInput(n.expiresAt),
            pinned: n.pinned,
          }}
          areaOptions={null}
          pending={save.isPending}
          serverError={save.error}
          onSubmit={(values, draft) => save.mutate({ values, publish: n.status === 'draft' && !draft, was: n })}
          submitLabel={
            n.status === 'draft' ? t('participation.notices.form.saveAndPublish') : t('participation.notices.form.save')
          }
          draftLabel={n.status === 'draft' ? t('participation.notices.form.saveDraft') : null}
        />
      )}
    </div>
  )
}

const fieldNames = ['areaId', 'kind', 'title', 'body', 'explainer', 'publishAt', 'expiresAt', 'pinned'] as const

function NoticeFields({
  title,
  initial,
  areaOptions,
  pending,
  serverError,
  onSubmit,
  submitLabel,
  draftLabel,
}: {
  title: string
  initial: Values
  /** The areas to publish to; null when the area is fixed (editing). */
  areaOptions: { id: number; label: string }[] | null
  pending: boolean
  serverError: unknown
  onSubmit: (values: Values, draft: boolean) => void
  submitLabel: string
  draftLabel: string | null
}) {
  const { t } = useTranslation()
  const [v, setV] = useState<Values>(initial)
  const [problem, setProblem] = useState<ApiError | null>(null)
  const uid = useId()
  const idOf = (f: string) => `${uid}-${f}`
  const set = <K extends keyof Values>(k: K, value: Values[K]) => {
    setV((old) => ({ ...old, [k]: value }))
    // What the form itself found wrong goes once the field is changed.
    setProblem((p) => (p?.field === k ? null : p))
  }
  // The default area arrives with the area tree, after the first render.
  const areaId = v.areaId || initial.areaId

  const check = (): string | null => {
    if (areaOptions && !areaId) return 'areaId'
    if (!v.title.trim()) return 'title'
    if (!v.body.trim()) return 'body'
    if (v.publishAt && !fromLocalInput(v.publishAt)) return 'publishAt'
    if (v.expiresAt && !fromLocalInput(v.expiresAt)) return 'expiresAt'
    const from = fromLocalInput(v.publishAt) ?? new Date().toISOString()
    const until = fromLocalInput(v.expiresAt)
    if (until && until <= from) return 'expiresAt'
    return null
  }
  const submit = (draft: boolean) => (e?: FormEvent) => {
    e?.preventDefault()
    if (pending) return
    const gap = check()
    if (gap)
      return setProblem(new ApiError(0, 'VALIDATION_FAILED', t(`participation.notices.form.invalid.${gap}`), gap))
    setProblem(null)
    onSubmit({ ...v, areaId }, draft)
  }
  const error = problem ?? serverError
  const label = (f: string) =>
    (fieldNames as readonly string[]).includes(f) ? t(`participation.notices.fields.${f}`) : undefined
  const invalid = (f: string) => (error instanceof ApiError && error.field === f) || undefined
  const message =
    error instanceof ApiError && error.status === 0
      ? t('participation.notices.form.fix', { field: label(error.field ?? '') ?? '', message: error.message })
      : error
        ? errorText(error, label)
        : null

  return (
    <form className="card notices-form" onSubmit={submit(false)} noValidate data-testid="notice-form">
      <h2 className="section-title">{title}</h2>
      {areaOptions && (
        <div className="field">
          <label htmlFor={idOf('areaId')}>
            {t('participation.notices.fields.areaId')}
            <Required />
          </label>
          <select
            id={idOf('areaId')}
            data-testid="notice-area"
            value={areaId}
            aria-invalid={invalid('areaId')}
            aria-describedby={idOf('areaHint')}
            onChange={(e) => set('areaId', e.target.value)}
          >
            <option value="">{t('participation.notices.form.chooseArea')}</option>
            {areaOptions.map((a) => (
              <option key={a.id} value={a.id}>
                {a.label}
              </option>
            ))}
          </select>
          <small className="muted hint" id={idOf('areaHint')}>
            {t('participation.notices.form.areaHint')}
          </small>
        </div>
      )}
      <fieldset className="field notices-kinds">
        <legend>{t('participation.notices.fields.kind')}</legend>
        {NOTICE_KINDS.map((k) => (
          <label key={k} className="check">
            <input
              type="radio"
              name={idOf('kind')}
              value={k}
              checked={v.kind === k}
              data-testid={`notice-kind-${k}`}
              onChange={() => set('kind', k)}
            />
            {t(`participation.notices.kind.${k}`)}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={idOf('title')}>
          {t('participation.notices.fields.title')}
          <Required />
        </label>
        <input
          id={idOf('title')}
          data-testid="notice-title-input"
          maxLength={200}
          required
          value={v.title}
          aria-invalid={invalid('title')}
          onChange={(e) => set('title', e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={idOf('body')}>
          {t('participation.notices.fields.body')}
          <Required />
        </label>
        <textarea
          id={idOf('body')}
          className="notices-textarea"
          data-testid="notice-body-input"
          rows={8}
          maxLength={20000}
          required
          value={v.body}
          aria-invalid={invalid('body')}
          onChange={(e) => set('body', e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={idOf('explainer')}>{t('participation.notices.fields.explainer')}</label>
        <textarea
          id={idOf('explainer')}
          className="notices-textarea"
          data-testid="notice-explainer-input"
          rows={5}
          maxLength={20000}
          value={v.explainer}
          aria-invalid={invalid('explainer')}
          aria-describedby={idOf('explainerHint')}
          onChange={(e) => set('explainer', e.target.value)}
        />
        <small className="muted hint" id={idOf('explainerHint')}>
          {t('participation.notices.form.explainerHint')}
        </small>
      </div>
      <div className="notices-form-row">
        <div className="field">
          <label htmlFor={idOf('publishAt')}>{t('participation.notices.fields.publishAt')}</label>
          <input
            id={idOf('publishAt')}
            type="datetime-local"
            data-testid="notice-publish-at"
            value={v.publishAt}
            aria-invalid={invalid('publishAt')}
            aria-describedby={idOf('publishHint')}
            onChange={(e) => set('publishAt', e.target.value)}
          />
          <small className="muted hint" id={idOf('publishHint')}>
            {t('participation.notices.form.publishHint')}
          </small>
        </div>
        <div className="field">
          <label htmlFor={idOf('expiresAt')}>{t('participation.notices.fields.expiresAt')}</label>
          <input
            id={idOf('expiresAt')}
            type="datetime-local"
            data-testid="notice-expires-at"
            value={v.expiresAt}
            aria-invalid={invalid('expiresAt')}
            aria-describedby={idOf('expiresHint')}
            onChange={(e) => set('expiresAt', e.target.value)}
          />
          <small className="muted hint" id={idOf('expiresHint')}>
            {t('participation.notices.form.expiresHint')}
          </small>
        </div>
      </div>
      <label className="check notices-pin">
        <input
          type="checkbox"
          data-testid="notice-pinned"
          checked={v.pinned}
          onChange={(e) => set('pinned', e.target.checked)}
        />
        {t('participation.notices.fields.pinned')}
      </label>
      {areaOptions && <p className="muted small">{t('participation.notices.form.attachLater')}</p>}
      {message ? (
        <div className="error-banner" role="alert" data-testid="notice-form-error">
          <span>{message}</span>
        </div>
      ) : null}
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" data-testid="notice-submit" disabled={pending}>
          {pending ? t('participation.notices.sending') : submitLabel}
        </button>
        {draftLabel && (
          <button
            type="button"
            className="btn"
            data-testid="notice-save-draft"
            disabled={pending}
            onClick={submit(true)}
          >
            {draftLabel}
          </button>
        )}
      </div>
    </form>
  )
}
