import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { navigate, routes } from '../../../router'
import type { User } from '../../../types'
import { TRAINING_KEEPERS } from '../section'
import { policiesApi, policiesChanged, policyQueries, type PolicyDetail, type QA } from './api'
import { useCategoryGroups } from './common'

type NoticeRef = { id: number; title: string }
type CategoryRef = { id: number; nameZh: string; nameEn: string }

/** The editor of a new policy (`id` absent) or of one the caller keeps: loads it first. */
export function PolicyEditor({ user, id }: { user: User; id?: number }) {
  const detail = useQuery({ ...policyQueries.detail(id ?? 0), enabled: id !== undefined })
  if (id === undefined) return <EditorForm user={user} />
  return (
    <>
      <QueryStatus query={detail} />
      {detail.data && <EditorForm user={user} policy={detail.data} />}
    </>
  )
}

/**
 * The fields of a policy: the area (new ones), title, document number, issuer, dates, the explainer,
 * the Q&A (rows added and removed), the full text, and the notices and case categories it is linked
 * to (the lists replace the links on save). A new policy is saved as a draft; publishing is on its page.
 */
function EditorForm({ user, policy }: { user: User; policy?: PolicyDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const firstKept = user.roles.find((r) => (TRAINING_KEEPERS as readonly string[]).includes(r.role))
  const [areaId, setAreaId] = useState(String(policy?.area.id ?? firstKept?.areaId ?? ''))
  const [title, setTitle] = useState(policy?.title ?? '')
  const [documentNo, setDocumentNo] = useState(policy?.documentNo ?? '')
  const [issuedBy, setIssuedBy] = useState(policy?.issuedBy ?? '')
  const [issuedOn, setIssuedOn] = useState(policy?.issuedOn ?? '')
  const [effectiveOn, setEffectiveOn] = useState(policy?.effectiveOn ?? '')
  const [explainer, setExplainer] = useState(policy?.explainer ?? '')
  const [text, setText] = useState(policy?.text ?? '')
  const [qa, setQa] = useState<QA[]>(policy?.qa ?? [])
  const [notices, setNotices] = useState<NoticeRef[]>(policy?.notices ?? [])
  const [categories, setCategories] = useState<CategoryRef[]>(policy?.categories ?? [])
  const [noticeQuery, setNoticeQuery] = useState('')
  const [pickCategory, setPickCategory] = useState('')
  const [relinked, setRelinked] = useState({ notices: false, categories: false })
  const [problem, setProblem] = useState<string | null>(null)
  const [key] = useState(newIdempotencyKey)
  const groups = useCategoryGroups()
  const ids = {
    area: useId(),
    title: useId(),
    documentNo: useId(),
    issuedBy: useId(),
    issuedOn: useId(),
    effectiveOn: useId(),
    explainer: useId(),
    text: useId(),
    notice: useId(),
    category: useId(),
  }
  const foundNotices = useQuery({
    queryKey: ['training', 'policies', 'notice-pick', noticeQuery.trim()],
    queryFn: ({ signal }) => policiesApi.notices(noticeQuery.trim(), signal),
  })
  const save = useMutation({
    mutationFn: async () => {
      const fields = {
        title: title.trim(),
        text,
        explainer,
        qa: qa.map((x) => ({ question: x.question.trim(), answer: x.answer.trim() })),
      }
      const links = { noticeIds: notices.map((n) => n.id), categoryIds: categories.map((c) => c.id) }
      if (policy)
        return policiesApi.update(policy.id, {
          version: policy.version,
          ...fields,
          // A list sent replaces the links: send only what was changed here, so a link to a notice
          // this keeper does not see (and so was not shown) is not dropped by an unrelated edit.
          ...(relinked.notices ? { noticeIds: links.noticeIds } : {}),
          ...(relinked.categories ? { categoryIds: links.categoryIds } : {}),
          documentNo: documentNo.trim() || null,
          issuedBy: issuedBy.trim() || null,
          issuedOn: issuedOn || null,
          effectiveOn: effectiveOn || null,
        })
      return policiesApi.create(
        {
          areaId: Number(areaId),
          ...fields,
          ...links,
          ...(documentNo.trim() ? { documentNo: documentNo.trim() } : {}),
          ...(issuedBy.trim() ? { issuedBy: issuedBy.trim() } : {}),
          ...(issuedOn ? { issuedOn } : {}),
          ...(effectiveOn ? { effectiveOn } : {}),
        },
        key,
      )
    },
    onSuccess: async (saved) => {
      await policiesChanged()
      navigate('training', 'policies', saved.id)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (save.isPending) return
    if (!areaId) return setProblem(t('training.policies.form.needArea'))
    if (title.trim().length < 2) return setProblem(t('training.policies.form.needTitle'))
    if (!text.trim()) return setProblem(t('training.policies.form.needText'))
    if (qa.some((x) => !x.question.trim() || !x.answer.trim())) return setProblem(t('training.policies.form.needQa'))
    setProblem(null)
    save.mutate()
  }
  const setQaField = (i: number, field: keyof QA, value: string) =>
    setQa((rows) => rows.map((r, j) => (j === i ? { ...r, [field]: value } : r)))
  const category = (id: number) =>
    groups.flatMap(({ group, leaves }) => [group, ...leaves]).find((c) => c.id === id) ?? null
  return (
    <form className="card tp-form" onSubmit={submit} noValidate data-testid="tp-editor">
      <h2>{policy ? t('training.policies.editTitle') : t('training.policies.new')}</h2>
      {!policy && (
        <>
          <label htmlFor={ids.area}>{t('training.policies.form.area')}</label>
          <AreaSelect
            id={ids.area}
            value={areaId}
            onChange={setAreaId}
            maxLevel="community"
            emptyLabel={t('training.policies.form.choose')}
            testId="tp-form-area"
          />
        </>
      )}
      <label htmlFor={ids.title}>{t('training.policies.form.title')}</label>
      <input
        id={ids.title}
        value={title}
        maxLength={200}
        onChange={(e) => setTitle(e.target.value)}
        data-testid="tp-form-title"
      />
      <div className="tp-form-grid">
        <span>
          <label htmlFor={ids.documentNo}>{t('training.policies.documentNo')}</label>
          <input
            id={ids.documentNo}
            value={documentNo}
            maxLength={100}
            onChange={(e) => setDocumentNo(e.target.value)}
            data-testid="tp-form-document"
          />
        </span>
        <span>
          <label htmlFor={ids.issuedBy}>{t('training.policies.issuedBy')}</label>
          <input
            id={ids.issuedBy}
            value={issuedBy}
            maxLength={200}
            onChange={(e) => setIssuedBy(e.target.value)}
            data-testid="tp-form-issuer"
          />
        </span>
        <span>
          <label htmlFor={ids.issuedOn}>{t('training.policies.issuedOn')}</label>
          <input
            id={ids.issuedOn}
            type="date"
            value={issuedOn}
            onChange={(e) => setIssuedOn(e.target.value)}
            data-testid="tp-form-issued"
          />
        </span>
        <span>
          <label htmlFor={ids.effectiveOn}>{t('training.policies.effectiveOn')}</label>
          <input
            id={ids.effectiveOn}
            type="date"
            value={effectiveOn}
            onChange={(e) => setEffectiveOn(e.target.value)}
            data-testid="tp-form-effective"
          />
        </span>
      </div>
      <label htmlFor={ids.explainer}>{t('training.policies.explainer')}</label>
      <p className="muted tp-hint">{t('training.policies.form.explainerHint')}</p>
      <textarea
        id={ids.explainer}
        rows={5}
        value={explainer}
        maxLength={20000}
        onChange={(e) => setExplainer(e.target.value)}
        data-testid="tp-form-explainer"
      />
      <fieldset className="tp-qa-rows" data-testid="tp-form-qa">
        <legend>{t('training.policies.qa')}</legend>
        {qa.map((x, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no ids until saved; their order is their identity
          <div key={i} className="tp-qa-row">
            <label>
              {t('training.policies.form.question', { n: i + 1 })}
              <input
                value={x.question}
                maxLength={500}
                onChange={(e) => setQaField(i, 'question', e.target.value)}
                data-testid={`tp-qa-question-${i}`}
              />
            </label>
            <label>
              {t('training.policies.form.answer', { n: i + 1 })}
              <textarea
                rows={2}
                value={x.answer}
                maxLength={2000}
                onChange={(e) => setQaField(i, 'answer', e.target.value)}
                data-testid={`tp-qa-answer-${i}`}
              />
            </label>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => setQa((rows) => rows.filter((_, j) => j !== i))}
              data-testid={`tp-qa-remove-${i}`}
            >
              {t('training.policies.form.removeQa', { n: i + 1 })}
            </button>
          </div>
        ))}
        {qa.length < 50 && (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setQa((rows) => [...rows, { question: '', answer: '' }])}
            data-testid="tp-qa-add"
          >
            {t('training.policies.form.addQa')}
          </button>
        )}
      </fieldset>
      <label htmlFor={ids.text}>{t('training.policies.text')}</label>
      <textarea
        id={ids.text}
        rows={10}
        value={text}
        maxLength={100000}
        onChange={(e) => setText(e.target.value)}
        data-testid="tp-form-text"
      />
      <fieldset className="tp-links-pick">
        <legend>{t('training.policies.categories')}</legend>
        <ul className="tp-picked" data-testid="tp-form-categories">
          {categories.map((c) => (
            <li key={c.id}>
              {localName(c, lng)}{' '}
              <button
                type="button"
                className="btn btn-small"
                onClick={() => {
                  setRelinked((r) => ({ ...r, categories: true }))
                  setCategories((cs) => cs.filter((x) => x.id !== c.id))
                }}
              >
                {t('training.policies.form.remove', { name: localName(c, lng) })}
              </button>
            </li>
          ))}
        </ul>
        <label htmlFor={ids.category}>{t('training.policies.form.addCategory')}</label>
        <span className="tp-inline">
          <select
            id={ids.category}
            value={pickCategory}
            onChange={(e) => setPickCategory(e.target.value)}
            data-testid="tp-form-category"
          >
            <option value="">{t('training.policies.form.choose')}</option>
            {groups.map(({ group, leaves }) => (
              <optgroup key={group.id} label={localName(group, lng)}>
                <option value={group.id}>{t('training.policies.wholeGroup', { name: localName(group, lng) })}</option>
                {leaves.map((c) => (
                  <option key={c.id} value={c.id}>
                    {localName(c, lng)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-small"
            disabled={!pickCategory || categories.length >= 20}
            onClick={() => {
              const c = category(Number(pickCategory))
              if (c && !categories.some((x) => x.id === c.id)) {
                setRelinked((r) => ({ ...r, categories: true }))
                setCategories((cs) => [...cs, { id: c.id, nameZh: c.nameZh, nameEn: c.nameEn }])
              }
              setPickCategory('')
            }}
            data-testid="tp-form-category-add"
          >
            {t('training.policies.form.add')}
          </button>
        </span>
      </fieldset>
      <fieldset className="tp-links-pick">
        <legend>{t('training.policies.notices')}</legend>
        <ul className="tp-picked" data-testid="tp-form-notices">
          {notices.map((n) => (
            <li key={n.id}>
              {n.title}{' '}
              <button
                type="button"
                className="btn btn-small"
                onClick={() => {
                  setRelinked((r) => ({ ...r, notices: true }))
                  setNotices((ns) => ns.filter((x) => x.id !== n.id))
                }}
              >
                {t('training.policies.form.remove', { name: n.title })}
              </button>
            </li>
          ))}
        </ul>
        <label htmlFor={ids.notice}>{t('training.policies.form.findNotice')}</label>
        <input
          id={ids.notice}
          type="search"
          value={noticeQuery}
          maxLength={100}
          onChange={(e) => setNoticeQuery(e.target.value)}
          data-testid="tp-form-notice-search"
        />
        <ul className="tp-notice-hits">
          {foundNotices.data?.items
            .filter((n) => n.status !== 'withdrawn' && !notices.some((x) => x.id === n.id))
            .slice(0, 8)
            .map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={notices.length >= 20}
                  onClick={() => {
                    setRelinked((r) => ({ ...r, notices: true }))
                    setNotices((ns) => [...ns, { id: n.id, title: n.title }])
                  }}
                  data-testid={`tp-notice-add-${n.id}`}
                >
                  {t('training.policies.form.link')}
                </button>{' '}
                {n.title} <span className="muted">{formatDateTime(n.publishAt)}</span>
              </li>
            ))}
        </ul>
      </fieldset>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {save.isError && <ErrorBanner error={save.error} />}
      <div className="tp-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="tp-save">
          {policy ? t('training.policies.form.save') : t('training.policies.form.saveDraft')}
        </button>
        <a className="btn" href={policy ? routes.training('policies', policy.id) : routes.training('policies')}>
          {t('training.policies.form.cancel')}
        </a>
      </div>
    </form>
  )
}
