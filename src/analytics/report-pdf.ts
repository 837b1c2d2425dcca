import { cjkPdf } from '../core/pdf.js'
import { cellText, type ReportFacts } from './report-facts.js'
import {
  channelNames,
  figureRows,
  formatChange,
  formatFigure,
  monthName,
  type ReportLocale,
  words,
} from './report-labels.js'

// The monthly report as a PDF: Chinese (or English) text as text in the embedded CJK font, and
// charts drawn as vector paths (a line, bars, a pie), so the file is small, sharp at any zoom and
// its text can be searched and extracted. A provisional report carries its mark at the top of
// every page (drawn as each page is added).

const INK = '#1f2937'
const MUTED = '#6b7280'
const RULE = '#d1d5db'
const ACCENT = '#2563eb'
const PALETTE = ['#2563eb', '#16a34a', '#ea580c', '#9333ea', '#0891b2', '#ca8a04', '#dc2626', '#4b5563']

type Doc = PDFKit.PDFDocument
type Cell = string | number | null

/** A number of grid steps that covers `max` with round ticks. */
function niceScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 1 }
  const raw = max / 4
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!
  const stepInt = Math.max(1, Math.ceil(step))
  return { top: stepInt * Math.ceil(max / stepInt), step: stepInt }
}

export async function reportPdf(f: ReportFacts, locale: ReportLocale): Promise<Buffer> {
  const w = words(locale)
  const zh = locale === 'zh-CN'
  const { doc, done } = cjkPdf({ Title: w.title(f), Author: w.areaName(f) })
  const left = doc.page.margins.left
  const width = doc.page.width - left - doc.page.margins.right
  const bottom = () => doc.page.height - doc.page.margins.bottom
  let pageNo = 1

  // The running head of every page: the mark of a provisional report, the area and month, the page.
  const head = () => {
    const { x, y } = doc
    // Writing in the bottom margin must not start a new page.
    const margin = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    doc.save()
    if (f.provisional)
      doc
        .fontSize(9)
        .fillColor('#b91c1c')
        .text(w.provisional(f.asOf, f.area.timezone), left, 24, { width, align: 'left', lineBreak: false })
    doc
      .fontSize(8)
      .fillColor(MUTED)
      .text(`${w.areaName(f)} · ${monthName(f.month, locale)} · ${w.page(pageNo)}`, left, doc.page.height - 36, {
        width,
        align: 'right',
        lineBreak: false,
      })
    doc.restore()
    doc.page.margins.bottom = margin
    doc.x = x
    doc.y = y
    doc.fillColor(INK)
  }
  doc.on('pageAdded', () => {
    pageNo++
    head()
  })
  head()
  const room = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage()
  }

  // Title block.
  doc.fillColor(INK).fontSize(18).text(w.title(f), left, doc.page.margins.top, { width, align: 'center' })
  doc.moveDown(0.4)
  doc.fontSize(10).fillColor(MUTED).text(w.period(f), { width, align: 'center' })
  doc.text(w.generated(f.asOf, f.area.timezone), { width, align: 'center' })
  if (f.provisional) doc.fillColor('#b91c1c').text(w.provisional(f.asOf, f.area.timezone), { width, align: 'center' })
  doc.fillColor(INK).moveDown(1)

  const heading = (text: string) => {
    room(60)
    doc.moveDown(0.5).fontSize(13).fillColor(INK).text(text, left, doc.y, { width })
    doc.moveDown(0.3)
  }
  const subheading = (text: string) => {
    room(40)
    doc.fontSize(11).fillColor(INK).text(text, left, doc.y, { width })
    doc.moveDown(0.2)
  }

  /** A table with a shaded header; rows continue on the next page with the header again. */
  const table = (headers: string[], rows: Cell[][], widths: number[], align: ('left' | 'right')[]) => {
    const total = widths.reduce((s, x) => s + x, 0)
    const cols = widths.map((x) => (x / total) * width)
    const rowH = 16
    const drawRow = (cells: Cell[], header: boolean) => {
      room(rowH + 2)
      const y = doc.y
      if (header) doc.save().rect(left, y, width, rowH).fill('#f3f4f6').restore()
      let x = left
      doc.fontSize(header ? 8.5 : 9).fillColor(header ? MUTED : INK)
      cells.forEach((c, i) => {
        doc.text(c === null ? '—' : String(c), x + 3, y + 4, {
          width: cols[i]! - 6,
          align: align[i] ?? 'left',
          lineBreak: false,
          ellipsis: true,
        })
        x += cols[i]!
      })
      doc
        .save()
        .moveTo(left, y + rowH)
        .lineTo(left + width, y + rowH)
        .lineWidth(0.5)
        .strokeColor(RULE)
        .stroke()
        .restore()
      doc.x = left
      doc.y = y + rowH
    }
    drawRow(headers, true)
    for (const r of rows) {
      if (doc.y + rowH + 2 > bottom()) {
        doc.addPage()
        drawRow(headers, true)
      }
      drawRow(r, false)
    }
    if (rows.length === 0) drawRow([w.none], false)
    doc.moveDown(0.6)
  }

  // 1. Key figures against the previous month and the same month last year.
  heading(w.figures)
  table(
    [w.figure, w.thisMonth, w.previousMonth, w.change, w.lastYear, w.yearChange],
    figureRows.map((r) => [
      zh ? r.zh : r.en,
      formatFigure(f.current[r.key], r.kind),
      formatFigure(f.previous[r.key], r.kind),
      formatChange(f.current[r.key], f.previous[r.key], r.kind, locale),
      formatFigure(f.lastYear[r.key], r.kind),
      formatChange(f.current[r.key], f.lastYear[r.key], r.kind, locale),
    ]),
    [3.2, 1.6, 1.6, 2.2, 1.6, 2.2],
    ['left', 'right', 'right', 'right', 'right', 'right'],
  )

  // 2. Charts.
  doc.addPage()
  heading(w.charts)
  subheading(w.dailyChart)
  lineChart(doc, f.daily, left, doc.y + 4, width, 150)
  doc.y += 180
  subheading(w.categoryChart)
  const top = f.categories.slice(0, 10)
  barChart(
    doc,
    top.map((c) => ({ label: zh ? c.nameZh : c.nameEn, value: c.total })),
    left,
    doc.y + 4,
    width,
  )
  doc.y += Math.max(1, top.length) * 18 + 16
  room(190)
  subheading(w.channelChart)
  pieChart(
    doc,
    f.channels.map((c) => ({
      label: (zh ? channelNames[c.channel]?.zh : channelNames[c.channel]?.en) ?? c.channel,
      value: c.total,
    })),
    left,
    doc.y + 4,
    width,
  )
  doc.y += 170
  doc.x = left

  // 3. Top problems: categories and grids.
  doc.addPage()
  heading(w.problems)
  const share = (n: number) => (f.current.total > 0 ? `${((n / f.current.total) * 100).toFixed(1)}%` : '—')
  subheading(w.topCategories)
  table(
    [w.category, w.cases, w.share, w.previousCases, w.change],
    f.categories
      .slice(0, 10)
      .map((c) => [
        zh ? c.nameZh : c.nameEn,
        c.total,
        share(c.total),
        c.previous,
        formatChange(c.total, c.previous, 'count', locale),
      ]),
    [4, 1.2, 1.2, 1.4, 2],
    ['left', 'right', 'right', 'right', 'right'],
  )
  subheading(w.topPlaces)
  table(
    [w.place, w.cases, w.share],
    f.places.map((p) => [`${zh ? p.nameZh : p.nameEn}（${p.code}）`, p.total, share(p.total)]),
    [5, 1.2, 1.2],
    ['left', 'right', 'right'],
  )

  // 4. Rankings by GB/T 30428's evaluation.
  heading(w.rankings)
  const rankRows = (rs: ReportFacts['departments']) =>
    rs.map((r) => [
      r.rank ?? '—',
      (zh ? r.nameZh : r.nameEn) ?? w.noName,
      r.dueCases,
      formatFigure(r.closureRate, 'rate'),
      formatFigure(r.onTimeClosureRate, 'rate'),
      formatFigure(r.satisfactionRate, 'rate'),
      r.score === null ? '—' : r.score.toFixed(2),
    ])
  const rankHead = [w.rank, w.unit, w.dueCases, w.closureRate, w.onTimeClosureRate, w.satisfactionRate, w.score]
  const rankWidths = [0.8, 3.6, 1, 1.2, 1.3, 1.2, 1.2]
  const rankAlign: ('left' | 'right')[] = ['right', 'left', 'right', 'right', 'right', 'right', 'right']
  subheading(w.byDepartment)
  table(rankHead, rankRows(f.departments), rankWidths, rankAlign)
  subheading(w.byCommunity)
  table(rankHead, rankRows(f.communities), rankWidths, rankAlign)

  // 5… Sections of the other parts (warnings, topic of the month), when present.
  f.extras.forEach((s, i) => {
    heading(`${zh ? (['五', '六', '七', '八'][i] ?? i + 5) : i + 5}${zh ? '、' : '. '}${zh ? s.titleZh : s.titleEn}`)
    table(
      s.headers.map((h) => (zh ? h.zh : h.en)),
      s.rows.map((r) => r.map((c) => cellText(c, zh))),
      s.headers.map((_, j) => (j === 0 ? 3 : 1.4)),
      s.headers.map((_, j) => (j === 0 ? 'left' : 'right')),
    )
    const note = zh ? s.noteZh : s.noteEn
    if (note) doc.fontSize(9).fillColor(MUTED).text(note, left, doc.y, { width }).fillColor(INK)
  })

  doc.end()
  return done
}

/** Daily volume as a line over a light grid, with the y axis in round steps. */
function lineChart(doc: Doc, days: { day: string; total: number }[], x: number, y: number, w: number, h: number) {
  const max = Math.max(0, ...days.map((d) => d.total))
  const { top, step } = niceScale(max)
  const plotX = x + 30
  const plotW = w - 40
  doc.save().lineWidth(0.5).strokeColor(RULE)
  for (let v = 0; v <= top; v += step) {
    const yy = y + h - (v / top) * h
    doc
      .moveTo(plotX, yy)
      .lineTo(plotX + plotW, yy)
      .stroke()
    doc
      .fontSize(7)
      .fillColor(MUTED)
      .text(String(v), x, yy - 4, { width: 26, align: 'right', lineBreak: false })
  }
  doc.restore()
  const px = (i: number) => plotX + (days.length <= 1 ? plotW / 2 : (i / (days.length - 1)) * plotW)
  const py = (v: number) => y + h - (v / top) * h
  if (days.length > 0) {
    doc.save().lineWidth(1.5).strokeColor(ACCENT)
    for (const [i, d] of days.entries()) {
      if (i === 0) doc.moveTo(px(i), py(d.total))
      else doc.lineTo(px(i), py(d.total))
    }
    doc.stroke()
    for (const [i, d] of days.entries()) doc.circle(px(i), py(d.total), 1.6).fill(ACCENT)
    doc.restore()
  }
  days.forEach((d, i) => {
    const dayOfMonth = Number(d.day.slice(8))
    if (dayOfMonth === 1 || dayOfMonth % 5 === 0)
      doc
        .fontSize(7)
        .fillColor(MUTED)
        .text(String(dayOfMonth), px(i) - 10, y + h + 4, { width: 20, align: 'center', lineBreak: false })
  })
  doc.fillColor(INK)
}

/** Horizontal bars, longest first, labelled with the name and the count. */
function barChart(doc: Doc, bars: { label: string; value: number }[], x: number, y: number, w: number) {
  const max = Math.max(1, ...bars.map((b) => b.value))
  const labelW = w * 0.32
  const barW = w - labelW - 50
  bars.forEach((b, i) => {
    const yy = y + i * 18
    doc
      .fontSize(8)
      .fillColor(INK)
      .text(b.label, x, yy + 3, { width: labelW - 6, align: 'right', lineBreak: false, ellipsis: true })
    doc
      .save()
      .rect(x + labelW, yy + 2, Math.max(1, (b.value / max) * barW), 12)
      .fill(PALETTE[i % PALETTE.length]!)
      .restore()
    doc
      .fontSize(8)
      .fillColor(INK)
      .text(String(b.value), x + labelW + (b.value / max) * barW + 4, yy + 3, { width: 44, lineBreak: false })
  })
  doc.fillColor(INK)
}

/** A pie of the channels (SVG arcs) with a legend of names, counts and shares. */
function pieChart(doc: Doc, slices: { label: string; value: number }[], x: number, y: number, w: number) {
  const total = slices.reduce((s, p) => s + p.value, 0)
  const r = 70
  const cx = x + r + 10
  const cy = y + r + 5
  if (total === 0) {
    doc.save().circle(cx, cy, r).lineWidth(0.5).strokeColor(RULE).stroke().restore()
  } else {
    let a0 = -Math.PI / 2
    slices.forEach((s, i) => {
      const color = PALETTE[i % PALETTE.length]!
      if (s.value === total) {
        doc.save().circle(cx, cy, r).fill(color).restore()
        return
      }
      const a1 = a0 + (s.value / total) * 2 * Math.PI
      const large = a1 - a0 > Math.PI ? 1 : 0
      const p0 = [cx + r * Math.cos(a0), cy + r * Math.sin(a0)]
      const p1 = [cx + r * Math.cos(a1), cy + r * Math.sin(a1)]
      doc
        .save()
        .path(`M ${cx} ${cy} L ${p0[0]} ${p0[1]} A ${r} ${r} 0 ${large} 1 ${p1[0]} ${p1[1]} Z`)
        .fill(color)
        .restore()
      a0 = a1
    })
  }
  const lx = x + 2 * r + 50
  slices.forEach((s, i) => {
    const yy = y + 10 + i * 16
    doc
      .save()
      .rect(lx, yy + 1, 9, 9)
      .fill(PALETTE[i % PALETTE.length]!)
      .restore()
    const pct = total > 0 ? ((s.value / total) * 100).toFixed(1) : '0.0'
    doc
      .fontSize(9)
      .fillColor(INK)
      .text(`${s.label}  ${s.value}（${pct}%）`, lx + 14, yy, { width: w - (lx - x) - 14, lineBreak: false })
  })
  doc.fillColor(INK)
}
