import type { Tx } from '../core/db.js'
import { cjkPdf, zhDate } from '../core/pdf.js'
import type { RequestContext } from '../core/scope.js'
import { requireSelfOrStaff } from './timebank.js'
import { volunteerPeople } from './volunteers.js'

// The certificate of volunteer hours (志愿服务时长证明): a one-page PDF in Chinese with the
// volunteer's name and masked ID, the hours credited in all, the activities with their dates and
// hours, the issuing area and the date. Facts are read in the caller's transaction; the PDF is
// drawn after it (no transaction held across the rendering).

export interface CertificateFacts {
  name: string
  idMasked: string
  hoursTotal: number
  areaName: string
  activities: { title: string; date: Date; hours: number }[]
}

/** What the certificate says, read as the caller (the volunteer themself or volunteer staff). */
export async function certificateFacts(tx: Tx, ctx: RequestContext, volunteerId: number): Promise<CertificateFacts> {
  const { v } = await requireSelfOrStaff(tx, ctx, volunteerId)
  const person = (await volunteerPeople(tx, [v.id])).get(v.id)
  const area = await tx.selectFrom('area').select('name_zh').where('id', '=', v.area_id).executeTakeFirstOrThrow()
  const earned = await tx
    .selectFrom('time_bank_entry as e')
    .leftJoin('volunteer_activity as a', 'a.id', 'e.activity_id')
    .select(['e.hours', 'e.created_at', 'a.title', 'a.starts_at'])
    .where('e.volunteer_id', '=', v.id)
    .where('e.kind', '=', 'earned')
    .orderBy('e.created_at')
    .limit(500)
    .execute()
  return {
    name: person?.name ?? '',
    idMasked: person?.masked ?? '',
    hoursTotal: Number(v.hours_total),
    areaName: area.name_zh,
    activities: earned.map((e) => ({
      title: e.title ?? '志愿活动',
      date: e.starts_at ?? e.created_at,
      hours: Number(e.hours),
    })),
  }
}

const fmt = (h: number) => (Number.isInteger(h) ? String(h) : h.toFixed(2).replace(/0$/, ''))

/** The certificate as PDF bytes (real text in the embedded CJK font). */
export async function certificatePdf(f: CertificateFacts, issuedAt: Date): Promise<Buffer> {
  const { doc, done } = cjkPdf({ Title: `志愿服务时长证明 ${f.name}`, Author: f.areaName })
  doc.fontSize(22).text('志愿服务时长证明', { align: 'center' })
  doc.moveDown(1.5)
  doc.fontSize(12)
  doc.text(`姓名：${f.name}`)
  doc.text(`证件号码：${f.idMasked}`)
  doc.text(`累计志愿服务时长：${fmt(f.hoursTotal)} 小时`)
  doc.moveDown()
  doc.text(
    `兹证明 ${f.name} 同志在${f.areaName}参加志愿服务活动，累计志愿服务时长 ${fmt(f.hoursTotal)} 小时，特此证明。`,
  )
  doc.moveDown()
  if (f.activities.length) {
    doc.fontSize(13).text('参加的志愿活动')
    doc.fontSize(11)
    for (const a of f.activities) doc.text(`${zhDate(a.date)}　${a.title}　${fmt(a.hours)} 小时`)
  } else {
    doc.fontSize(11).text('（尚无记入时长的活动）')
  }
  doc.moveDown(2)
  doc.fontSize(12).text(`出具单位：${f.areaName}`, { align: 'right' })
  doc.text(`出具日期：${zhDate(issuedAt)}`, { align: 'right' })
  doc.end()
  return done
}
