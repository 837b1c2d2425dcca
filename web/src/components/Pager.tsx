import { useTranslation } from 'react-i18next'

/** Previous / next paging for a `{page, pageSize, total}` list. */
export function Pager({
  page,
  pageSize,
  total,
  onPage,
}: {
  page: number
  pageSize: number
  total: number
  onPage: (p: number) => void
}) {
  const { t } = useTranslation()
  const pages = Math.max(1, Math.ceil(total / pageSize))
  if (total <= pageSize && page === 1) return null
  return (
    <nav className="pager" aria-label={t('pager.label')}>
      <button
        type="button"
        className="btn btn-small"
        data-testid="pager-prev"
        disabled={page <= 1}
        onClick={() => onPage(page - 1)}
      >
        {t('pager.prev')}
      </button>
      <span className="pager-info" data-testid="pager-info">
        {t('pager.info', { page, pages, total })}
      </span>
      <button
        type="button"
        className="btn btn-small"
        data-testid="pager-next"
        disabled={page >= pages}
        onClick={() => onPage(page + 1)}
      >
        {t('pager.next')}
      </button>
    </nav>
  )
}
