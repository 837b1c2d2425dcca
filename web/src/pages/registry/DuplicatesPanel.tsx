import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { api, isAbort } from '../../api'
import { AreaSelect } from '../../components/AreaSelect'
import { ErrorBanner } from '../../components/ErrorBanner'
import { Pager } from '../../components/Pager'
import { href } from '../../router'
import type { DuplicatePair, Paged, Person } from '../../types'
import { PAGE_SIZE, TagBadges } from './common'

/** Suspected duplicates to review: merge one into the other with a reason, or judge them two people. */
export function DuplicatesPanel() {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState('')
  const [page, setPage] = useState(1)
  const [data, setData] = useState<Paged<DuplicatePair> | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  const [notice, setNotice] = useState<string | null>(null)

  useEffect(() => {
    const ctrl = new AbortController()
    setError(null)
    api
      .duplicates({ areaId: areaId ? Number(areaId) : undefined, page, pageSize: PAGE_SIZE }, ctrl.signal)
      .then(setData)
      .catch((err) => !isAbort(err) && setError(err))
    return () => ctrl.abort()
  }, [areaId, page, attempt])

  const resolved = (text: string) => {
    setNotice(text)
    setAttempt((n) => n + 1)
  }

  return (
    <div className="registry-section" data-testid="duplicates">
      <p className="muted">{t('registry.duplicates.intro')}</p>
      <div className="filters card">
        <AreaSelect
          value={areaId}
          onChange={(v) => {
            setAreaId(v)
            setPage(1)
          }}
        />
      </div>
      {notice && (
        <p className="notice" role="status" data-testid="duplicates-notice">
          {notice}
        </p>
      )}
      <ErrorBanner error={error} onRetry={() => setAttempt((n) => n + 1)} />
      {!data && !error && <p className="muted">{t('common.loading')}</p>}
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="duplicates-empty">
          {t('registry.duplicates.empty')}
        </p>
      )}
      <ul className="registry-cards">
        {data?.items.map((pair) => (
          <li key={`${pair.a.id}-${pair.b.id}`}>
            <PairCard pair={pair} onResolved={resolved} />
          </li>
        ))}
      </ul>
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function PersonBrief({ p }: { p: Person }) {
  const { t } = useTranslation()
  return (
    <div className="dup-person">
      <a href={href('registry', 'people', p.id)}>
        <strong>{p.name}</strong>
      </a>{' '}
      <span className="muted">#{p.id}</span>
      <div className="mono muted">{p.idNumber}</div>
      <div className="muted">
        {t(`registry.sexes.${p.sex}`, { defaultValue: p.sex })} · {p.birthDate ?? '—'} ·{' '}
        <span className="mono">{p.phone ?? '—'}</span>
      </div>
      <div className="muted">{p.address ?? '—'}</div>
      <TagBadges tags={p.tags} />
    </div>
  )
}

function PairCard({ pair, onResolved }: { pair: DuplicatePair; onResolved: (notice: string) => void }) {
  const { t } = useTranslation()
  const [merging, setMerging] = useState(false)
  // The record that stays; the other is merged into it.
  const [keep, setKeep] = useState<'a' | 'b'>('b')
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [problem, setProblem] = useState(false)

  const merge = async (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    if (!reason.trim()) {
      setProblem(true)
      return
    }
    const [from, into] = keep === 'a' ? [pair.b, pair.a] : [pair.a, pair.b]
    setBusy(true)
    setError(null)
    try {
      await api.mergePerson(from.id, into.id, reason.trim())
      onResolved(t('registry.duplicates.merged', { from: from.name, fromId: from.id, intoId: into.id }))
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  const dismiss = async () => {
    setBusy(true)
    setError(null)
    try {
      await api.dismissDuplicate(pair.a.id, pair.b.id)
      onResolved(t('registry.duplicates.dismissed', { a: pair.a.id, b: pair.b.id }))
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  return (
    <article className="card dup-card" data-testid="duplicate-pair" data-a={pair.a.id} data-b={pair.b.id}>
      <div className="case-card-head">
        <span className="badge badge-warn">
          {t(`registry.duplicates.reasons.${pair.reason}`, { defaultValue: pair.reason })}
        </span>
      </div>
      <div className="dup-people">
        <PersonBrief p={pair.a} />
        <PersonBrief p={pair.b} />
      </div>
      {!merging ? (
        <div className="form-buttons">
          <button
            type="button"
            className="btn btn-primary btn-small"
            data-testid="duplicate-merge-open"
            disabled={busy}
            onClick={() => setMerging(true)}
          >
            {t('registry.duplicates.merge')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            data-testid="duplicate-dismiss"
            disabled={busy}
            onClick={() => void dismiss()}
          >
            {t('registry.duplicates.notSame')}
          </button>
        </div>
      ) : (
        <form onSubmit={merge} className="dup-merge-form" noValidate>
          <fieldset className="checks">
            <legend>{t('registry.duplicates.keep')}</legend>
            {(['a', 'b'] as const).map((k) => (
              <label key={k} className="check">
                <input
                  type="radio"
                  name={`keep-${pair.a.id}-${pair.b.id}`}
                  checked={keep === k}
                  onChange={() => setKeep(k)}
                />
                {pair[k].name} #{pair[k].id}
              </label>
            ))}
          </fieldset>
          <label className="field">
            <span>
              {t('registry.duplicates.reason')}
              <abbr className="required" title={t('report.required')}>
                *
              </abbr>
            </span>
            <input
              data-testid="duplicate-reason"
              value={reason}
              maxLength={500}
              aria-invalid={problem || undefined}
              onChange={(e) => setReason(e.target.value)}
            />
          </label>
          {problem && <p className="field-error">{t('registry.duplicates.reasonRequired')}</p>}
          <div className="form-buttons">
            <button
              type="submit"
              className="btn btn-primary btn-small"
              data-testid="duplicate-merge-submit"
              disabled={busy}
            >
              {busy ? t('common.sending') : t('registry.duplicates.confirmMerge')}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setMerging(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      <ErrorBanner error={error} />
    </article>
  )
}
