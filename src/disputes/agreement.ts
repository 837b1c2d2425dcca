import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import { cjkPdf, zhDate } from '../core/pdf.js'
import type { Input } from '../core/http.js'
import { body, date, id, text } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { agreementsOf, appendEvent, disputeRolesOf, loadDispute, partiesOf, signaturesOf } from './disputes.js'
import type { disputeCategories } from './workflow.js'

// The mediation agreement (People's Mediation Law art. 28–29): written while the dispute is being
// mediated, signed by every party and the mediator, sealed by the committee, and finalised by the
// `settle` action, which refuses an agreement missing any element.

const mediating = ['people_mediation', 'administrative_mediation'] as const

export const agreementBody = body(['form'], {
  form: { type: 'string', enum: ['written', 'oral'] },
  facts: { ...text(4000), description: 'The main facts of the dispute' },
  issues: { ...text(4000), description: 'The matters in dispute' },
  responsibilities: { ...text(4000), description: 'Each party’s responsibility' },
  terms: { ...text(8000), description: 'What the parties agreed' },
  performanceManner: text(2000),
  performanceDeadline: date,
})

export const signatureBody = body(['signer'], {
  signer: { type: 'string', enum: ['party', 'mediator', 'seal'] },
  partyId: { ...id, description: 'signer party: the party who signed' },
})

async function editable(tx: Tx, ctx: RequestContext, disputeId: number) {
  const d = await loadDispute(tx, disputeId, true)
  const roles = disputeRolesOf(ctx, d)
  if (!roles.has('mediator') && !roles.has('coordinator'))
    throw new AppError('FORBIDDEN', 'agreements are written by the mediators of the dispute', null)
  if (!(mediating as readonly string[]).includes(d.state))
    throw new AppError(
      'DISPUTE_ILLEGAL_TRANSITION',
      `an agreement is written while the dispute is being mediated; it is ${d.state}`,
      'state',
      {},
      { state: d.state },
    )
  return { d, roles }
}

/**
 * Writes the draft agreement (created on first write). A change to the text voids the signatures
 * and the seal already given: they were given to the earlier text.
 */
export async function saveAgreement(
  tx: Tx,
  ctx: RequestContext,
  disputeId: number,
  input: Input<typeof agreementBody>,
  now: Date,
): Promise<void> {
  const { d } = await editable(tx, ctx, disputeId)
  const values = {
    form: input.form,
    facts: input.facts ?? null,
    issues: input.issues ?? null,
    responsibilities: input.responsibilities ?? null,
    terms: input.terms ?? null,
    performance_manner: input.performanceManner ?? null,
    performance_deadline: input.performanceDeadline ?? null,
    updated_at: now,
  }
  const draft = (await agreementsOf(tx, disputeId)).find((g) => g.status === 'draft')
  if (draft) {
    const same = (Object.keys(values) as (keyof typeof values)[]).every(
      (k) => k === 'updated_at' || String(draft[k] ?? '') === String(values[k] ?? ''),
    )
    await tx
      .updateTable('mediation_agreement')
      .set(
        same
          ? values
          : {
              ...values,
              party_signatures: '[]',
              mediator_signed_at: null,
              mediator_signed_by: null,
              sealed_at: null,
              sealed_by: null,
            },
      )
      .where('id', '=', draft.id)
      .execute()
  } else {
    await tx
      .insertInto('mediation_agreement')
      .values({ ...values, dispute_id: disputeId, status: 'draft', party_signatures: '[]', created_at: now })
      .execute()
  }
  await appendEvent(tx, ctx, disputeId, {
    action: 'agreement',
    from: d.state,
    to: d.state,
    detail: { form: input.form },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'dispute.agreement',
    entityType: 'dispute',
    entityId: disputeId,
    areaId: d.area_id,
  })
}

/** Records a signature of a party or the mediator, or the committee's seal, on the draft. */
export async function signAgreement(
  tx: Tx,
  ctx: RequestContext,
  disputeId: number,
  input: Input<typeof signatureBody>,
  now: Date,
): Promise<void> {
  const { d, roles } = await editable(tx, ctx, disputeId)
  const draft = (await agreementsOf(tx, disputeId)).find((g) => g.status === 'draft')
  if (!draft) throw new AppError('AGREEMENT_NOT_FOUND', 'there is no draft agreement to sign', 'signer')
  if (draft.form === 'oral')
    throw new AppError('VALIDATION_FAILED', 'an oral agreement is recorded, not signed', 'signer')
  const who = ctx.actor?.displayName ?? 'system'
  if (input.signer === 'party') {
    const partyId = input.partyId
    if (partyId === undefined) throw new AppError('VALIDATION_FAILED', 'name the party who signed', 'partyId')
    const party = (await partiesOf(tx, disputeId)).find((p) => p.id === partyId)
    if (!party) throw new AppError('VALIDATION_FAILED', `party ${partyId} is not a party to this dispute`, 'partyId')
    const signatures = signaturesOf(draft).filter((s) => s.partyId !== partyId)
    signatures.push({ partyId, name: party.name, signedAt: now.toISOString(), recordedBy: who })
    await tx
      .updateTable('mediation_agreement')
      .set({ party_signatures: JSON.stringify(signatures), updated_at: now })
      .where('id', '=', draft.id)
      .execute()
  } else {
    if (!roles.has('mediator')) throw new AppError('FORBIDDEN', 'the mediator signs and the committee seals', 'signer')
    const committee = d.committee_id
      ? await tx.selectFrom('department').select('name_zh').where('id', '=', d.committee_id).executeTakeFirst()
      : undefined
    await tx
      .updateTable('mediation_agreement')
      .set(
        input.signer === 'mediator'
          ? { mediator_signed_by: who, mediator_signed_at: now, updated_at: now }
          : { sealed_by: committee ? `${committee.name_zh}（${who}）` : who, sealed_at: now, updated_at: now },
      )
      .where('id', '=', draft.id)
      .execute()
  }
  await appendEvent(tx, ctx, disputeId, {
    action: 'sign',
    from: d.state,
    to: d.state,
    detail: { signer: input.signer, partyId: input.partyId ?? null },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'dispute.sign',
    entityType: 'dispute',
    entityId: disputeId,
    areaId: d.area_id,
    detail: { signer: input.signer, partyId: input.partyId ?? null },
  })
}

// ── The printable agreement ─────────────────────────────────────────────────────────────────

const categoryZh: Record<(typeof disputeCategories)[number], string> = {
  neighbour: '邻里纠纷',
  family_marriage: '婚姻家庭纠纷',
  property_management: '物业纠纷',
  labour_wages: '劳动争议（欠薪）',
  land_expropriation: '土地征收纠纷',
  medical: '医疗纠纷',
  consumer: '消费纠纷',
  traffic: '交通事故纠纷',
  contract_debt: '合同债务纠纷',
  other: '其他纠纷',
}
const roleZh = { applicant: '申请人', respondent: '被申请人', third_party: '第三人' } as const

/**
 * The agreement as a printable A4 PDF in Chinese, its text as text (an embedded, subset CJK font),
 * with the parties' identifiers masked as everywhere else. A draft says so on every page.
 */
export async function agreementPdf(tx: Tx, ctx: RequestContext, disputeId: number): Promise<Buffer> {
  const d = await loadDispute(tx, disputeId)
  const agreements = await agreementsOf(tx, disputeId)
  const g = agreements.filter((a) => a.status !== 'broken').at(-1)
  if (!g) throw new AppError('AGREEMENT_NOT_FOUND', 'this dispute has no agreement yet', null)
  const parties = await partiesOf(tx, disputeId)
  const committee = d.committee_id
    ? await tx.selectFrom('department').select('name_zh').where('id', '=', d.committee_id).executeTakeFirst()
    : undefined
  await recordAudit(tx, ctx, {
    action: 'dispute.agreement_pdf',
    entityType: 'dispute',
    entityId: disputeId,
    areaId: d.area_id,
  })

  const { doc, done } = cjkPdf({ Title: `人民调解协议书 ${d.reference}`, Author: committee?.name_zh ?? '' })
  const draft = g.status === 'draft'
  const stamp = () => {
    if (!draft) return
    doc
      .save()
      .fontSize(60)
      .fillColor('#dddddd')
      .rotate(-30, { origin: [300, 420] })
      .text('草稿', 220, 380)
      .restore()
    doc.fillColor('black')
  }
  doc.on('pageAdded', stamp)
  stamp()
  doc.fontSize(20).text(g.form === 'oral' ? '口头调解协议记录' : '人民调解协议书', { align: 'center' })
  doc.moveDown(0.5).fontSize(10).text(`编号：${d.reference}　　纠纷类型：${categoryZh[d.category]}`, { align: 'right' })
  doc.moveDown()
  const heading = (t: string) => doc.moveDown(0.6).fontSize(13).text(t).moveDown(0.2).fontSize(11)
  heading('当事人')
  for (const p of parties) {
    const bits = [`${roleZh[p.role]}：${p.name}`]
    if (p.idNumberMasked) bits.push(`证件号码：${p.idNumberMasked}`)
    if (p.address) bits.push(`住址：${p.address}`)
    doc.text(bits.join('　'))
  }
  heading('纠纷主要事实、争议事项')
  doc
    .text(g.facts ?? '（未填写）')
    .moveDown(0.3)
    .text(`争议事项：${g.issues ?? '（未填写）'}`)
  heading('各方当事人的责任')
  doc.text(g.responsibilities ?? '（未填写）')
  heading('经调解，当事人自愿达成如下协议')
  doc.text(g.terms ?? '（未填写）')
  heading('履行方式、时限')
  doc.text(
    `${g.performance_manner ?? '（未填写）'}　履行期限：${g.performance_deadline ? zhDate(`${g.performance_deadline}T12:00:00+08:00`) : '（未填写）'}`,
  )
  doc.moveDown(0.6).fontSize(10)
  if (g.form === 'written') {
    doc.text(
      '本协议经各方当事人签名、人民调解员签名并加盖人民调解委员会印章后生效，对当事人具有法律约束力。' +
        '当事人可以自协议生效之日起三十日内共同向人民法院申请司法确认。本协议一式三份，当事人各执一份，人民调解委员会留存一份。',
    )
    heading('签名')
    const signed = signaturesOf(g)
    for (const p of parties) {
      const s = signed.find((x) => x.partyId === p.id)
      doc.text(`${roleZh[p.role]}（签名）：${s ? `${p.name}　${zhDate(s.signedAt)}` : '＿＿＿＿＿＿'}`)
    }
    doc.text(
      `人民调解员（签名）：${g.mediator_signed_by ? `${g.mediator_signed_by}　${zhDate(g.mediator_signed_at)}` : '＿＿＿＿＿＿'}`,
    )
    doc
      .moveDown()
      .text(`${committee?.name_zh ?? '人民调解委员会'}（印）${g.sealed_at ? '　已盖章' : ''}`, { align: 'right' })
    doc.text(zhDate(g.effective_at ?? g.sealed_at), { align: 'right' })
  } else {
    doc.text('本协议为口头调解协议，自各方当事人达成协议之日起生效；人民调解员已如实记录。')
    doc.moveDown().text(`${committee?.name_zh ?? '人民调解委员会'}　${zhDate(g.effective_at)}`, { align: 'right' })
  }
  doc.end()
  return done
}

// ── Sessions ─────────────────────────────────────────────────────────────────────────────────

export const sessionBody = body(['heldAt', 'place', 'attendees', 'record'], {
  heldAt: { type: 'string', format: 'date-time' },
  place: text(200),
  attendees: { type: 'array', minItems: 1, maxItems: 50, items: text(100) },
  record: { ...text(8000), description: 'What was said and agreed (the session record)' },
})

/** Records a mediation session (time, place, attendees, record) on a dispute being mediated. */
export async function recordSession(
  tx: Tx,
  ctx: RequestContext,
  disputeId: number,
  input: Input<typeof sessionBody>,
  now: Date,
): Promise<void> {
  const { d } = await editable(tx, ctx, disputeId)
  const heldAt = new Date(input.heldAt)
  if (heldAt.getTime() > now.getTime() + 86_400_000)
    throw new AppError('VALIDATION_FAILED', 'a session is recorded once it has been held', 'heldAt')
  if (heldAt < d.registered_at)
    throw new AppError('VALIDATION_FAILED', 'the session precedes the registration of the dispute', 'heldAt')
  await tx
    .insertInto('mediation_session')
    .values({
      dispute_id: disputeId,
      held_at: heldAt,
      place: input.place,
      attendees: input.attendees,
      record: input.record,
      created_by: ctx.actor?.userId ?? null,
      created_at: now,
    })
    .execute()
  await appendEvent(tx, ctx, disputeId, {
    action: 'session',
    from: d.state,
    to: d.state,
    detail: { heldAt: heldAt.toISOString(), place: input.place },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'dispute.session',
    entityType: 'dispute',
    entityId: disputeId,
    areaId: d.area_id,
  })
}
