import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { DateTime } from 'luxon'
import PDFDocument from 'pdfkit'

// Printable Chinese documents (mediation agreements, volunteer certificates, demo attachments):
// one embedded CJK font, so the text is real text and the PDF is the same on every machine.

const requireFrom = createRequire(import.meta.url)
let fontBytes: Buffer | null = null
/** Noto Sans SC (SIL OFL) from npm, fonts installed or not. */
function cjkFont(): Buffer {
  fontBytes ??= readFileSync(
    requireFrom.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  )
  return fontBytes
}

/** An A4 document with the CJK font selected; `done` resolves to its bytes after `doc.end()`. */
export function cjkPdf(info: { Title: string; Author?: string }): { doc: PDFKit.PDFDocument; done: Promise<Buffer> } {
  const doc = new PDFDocument({ size: 'A4', margin: 64, info })
  doc.registerFont('cjk', cjkFont())
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))))
  doc.font('cjk')
  return { doc, done }
}

/** A date as written on Chinese documents (Beijing time): 2026年12月6日; blanks when unknown. */
export const zhDate = (iso: string | Date | null) => {
  if (!iso) return '    年  月  日'
  const t = DateTime.fromJSDate(typeof iso === 'string' ? new Date(iso) : iso).setZone('Asia/Shanghai')
  return `${t.year}年${t.month}月${t.day}日`
}
