import type { Tx } from '../core/db.js'

/** When no area on the path has its own setting: 30 supports, an answer within 30 days, verified only. */
export const defaultProposalSetting = {
  supportThreshold: 30,
  answerDays: 30,
  verifiedToPropose: true,
  verifiedToSupport: true,
}
export type ProposalSetting = typeof defaultProposalSetting & { areaId: number | null }

/**
 * The setting that governs proposals in the area at `areaPath`: the nearest area on the path (the
 * area itself, then its ancestors) with a row of its own, else the defaults.
 */
export async function proposalSettingFor(tx: Tx, areaPath: string): Promise<ProposalSetting> {
  const ids = areaPath.split('/').filter(Boolean).map(Number)
  const rows = await tx.selectFrom('proposal_setting').selectAll().where('area_id', 'in', ids).execute()
  for (const id of ids.reverse()) {
    const r = rows.find((x) => x.area_id === id)
    if (r)
      return {
        areaId: r.area_id,
        supportThreshold: r.support_threshold,
        answerDays: r.answer_days,
        verifiedToPropose: r.verified_to_propose,
        verifiedToSupport: r.verified_to_support,
      }
  }
  return { areaId: null, ...defaultProposalSetting }
}
