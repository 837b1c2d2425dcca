import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../api'
import { errorText } from '../i18n'

const MAX_PHOTOS = 9
const MAX_BYTES = 5 * 1024 * 1024
// The server decides the type by the bytes; these are the types it takes as a body.
const SENDABLE = new Set(['image/jpeg', 'image/png', 'image/webp'])

interface Item {
  key: number
  name: string
  url: string
  state: 'uploading' | 'done' | 'error'
  token?: string
  error?: unknown
}

export interface PhotoState {
  tokens: string[]
  uploading: boolean
}

/**
 * Pick photos (camera or gallery on phones); each is uploaded at once to /photos with its content
 * type and shown as a thumbnail. The parent gets the tokens to attach to the report or action.
 */
export function PhotoUploader({
  onChange,
  testId = 'photo',
  required = false,
}: {
  onChange: (s: PhotoState) => void
  testId?: string
  required?: boolean
}) {
  const { t } = useTranslation()
  const [items, setItems] = useState<Item[]>([])
  const nextKey = useRef(1)
  const urls = useRef<string[]>([])
  const onChangeRef = useRef(onChange)
  onChangeRef.current = onChange

  useEffect(() => {
    onChangeRef.current({
      tokens: items.filter((i) => i.state === 'done' && i.token).map((i) => i.token!),
      uploading: items.some((i) => i.state === 'uploading'),
    })
  }, [items])

  // Thumbnails are object URLs; free them with the form.
  useEffect(() => {
    const created = urls.current
    return () => {
      for (const u of created) URL.revokeObjectURL(u)
    }
  }, [])

  const update = (key: number, patch: Partial<Item>) =>
    setItems((prev) => prev.map((i) => (i.key === key ? { ...i, ...patch } : i)))

  const add = (files: FileList | null) => {
    if (!files) return
    const room = MAX_PHOTOS - items.length
    for (const file of Array.from(files).slice(0, Math.max(0, room))) {
      const key = nextKey.current++
      const url = URL.createObjectURL(file)
      urls.current.push(url)
      if (file.size > MAX_BYTES) {
        setItems((prev) => [
          ...prev,
          { key, name: file.name, url, state: 'error', error: new ApiError(413, 'PAYLOAD_TOO_LARGE', '') },
        ])
        continue
      }
      setItems((prev) => [...prev, { key, name: file.name, url, state: 'uploading' }])
      const type = SENDABLE.has(file.type) ? file.type : 'application/octet-stream'
      api
        .uploadPhoto(file, type)
        .then((r) => update(key, { state: 'done', token: r.token }))
        .catch((error) => update(key, { state: 'error', error }))
    }
  }

  const remove = (key: number) => setItems((prev) => prev.filter((i) => i.key !== key))

  return (
    <div className="photo-uploader">
      <div className="photo-grid">
        {items.map((i) => (
          <figure key={i.key} className={`photo-thumb ${i.state}`} data-testid={`${testId}-thumb`} data-state={i.state}>
            <img src={i.url} alt={i.name} />
            {i.state === 'uploading' && (
              <span className="spinner photo-spinner" role="img" aria-label={t('photos.uploading')} />
            )}
            {i.state === 'error' && <figcaption className="photo-error">{errorText(i.error)}</figcaption>}
            <button
              type="button"
              className="photo-remove"
              aria-label={t('photos.remove')}
              onClick={() => remove(i.key)}
            >
              ×
            </button>
          </figure>
        ))}
        {items.length < MAX_PHOTOS && (
          <label className="photo-add">
            <input
              type="file"
              accept="image/*"
              multiple
              data-testid={`${testId}-input`}
              className="visually-hidden"
              onChange={(e) => {
                add(e.target.files)
                e.target.value = '' // picking the same file again still fires
              }}
            />
            <span aria-hidden="true">＋</span>
            <span>{t('photos.add')}</span>
          </label>
        )}
      </div>
      <p className="muted hint">
        {required ? t('photos.requiredHint', { max: MAX_PHOTOS }) : t('photos.hint', { max: MAX_PHOTOS })}
      </p>
    </div>
  )
}
