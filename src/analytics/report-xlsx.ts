import ExcelJS from 'exceljs'
import { cellText, type ReportFacts } from './report-facts.js'
import { channelNames, figureRows, monthName, type ReportLocale, words } from './report-labels.js'

// The monthly report as a workbook: the same facts as the PDF, one sheet per table, numbers as
// numbers (rates as fractions formatted as percentages), so a reader can compute with them. Row 1
// of every sheet names the area and month; row 2 carries the provisional mark (or the time the
// figures were taken); the table starts at row 4.

export const TABLE_ROW = 4

type Cell = string | number | null

export async function reportXlsx(f: ReportFacts, locale: ReportLocale): Promise<Buffer> {
  const w = words(locale)
  const zh = locale === 'zh-CN'
  const wb = new ExcelJS.Workbook()
  wb.creator = 'Grassroots'
  wb.title = w.title(f)
  const stamp = f.provisional ? w.provisional(f.asOf, f.area.timezone) : w.generated(f.asOf, f.area.timezone)

  const used = new Set<string>()
  /** A sheet name Excel takes: none of * ? : \\ / [ ], at most 31 characters, unique. */
  const sheetName = (title: string) => {
    const base =
      title
        .replace(/[*?:\\/[\]]/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 31) || 'Sheet'
    let name = base
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base.slice(0, 28)} ${i}`
    used.add(name.toLowerCase())
    return name
  }
  const sheet = (title: string, headers: string[], rows: Cell[][], formats: (string | null)[] = []) => {
    const name = sheetName(title)
    const ws = wb.addWorksheet(name)
    ws.getCell('A1').value = `${w.areaName(f)} · ${monthName(f.month, locale)} · ${name}`
    ws.getCell('A1').font = { bold: true, size: 13 }
    ws.getCell('A2').value = stamp
    if (f.provisional) ws.getCell('A2').font = { color: { argb: 'FFB91C1C' }, bold: true }
    const header = ws.getRow(TABLE_ROW)
    header.values = headers
    header.font = { bold: true }
    rows.forEach((r, i) => {
      ws.getRow(TABLE_ROW + 1 + i).values = r.map((c) => (c === null ? null : c))
    })
    formats.forEach((fmt, i) => {
      if (fmt) ws.getColumn(i + 1).numFmt = fmt
    })
    ws.getColumn(1).width = 30
    for (let i = 2; i <= headers.length; i++) ws.getColumn(i).width = 16
    return ws
  }
  const pct = '0.00%'

  // Key figures: value, previous month, same month last year (rates as fractions, 0.00%).
  const fig = sheet(
    w.sheetFigures,
    [w.figure, w.thisMonth, w.previousMonth, w.lastYear],
    figureRows.map((r) => [zh ? r.zh : r.en, f.current[r.key], f.previous[r.key], f.lastYear[r.key]]),
  )
  figureRows.forEach((r, i) => {
    if (r.kind !== 'rate') return
    for (const c of [2, 3, 4]) fig.getRow(TABLE_ROW + 1 + i).getCell(c).numFmt = pct
  })
  sheet(
    w.sheetDaily,
    [w.day, w.cases],
    f.daily.map((d) => [d.day, d.total]),
  )
  sheet(
    w.sheetCategories,
    [w.category, zh ? '编码' : 'Code', w.cases, w.previousCases],
    f.categories.map((c) => [zh ? c.nameZh : c.nameEn, c.code, c.total, c.previous]),
  )
  sheet(
    w.sheetChannels,
    [w.channel, w.cases],
    f.channels.map((c) => [(zh ? channelNames[c.channel]?.zh : channelNames[c.channel]?.en) ?? c.channel, c.total]),
  )
  sheet(
    w.sheetPlaces,
    [w.place, zh ? '编码' : 'Code', w.cases],
    f.places.map((p) => [zh ? p.nameZh : p.nameEn, p.code, p.total]),
  )
  const ranking = (name: string, rs: ReportFacts['departments']) =>
    sheet(
      name,
      [
        w.rank,
        w.unit,
        w.dueCases,
        zh ? '结案数' : 'Closed',
        w.closureRate,
        w.onTimeClosureRate,
        w.satisfactionRate,
        w.score,
      ],
      rs.map((r) => [
        r.rank,
        (zh ? r.nameZh : r.nameEn) ?? w.noName,
        r.dueCases,
        r.closed,
        r.closureRate,
        r.onTimeClosureRate,
        r.satisfactionRate,
        r.score,
      ]),
      [null, null, null, null, pct, pct, pct, '0.00'],
    )
  ranking(w.sheetDepartments, f.departments)
  ranking(w.sheetCommunities, f.communities)
  for (const s of f.extras)
    sheet(
      zh ? s.titleZh : s.titleEn,
      s.headers.map((h) => (zh ? h.zh : h.en)),
      [
        ...s.rows.map((r) => r.map((c) => cellText(c, zh))),
        ...((zh ? s.noteZh : s.noteEn) ? [[(zh ? s.noteZh : s.noteEn) ?? null]] : []),
      ],
    )
  return Buffer.from(await wb.xlsx.writeBuffer())
}
