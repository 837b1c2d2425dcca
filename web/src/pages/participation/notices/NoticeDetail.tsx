import { useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { queryClient } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText, formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import { PoliciesForNotice } from '../../training/policies/PoliciesForNotice'
import {
  ATTACHMENT_ACCEPT,
  MAX_ATTACHMENT_BYTES,
  noticeApi,
  noticeChanged,
  noticeKeys,
  noticeQueries,
  type NoticeDetail,
} from './api'
import { formatSize, KindBadge, PinnedBadge, Required, StatusBadge } from './common'

/**
 * One notice: its text, the policy explainer in a block of its own, the attachments to open or
 * download. Opening a published notice marks it read (not for its own staff, whose looks would count
 * as readers). Its staff also edit, publish a draft, attach and remove files, withdraw it with a
 * reason, and see the read counts per area.
 */
export function NoticeDetailPage({ id }: { id: number }) {
  const { t } = useTranslation()
  const detail = useQuery(noticeQueries.detail(id))
  const n = detail.data
  const read = useMutation({
    mutationFn: () => noticeApi.markRead(id),
    onSuccess: (r) => {
      queryClient.setQueryData(noticeKeys.detail(id), (old: NoticeDetail | undefined) =>
        old ? { ...old, read: true, readAt: r.readAt } : old,
      )
      return queryClient.invalidateQueries({ queryKey: [...noticeKeys.all, 'list'] })
    },
  })
  const asked = useRef(false)
  const readable = !!n && !n.canManage && !n.read && (n.status === 'published' || n.status === 'expired')
  useEffect(() => {
    if (readable && !asked.current) {
      asked.current = true
      read.mutate()
    }
  }, [readable, read])

  return (
    <div className="notices notices-detail" data-testid="notice-detail-page">
      <a className="back-link" href={routes.participation('notices')} data-testid="notice-back">
        {t('participation.notices.back')}
      </a>
      <QueryStatus query={detail} />
      {n && <NoticeArticle notice={n} />}
      {n && <PoliciesForNotice noticeId={n.id} />}
      {n?.canManage && <StaffPanel notice={n} />}
    </div>
  )
}

function NoticeArticle({ notice: n }: { notice: NoticeDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const explainerId = useId()
  const filesId = useId()
  const remove = useMutation({
    mutationFn: (attachmentId: number) => noticeApi.detach(n.id, attachmentId),
    onSuccess: noticeChanged,
  })
  return (
    <article className="card notices-article" data-testid="notice-article" data-id={n.id} data-status={n.status}>
      <div className="notices-card-badges">
        <PinnedBadge pinned={n.pinned} />
        <KindBadge kind={n.kind} />
        {n.status !== 'published' && <StatusBadge status={n.status} />}
        {n.read && (
          <span className="badge badge-muted" data-testid="notice-read">
            {t('participation.notices.read')}
          </span>
        )}
      </div>
      <h2 className="notices-title" data-testid="notice-title">
        {n.title}
      </h2>
      <dl className="notices-facts">
        <div>
          <dt>{t('participation.notices.fields.area')}</dt>
          <dd>{localName(n.area, lng)}</dd>
        </div>
        <div>
          <dt>
            {n.status === 'scheduled'
              ? t('participation.notices.fields.scheduledFor')
              : t('participation.notices.fields.publishAt')}
          </dt>
          <dd>{formatDateTime(n.publishAt, lng)}</dd>
        </div>
        {n.expiresAt && (
          <div>
            <dt>
              {n.status === 'expired'
                ? t('participation.notices.fields.expiredAt')
                : t('participation.notices.fields.expiresAt')}
            </dt>
            <dd>{formatDateTime(n.expiresAt, lng)}</dd>
          </div>
        )}
      </dl>
      {n.status === 'withdrawn' && (
        <div className="notices-withdrawn" role="note" data-testid="notice-withdrawn">
          <strong>{t('participation.notices.withdrawn.title')}</strong>{' '}
          {t('participation.notices.withdrawn.line', {
            at: formatDateTime(n.withdrawnAt, lng),
            by: n.withdrawnBy ?? '—',
          })}
          {n.withdrawnReason && (
            <p className="notices-withdrawn-reason" data-testid="notice-withdrawn-reason">
              {t('participation.notices.withdrawn.reason', { reason: n.withdrawnReason })}
            </p>
          )}
        </div>
      )}
      <div className="notices-body" data-testid="notice-body">
        {n.body}
      </div>
      {n.explainer && (
        <section className="notices-explainer" aria-labelledby={explainerId} data-testid="notice-explainer">
          <h3 id={explainerId}>{t('participation.notices.explainer')}</h3>
          <div className="notices-body">{n.explainer}</div>
        </section>
      )}
      {n.attachments.length > 0 && (
        <section className="notices-files" aria-labelledby={filesId}>
          <h3 id={filesId}>{t('participation.notices.attachments.title')}</h3>
          <ul className="notices-file-list">
            {n.attachments.map((a) => (
              <li key={a.id} className="notices-file" data-testid="notice-attachment" data-id={a.id}>
                <span className="notices-file-name">
                  <span className="badge badge-muted">
                    {t(`participation.notices.attachments.types.${typeKey(a.contentType)}`)}
                  </span>{' '}
                  {a.fileName} <span className="muted small">({formatSize(a.size, lng)})</span>
                </span>
                <span className="notices-file-links">
                  <a
                    className="btn btn-small"
                    href={noticeApi.fileUrl(n.id, a.id)}
                    target="_blank"
                    rel="noopener"
                    data-testid="notice-attachment-open"
                    aria-label={t('participation.notices.attachments.openNamed', { name: a.fileName })}
                  >
                    {t('participation.notices.attachments.open')}
                  </a>
                  <a
                    className="btn btn-small"
                    href={noticeApi.fileUrl(n.id, a.id, true)}
                    download={a.fileName}
                    data-testid="notice-attachment-download"
                    aria-label={t('participation.notices.attachments.downloadNamed', { name: a.fileName })}
                  >
                    {t('participation.notices.attachments.download')}
                  </a>
                  {n.canManage && n.status !== 'withdrawn' && (
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      data-testid="notice-attachment-remove"
                      disabled={remove.isPending}
                      aria-label={t('participation.notices.attachments.removeNamed', { name: a.fileName })}
                      onClick={() => remove.mutate(a.id)}
                    >
                      {t('participation.notices.attachments.remove')}
                    </button>
                  )}
                </span>
              </li>
            ))}
          </ul>
          <ErrorBanner error={remove.error} />
        </section>
      )}
    </article>
  )
}

const typeKey = (contentType: string) => (contentType === 'application/pdf' ? 'pdf' : 'image')

// ── What the notice's staff do with it ─────────────────────────────────────────────────────────

function StaffPanel({ notice: n }: { notice: NoticeDetail }) {
  const { t } = useTranslation()
  const publish = useMutation({
    mutationFn: () => noticeApi.update(n.id, { status: 'published' }),
    onSuccess: noticeChanged,
  })
  const headingId = useId()
  return (
    <section className="card notices-staff" aria-labelledby={headingId} data-testid="notice-staff">
      <h2 className="section-title" id={headingId}>
        {t('participation.notices.manage.title')}
      </h2>
      {n.status !== 'withdrawn' && (
        <div className="form-buttons">
          <a className="btn btn-small" href={routes.participation('notices', n.id, 'edit')} data-testid="notice-edit">
            {t('participation.notices.manage.edit')}
          </a>
          {n.status === 'draft' && (
            <button
              type="button"
              className="btn btn-primary btn-small"
              data-testid="notice-publish-draft"
              disabled={publish.isPending}
              onClick={() => publish.mutate()}
            >
              {t('participation.notices.manage.publish')}
            </button>
          )}
        </div>
      )}
      <ErrorBanner error={publish.error} />
      <ReadsPanel notice={n} />
      {n.status !== 'withdrawn' && <AttachmentsPanel notice={n} />}
      {n.status !== 'withdrawn' && <WithdrawForm notice={n} />}
    </section>
  )
}

function ReadsPanel({ notice: n }: { notice: NoticeDetail }) {
  const { t, i18n } = useTranslation()
  const reads = useQuery(noticeQueries.reads(n.id))
  const data = reads.data
  return (
    <div className="notices-reads" data-testid="notice-reads">
      <h3>{t('participation.notices.reads.title')}</h3>
      <QueryStatus query={reads} />
      {data && (
        <>
          <p data-testid="notice-reads-total">{t('participation.notices.reads.total', { n: data.total })}</p>
          {data.byArea.length > 0 && (
            <div className="audit-table-wrap">
              <table className="audit-table notices-reads-table">
                <caption className="visually-hidden">{t('participation.notices.reads.caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('participation.notices.reads.area')}</th>
                    <th scope="col">{t('participation.notices.reads.count')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.byArea.map((b) => (
                    <tr key={b.area?.id ?? 'other'} data-testid="notice-reads-row" data-code={b.area?.code ?? ''}>
                      <th scope="row">
                        {b.area
                          ? `${localName(b.area, i18n.language)}${b.area.id === n.area.id ? ` ${t('participation.notices.reads.itself')}` : ''}`
                          : t('participation.notices.reads.elsewhere')}
                      </th>
                      <td>{b.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </div>
  )
}

function AttachmentsPanel({ notice: n }: { notice: NoticeDetail }) {
  const { t } = useTranslation()
  const inputId = useId()
  const hintId = useId()
  const [file, setFile] = useState<File | null>(null)
  const [key, setKey] = useState(newIdempotencyKey)
  const [problem, setProblem] = useState<ApiError | null>(null)
  const input = useRef<HTMLInputElement>(null)
  const upload = useMutation({
    mutationFn: (f: File) => noticeApi.attach(n.id, f, key),
    onSuccess: async () => {
      setKey(newIdempotencyKey())
      setFile(null)
      if (input.current) input.current.value = ''
      await queryClient.invalidateQueries({ queryKey: noticeKeys.all })
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!file) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'file'))
    if (file.size > MAX_ATTACHMENT_BYTES) return setProblem(new ApiError(413, 'PAYLOAD_TOO_LARGE', '', 'file'))
    setProblem(null)
    upload.mutate(file)
  }
  const error = problem ?? upload.error
  const label = (f: string) => (f === 'file' || f === 'body' ? t('participation.notices.attachments.file') : undefined)
  return (
    <div className="notices-attach" data-testid="notice-attach">
      <h3>{t('participation.notices.attachments.manage')}</h3>
      <form className="notices-attach-form" onSubmit={submit} noValidate>
        <label className="field" htmlFor={inputId}>
          <span>{t('participation.notices.attachments.file')}</span>
        </label>
        <input
          id={inputId}
          ref={input}
          type="file"
          accept={ATTACHMENT_ACCEPT}
          data-testid="notice-attachment-file"
          aria-describedby={hintId}
          aria-invalid={(error instanceof ApiError && (error.field === 'file' || error.field === 'body')) || undefined}
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null)
            setProblem(null)
            upload.reset()
          }}
        />
        <small className="muted hint" id={hintId}>
          {t('participation.notices.attachments.hint')}
        </small>
        {error ? (
          <div className="error-banner" role="alert" data-testid="notice-attachment-error">
            <span>{errorText(error, label)}</span>
          </div>
        ) : null}
        <div className="form-buttons">
          <button
            type="submit"
            className="btn btn-small btn-primary"
            data-testid="notice-attachment-upload"
            disabled={upload.isPending}
          >
            {upload.isPending ? t('participation.notices.sending') : t('participation.notices.attachments.upload')}
          </button>
        </div>
      </form>
    </div>
  )
}

function WithdrawForm({ notice: n }: { notice: NoticeDetail }) {
  const { t } = useTranslation()
  const reasonId = useId()
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const withdraw = useMutation({
    mutationFn: (why: string) => noticeApi.withdraw(n.id, why),
    onSuccess: async (detail) => {
      setOpen(false)
      setReason('')
      await noticeChanged(detail)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!reason.trim()) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'reason'))
    setProblem(null)
    withdraw.mutate(reason.trim())
  }
  const error = problem ?? withdraw.error
  const label = (f: string) => (f === 'reason' ? t('participation.notices.withdraw.reason') : undefined)
  return (
    <div className="notices-withdraw">
      <h3>{t('participation.notices.withdraw.title')}</h3>
      {!open ? (
        <button
          type="button"
          className="btn btn-small btn-danger"
          data-testid="notice-withdraw-open"
          aria-expanded={false}
          onClick={() => setOpen(true)}
        >
          {t('participation.notices.withdraw.open')}
        </button>
      ) : (
        <form onSubmit={submit} noValidate data-testid="notice-withdraw-form">
          <p className="muted small">{t('participation.notices.withdraw.explain')}</p>
          <label className="field" htmlFor={reasonId}>
            <span>
              {t('participation.notices.withdraw.reason')}
              <Required />
            </span>
          </label>
          <textarea
            id={reasonId}
            className="notices-textarea"
            rows={3}
            maxLength={500}
            required
            data-testid="notice-withdraw-reason"
            value={reason}
            aria-invalid={error instanceof ApiError && error.field === 'reason' ? true : undefined}
            onChange={(e) => setReason(e.target.value)}
          />
          {error ? (
            <div className="error-banner" role="alert" data-testid="notice-withdraw-error">
              <span>{errorText(error, label)}</span>
            </div>
          ) : null}
          <div className="form-buttons">
            <button
              type="submit"
              className="btn btn-small btn-danger"
              data-testid="notice-withdraw-submit"
              disabled={withdraw.isPending}
            >
              {t('participation.notices.withdraw.submit')}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setOpen(false)}>
              {t('participation.notices.cancel')}
            </button>
          </div>
        </form>
      )}
    </div>
  )
}
