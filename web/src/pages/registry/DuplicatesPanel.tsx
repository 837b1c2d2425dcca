import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../../api'
import { invalidate, keys, queries } from '../../api/queries'
import { AreaSelect } from '../../components/AreaSelect'
import { ErrorBanner } from '../../components/ErrorBanner'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { href } from '../../router'
import type { DuplicatePair, Person } from '../../types'
import { PAGE_SIZE, TagBadges } from './common'

/** Suspected duplicates to review: merge one into the other with a reason, or judge them two people. */
export function DuplicatesPanel() {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState('')
  const [page, setPage] = useState(1)
  const [notice, setNotice] = useState<string | null>(null)
  const list = useQuery({
    ...queries.duplicates({ areaId: areaId ? Number(areaId) : undefined, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data

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
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="duplicates-empty">
          {t('registry.duplicates.empty')}
        </p>
      )}
      <ul className="registry-cards">
        {data?.items.map((pair) => (
          <li key={`${pair.a.id}-${pair.b.id}`}>
            <PairCard pair={pair} onResolved={setNotice} />
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
  const [problem, setProblem] = useState(false)

  const merge = useMutation({
    mutationFn: ({ from, into }: { from: Person; into: Person }) => api.mergePerson(from.id, into.id, reason.trim()),
    onSuccess: (_, { from, into }) => {
      onResolved(t('registry.duplicates.merged', { from: from.name, fromId: from.id, intoId: into.id }))
      // The merged record's links, household places and care follow the one that stays.
      return invalidate(keys.registry, keys.care)
    },
  })
  const dismiss = useMutation({
    mutationFn: () => api.dismissDuplicate(pair.a.id, pair.b.id),
    onSuccess: () => {
      onResolved(t('registry.duplicates.dismissed', { a: pair.a.id, b: pair.b.id }))
      return invalidate(keys.duplicates)
    },
  })
  // The card stays busy from sending until the refreshed list takes it away.
  const busy = merge.isPending || merge.isSuccess || dismiss.isPending || dismiss.isSuccess
  const error = merge.error ?? dismiss.error

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    if (!reason.trim()) {
      setProblem(true)
      return
    }
    setProblem(false)
    merge.mutate(keep === 'a' ? { from: pair.b, into: pair.a } : { from: pair.a, into: pair.b })
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
            onClick={() => dismiss.mutate()}
          >
            {t('registry.duplicates.notSame')}
          </button>
        </div>
      ) : (
        <form onSubmit={submit} className="dup-merge-form" noValidate>
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
