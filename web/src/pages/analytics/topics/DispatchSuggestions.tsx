import { useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { localName } from '../../../i18n'
import { type Suggestion, topicsApi } from './api'
import './topics.css'

/** The text as typed, settled for this long before it is sent (one request per pause, not per key). */
const DEBOUNCE_MS = 400

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value)
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms)
    return () => clearTimeout(id)
  }, [value, ms])
  return v
}

/**
 * Smart dispatch suggestions (智能派单) beside a report's description: as it is typed, the top three
 * categories (or departments, for triage's dispatch) with the model's confidence and an "accept"
 * button. Each answer is recorded by the server with its id, which the caller links to the case it
 * becomes (intake) or which the case's dispatch decides (triage).
 */
export function DispatchSuggestions({
  description,
  location,
  areaId,
  caseId,
  kind,
  chosenId,
  onAccept,
  onSuggestion,
}: {
  description: string
  location?: { lng: number; lat: number } | null
  areaId?: number
  caseId?: number
  kind: 'categories' | 'departments'
  chosenId?: number | null
  onAccept: (id: number) => void
  onSuggestion?: (s: Suggestion | null) => void
}) {
  const { t, i18n } = useTranslation()
  const text = useDebounced(description.trim(), DEBOUNCE_MS)
  const q = useQuery({
    queryKey: [
      'analytics',
      'topics',
      'suggest',
      text,
      location?.lng ?? null,
      location?.lat ?? null,
      areaId ?? null,
      caseId ?? null,
    ],
    queryFn: ({ signal }) =>
      topicsApi.suggest(
        {
          description: text,
          ...(location ? { location } : {}),
          ...(areaId !== undefined ? { areaId } : {}),
          ...(caseId !== undefined ? { caseId } : {}),
        },
        signal,
      ),
    enabled: text.length >= 2,
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  })
  useEffect(() => {
    onSuggestion?.(q.data ?? null)
  }, [q.data, onSuggestion])
  if (text.length < 2 || !q.data) return null
  const list = q.data[kind]
  if (q.data.modelVersion === null)
    return (
      <p className="muted dispatch-suggestions" data-testid="dispatch-no-model">
        {t('analytics.topics.suggest.noModel')}
      </p>
    )
  return (
    <section className="dispatch-suggestions" data-testid={`dispatch-suggestions-${kind}`} aria-live="polite">
      <h3 className="dispatch-title">
        {t(kind === 'categories' ? 'analytics.topics.suggest.categories' : 'analytics.topics.suggest.departments')}{' '}
        <span className="muted">{t('analytics.topics.suggest.model', { version: q.data.modelVersion })}</span>
      </h3>
      <ol className="dispatch-list">
        {list.map((s, i) => (
          <li key={s.id} className={chosenId === s.id ? 'chosen' : undefined}>
            <span className="dispatch-name">
              {i + 1}. {localName(s, i18n.language)} <span className="muted">{s.code}</span>
            </span>
            <span className="dispatch-bar" aria-hidden="true">
              <span style={{ width: `${Math.round(s.confidence * 100)}%` }} />
            </span>
            <span className="dispatch-confidence">{Math.round(s.confidence * 100)}%</span>
            <button
              type="button"
              className="button small"
              data-testid={`dispatch-accept-${i + 1}`}
              disabled={chosenId === s.id}
              onClick={() => onAccept(s.id)}
            >
              {chosenId === s.id ? t('analytics.topics.suggest.accepted') : t('analytics.topics.suggest.accept')}
            </button>
          </li>
        ))}
      </ol>
    </section>
  )
}

/** The leaf category with this id in the catalogue tree, or null. */
export function leafById<C extends { id: number; children: C[] }>(tree: C[], id: number): C | null {
  for (const c of tree) {
    if (c.id === id && c.children.length === 0) return c
    const found = leafById(c.children, id)
    if (found) return found
  }
  return null
}
