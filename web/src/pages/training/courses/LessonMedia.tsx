import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import './courses.css'

/** The URL of a lesson's file; the browser sends the session cookie with it (same origin). */
export const mediaUrl = (mediaId: number) => `/api/v1/training/media/${mediaId}`

/** Wide enough to read a PDF embedded in the page; on a phone the link opens the browser's viewer. */
const WIDE = '(min-width: 720px)'

function useWide(): boolean {
  const [wide, setWide] = useState(() => typeof window !== 'undefined' && window.matchMedia?.(WIDE).matches === true)
  useEffect(() => {
    const q = window.matchMedia?.(WIDE)
    if (!q) return
    const change = () => setWide(q.matches)
    q.addEventListener('change', change)
    return () => q.removeEventListener('change', change)
  }, [])
  return wide
}

/**
 * A lesson's file from GET /api/v1/training/media/:id: a picture with its title as the text
 * alternative, a video the learner starts (only its header is fetched until then; the server
 * answers the player's range requests), or a PDF to open — embedded too where the screen is wide.
 */
export function LessonMedia({
  mediaId,
  kind,
  title,
}: {
  mediaId: number
  kind: 'image' | 'pdf' | 'video'
  title: string
}) {
  const { t } = useTranslation()
  const wide = useWide()
  const url = mediaUrl(mediaId)
  if (kind === 'image')
    return (
      <figure className="lesson-media lesson-media-image" data-testid="lesson-media" data-kind="image">
        <img src={url} alt={title} loading="lazy" />
      </figure>
    )
  if (kind === 'video')
    return (
      <div className="lesson-media lesson-media-video" data-testid="lesson-media" data-kind="video">
        {/* biome-ignore lint/a11y/useMediaCaption: training videos are uploaded without caption tracks */}
        <video src={url} controls preload="metadata" playsInline aria-label={title} />
      </div>
    )
  return (
    <div className="lesson-media lesson-media-pdf" data-testid="lesson-media" data-kind="pdf">
      <a className="btn" href={url} target="_blank" rel="noopener" data-testid="lesson-media-open">
        {t('training.courses.media.openPdf', { title })}
      </a>
      {wide && <iframe className="lesson-media-frame" src={url} title={title} />}
    </div>
  )
}
