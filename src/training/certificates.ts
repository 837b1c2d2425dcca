import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import { cjkPdf, zhDate } from '../core/pdf.js'
import { type RequestContext, requireActor } from '../core/scope.js'

// The certificate of a completed course (结业证书): a one-page Chinese PDF with an English line
// under each fact, for the learner to keep and the keepers over their area to print.

export interface CertificateFacts {
  number: string
  learner: string
  course: string
  completedAt: Date
  score: number | null
  late: boolean
  issuer: string
  issuerEn: string
}

export async function certificateFacts(tx: Tx, ctx: RequestContext, enrolmentId: number): Promise<CertificateFacts> {
  const actor = requireActor(ctx)
  const e = await tx
    .selectFrom('training_enrolment as e')
    .innerJoin('training_course as c', 'c.id', 'e.course_id')
    .innerJoin('area as a', 'a.id', 'c.area_id')
    .leftJoin('app_user as u', 'u.id', 'e.user_id')
    .select([
      'e.user_id',
      'e.status',
      'e.completed_at',
      'e.best_score',
      'e.late',
      'e.certificate_no',
      'c.title',
      'u.display_name',
      'a.name_zh',
      'a.name_en',
    ])
    .where('e.id', '=', enrolmentId)
    .executeTakeFirst()
  if (!e) throw notFound('TRAINING_ENROLMENT_NOT_FOUND', `enrolment ${enrolmentId}`)
  if (e.status !== 'completed' || !e.certificate_no || !e.completed_at)
    throw new AppError('TRAINING_NOT_COMPLETED', 'the course is not completed yet', 'status')
  return {
    number: e.certificate_no,
    learner: e.display_name ?? (e.user_id === actor.userId ? actor.displayName : `#${e.user_id}`),
    course: e.title,
    completedAt: new Date(e.completed_at),
    score: e.best_score,
    late: e.late,
    issuer: e.name_zh,
    issuerEn: e.name_en,
  }
}

export async function certificatePdf(f: CertificateFacts): Promise<Buffer> {
  const { doc, done } = cjkPdf({ Title: `结业证书 ${f.number}`, Author: f.issuer })
  // The number in plain ASCII in the document's information too, where a search or a check finds it.
  doc.info.Subject = `Training certificate ${f.number}`
  const line = (zh: string, en: string) => {
    doc.fontSize(14).fillColor('#111').text(zh, { align: 'center' })
    doc.fontSize(9).fillColor('#555').text(en, { align: 'center' })
    doc.moveDown(0.8)
  }
  doc.moveDown(2)
  doc.fontSize(28).fillColor('#a40000').text('结业证书', { align: 'center' })
  doc.fontSize(11).fillColor('#555').text('Certificate of Completion', { align: 'center' })
  doc.moveDown(2)
  line(`${f.learner} 同志：`, `This certifies that ${f.learner}`)
  line(`已完成培训课程《${f.course}》，考核合格，特发此证。`, `has completed the course “${f.course}”.`)
  line(
    `成绩：${f.score === null ? '（无测验）' : `${f.score} 分`}${f.late ? '（逾期完成）' : ''}`,
    `Score: ${f.score === null ? 'no quiz' : `${f.score} / 100`}${f.late ? ' (completed after the deadline)' : ''}`,
  )
  line(`证书编号：${f.number}`, `Certificate no. ${f.number}`)
  doc.moveDown(2)
  line(`颁发单位：${f.issuer}`, `Issued by ${f.issuerEn}`)
  line(zhDate(f.completedAt), f.completedAt.toISOString().slice(0, 10))
  doc.end()
  return done
}
