import { useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { queries, queryClient } from '../../../api/queries'
import { pathTo } from '../../../areaUtils'
import { newIdempotencyKey } from '../../../caseUtils'
import { LocationPicker } from '../../../components/LocationPicker'
import { PhotoUploader, type PhotoState } from '../../../components/PhotoUploader'
import { localName } from '../../../i18n'
import { navigate, routes } from '../../../router'
import type { AppConfig, AreaNode, LngLat, User } from '../../../types'
import { proposalApi, proposalKeys, proposalQueries, type NewProposal as NewProposalBody } from './api'
import { PROPOSAL_CATEGORIES, Problem, Required, StateBadge, pick, useFieldLabel } from './common'

const TITLE = { min: 4, max: 150 }
const BODY = { min: 10, max: 6000 }
const MAX_PHOTOS = 6
const LEVELS: readonly AreaNode['level'][] = ['district', 'street', 'community']

/** Areas at district, street or community level under any of the user's grants, in tree order, indented. */
function placesOf(tree: AreaNode[], user: User): { node: AreaNode; depth: number }[] {
  const grants = new Set(user.roles.map((r) => r.areaId))
  const out: { node: AreaNode; depth: number }[] = []
  const walk = (n: AreaNode, inside: boolean, depth: number) => {
    if (n.retired) return
    const mine = inside || grants.has(n.id)
    const shown = mine && LEVELS.includes(n.level)
    if (shown) out.push({ node: n, depth })
    for (const c of n.children) walk(c, mine, shown ? depth + 1 : depth)
  }
  for (const r of tree) walk(r, false, 0)
  return out
}

/** The community (or the nearest listed area) the user lives in: the verified registry area, else the deepest grant. */
function homeOf(tree: AreaNode[], user: User, verifiedAreaId: number | null, listed: Set<number>): number | null {
  const deepest = [...user.roles].sort((a, b) => b.areaCode.length - a.areaCode.length)[0]
  for (const start of [verifiedAreaId, deepest?.areaId ?? null]) {
    if (start === null) continue
    const path = pathTo(tree, start)
    for (let i = path.length - 1; i >= 0; i--) if (listed.has(path[i]!.id)) return path[i]!.id
  }
  return null
}

/** The text the similar proposals are looked up by: the title and the start of the text, once settled. */
function useSettled(value: string, ms: number): string {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/**
 * Writing a proposal: area (the resident's community first), category, title, text, photos and an
 * optional place; while typing, similar proposals of the district show, so a resident can support
 * one of them instead of writing it again. Lands on the new proposal.
 */
export function NewProposal({ user, config }: { user: User; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const fieldLabel = useFieldLabel()
  const tree = useQuery(queries.areaTree())
  const verification = useQuery(proposalQueries.verification())
  const places = useMemo(() => (tree.data ? placesOf(tree.data, user) : []), [tree.data, user])
  const home = useMemo(
    () =>
      tree.data
        ? homeOf(tree.data, user, verification.data?.areaId ?? null, new Set(places.map((p) => p.node.id)))
        : null,
    [tree.data, user, verification.data, places],
  )
  const [key, setKey] = useState(newIdempotencyKey)
  const [chosenArea, setArea] = useState('')
  const [category, setCategory] = useState('')
  const [title, setTitle] = useState('')
  const [text, setText] = useState('')
  const [photos, setPhotos] = useState<PhotoState>({ tokens: [], uploading: false })
  const [pinning, setPinning] = useState(false)
  const [location, setLocation] = useState<LngLat | null>(null)
  const [problem, setProblem] = useState<ApiError | null>(null)
  const areaId = chosenArea || (home ? String(home) : String(places[0]?.node.id ?? ''))

  const lookup = useSettled(`${title.trim()} ${text.trim()}`.trim().slice(0, 300), 500)
  const similar = useQuery({
    ...proposalQueries.similar(lookup, areaId ? Number(areaId) : undefined),
    enabled: lookup.length >= 2 && title.trim().length >= 2,
  })
  const suggestions = lookup.length >= 2 ? (similar.data?.items ?? []) : []

  const send = useMutation({
    mutationFn: (body: NewProposalBody) => proposalApi.create(body, key),
    onSuccess: async (result) => {
      setKey(newIdempotencyKey())
      await queryClient.invalidateQueries({ queryKey: proposalKeys.lists })
      navigate('participation', 'proposals', result.id)
    },
  })
  const busy = send.isPending

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    const bad = (field: string, code: 'VALIDATION_FAILED' | 'PHOTO_INVALID' = 'VALIDATION_FAILED') => {
      setProblem(new ApiError(0, code, '', field))
    }
    const cat = pick(PROPOSAL_CATEGORIES, category)
    if (!areaId) return bad('areaId')
    if (!cat) return bad('category')
    const tt = title.trim()
    if (tt.length < TITLE.min || tt.length > TITLE.max) return bad('title')
    const bt = text.trim()
    if (bt.length < BODY.min || bt.length > BODY.max) return bad('body')
    if (photos.uploading) return bad('photos')
    if (photos.tokens.length > MAX_PHOTOS) return bad('photos')
    if (pinning && !location) return bad('location')
    setProblem(null)
    send.mutate({
      areaId: Number(areaId),
      category: cat,
      title: tt,
      body: bt,
      ...(pinning && location ? { location } : {}),
      ...(photos.tokens.length ? { photos: photos.tokens } : {}),
    })
  }

  const error = problem ?? send.error
  const invalid = (field: string) => (error instanceof ApiError && error.field === field) || undefined
  // The form's own complaints say what is wrong in words, not only which field.
  const hint = (field: string) => {
    if (!(problem && problem.field === field)) return null
    return (
      <span className="field-error" id={`proposal-${field}-error`} data-testid={`proposal-${field}-error`}>
        {t(`participation.proposals.new.invalid.${field}`, {
          min: field === 'title' ? TITLE.min : BODY.min,
          max: field === 'title' ? TITLE.max : field === 'photos' ? MAX_PHOTOS : BODY.max,
        })}
      </span>
    )
  }

  return (
    <div className="proposal-new" data-testid="proposal-new-page">
      <a className="back-link" href={routes.participation('proposals')}>
        ← {t('participation.proposals.back')}
      </a>
      <h2 className="page-title">{t('participation.proposals.new.title')}</h2>
      <p className="muted">{t('participation.proposals.new.intro')}</p>
      {verification.data && !verification.data.verified && (
        <p className="notice" data-testid="proposal-new-unverified">
          {t('participation.proposals.new.unverified')}{' '}
          <a href={routes.participation('verify')}>{t('participation.proposals.verifyNeeded.link')}</a>
        </p>
      )}
      <form
        className="card proposal-form"
        onSubmit={submit}
        onChange={() => setProblem(null)}
        noValidate
        data-testid="proposal-form"
      >
        <label className="field">
          <span>
            {t('participation.proposals.fields.areaId')}
            <Required />
          </span>
          <select
            data-testid="proposal-area"
            value={areaId}
            aria-invalid={invalid('areaId')}
            onChange={(e) => setArea(e.target.value)}
            disabled={!tree.data}
          >
            {places.length === 0 && <option value="">{t('participation.proposals.new.noArea')}</option>}
            {places.map(({ node, depth }) => (
              <option key={node.id} value={node.id} data-code={node.code}>
                {'\u3000'.repeat(depth)}
                {localName(node, lng)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>
            {t('participation.proposals.fields.category')}
            <Required />
          </span>
          <select
            data-testid="proposal-category"
            value={category}
            aria-invalid={invalid('category')}
            onChange={(e) => setCategory(e.target.value)}
          >
            <option value="">{t('participation.proposals.new.choose')}</option>
            {PROPOSAL_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`participation.proposals.categories.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>
            {t('participation.proposals.fields.title')}
            <Required />
          </span>
          <input
            data-testid="proposal-title"
            value={title}
            maxLength={TITLE.max}
            aria-invalid={invalid('title')}
            aria-describedby={problem?.field === 'title' ? 'proposal-title-error' : undefined}
            placeholder={t('participation.proposals.new.titlePlaceholder')}
            onChange={(e) => setTitle(e.target.value)}
          />
          {hint('title')}
        </label>
        <label className="field">
          <span>
            {t('participation.proposals.fields.body')}
            <Required />
          </span>
          <textarea
            data-testid="proposal-body"
            value={text}
            rows={7}
            maxLength={BODY.max}
            aria-invalid={invalid('body')}
            aria-describedby={`proposal-body-count${problem?.field === 'body' ? ' proposal-body-error' : ''}`}
            placeholder={t('participation.proposals.new.bodyPlaceholder')}
            onChange={(e) => setText(e.target.value)}
          />
          <span className="field-count muted" id="proposal-body-count">
            {t('participation.proposals.new.count', { n: text.trim().length, max: BODY.max })}
          </span>
          {hint('body')}
        </label>

        {suggestions.length > 0 && (
          <section
            className="card proposal-similar"
            aria-labelledby="proposal-similar-title"
            aria-live="polite"
            data-testid="proposal-similar"
          >
            <h3 id="proposal-similar-title">{t('participation.proposals.new.similarTitle')}</h3>
            <p className="muted proposal-similar-intro">{t('participation.proposals.new.similarIntro')}</p>
            <ul>
              {suggestions.map((s) => (
                <li key={s.id} data-testid="proposal-similar-item" data-id={s.id}>
                  <span>
                    <StateBadge state={s.status} testId="proposal-similar-state" />{' '}
                    <a href={routes.participation('proposals', s.id)}>{s.title}</a>{' '}
                    <span className="muted">
                      {t('participation.proposals.new.similarSupports', { n: s.supportCount })}
                    </span>
                  </span>
                  {(s.status === 'published' || s.status === 'threshold_reached') && (
                    <a
                      className="btn btn-small"
                      href={routes.participation('proposals', s.id)}
                      data-testid="proposal-similar-support"
                      aria-label={t('participation.proposals.new.similarSupportNamed', { title: s.title })}
                    >
                      {t('participation.proposals.new.similarSupport')}
                    </a>
                  )}
                </li>
              ))}
            </ul>
          </section>
        )}

        <div className="field">
          <span id="proposal-photos-label">{t('participation.proposals.fields.photos')}</span>
          <PhotoUploader onChange={setPhotos} testId="proposal-photo" />
          {hint('photos')}
        </div>
        <label className="check">
          <input
            type="checkbox"
            data-testid="proposal-pin"
            checked={pinning}
            onChange={(e) => setPinning(e.target.checked)}
          />
          {t('participation.proposals.new.pin')}
        </label>
        {pinning && (
          <div className="field proposal-location">
            <LocationPicker
              value={location}
              onChange={setLocation}
              config={config}
              focusAreaIds={areaId ? [Number(areaId)] : []}
            />
            {hint('location')}
          </div>
        )}
        <Problem error={error} testId="proposal-form-error" fieldLabel={fieldLabel} />
        <div className="form-buttons">
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="proposal-submit">
            {busy ? t('participation.proposals.new.sending') : t('participation.proposals.new.submit')}
          </button>
          <a className="btn" href={routes.participation('proposals')}>
            {t('participation.proposals.new.cancel')}
          </a>
        </div>
      </form>
    </div>
  )
}
