import type { Selectable } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { notifyRoleOver } from '../cases/notify.js'
import type { Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import type { DB } from '../core/schema.js'
import { body, shape, text } from '../core/schemas.js'
import { requireRootAdmin, type RequestContext } from '../core/scope.js'
import { riskFactors, riskLevels, type RiskFactor, type RiskLevel } from './workflow.js'

// Risk assessment (seed 003: community risk warning): explicit rules an admin edits, each a
// factor of the dispute at or above a threshold giving a level; the highest fired rule sets the
// rules' level. The mediator's judgement, with a reason, may set another level; the effective
// level is the judgement where there is one. High and urgent warn the street's leaders at once.

export type RiskRule = Selectable<DB['dispute_risk_rule']>

/** The facts of a dispute the rules read. */
export interface RiskFacts {
  peopleInvolved: number
  amount: number | null
  repeatPetitions: number
  threat: boolean
  vulnerableParty: boolean
  brokenAgreements: number
}

const factorValue = (f: RiskFacts, factor: RiskFactor): number => {
  switch (factor) {
    case 'people_involved':
      return f.peopleInvolved
    case 'amount':
      return f.amount ?? 0
    case 'repeat_petitions':
      return f.repeatPetitions
    case 'threat':
      return f.threat ? 1 : 0
    case 'vulnerable_party':
      return f.vulnerableParty ? 1 : 0
    case 'broken_agreements':
      return f.brokenAgreements
  }
}

export const rank = (l: RiskLevel) => riskLevels.indexOf(l)
export const higher = (a: RiskLevel, b: RiskLevel): RiskLevel => (rank(a) >= rank(b) ? a : b)

/** The rules that fire on `facts` and the level they give ('low' when none fires). */
export function assessRisk(rules: readonly RiskRule[], facts: RiskFacts): { level: RiskLevel; fired: string[] } {
  let level: RiskLevel = 'low'
  const fired: string[] = []
  for (const r of rules) {
    if (!r.active) continue
    if (factorValue(facts, r.factor) >= Number(r.threshold)) {
      fired.push(r.code)
      level = higher(level, r.level)
    }
  }
  return { level, fired }
}

export const activeRules = (tx: Tx) =>
  tx.selectFrom('dispute_risk_rule').selectAll().where('active', '=', true).orderBy('id').execute()

/** Warns the leaders over the dispute's area (community, street, district) when the level is high or urgent. */
export async function warnIfHigh(
  tx: Tx,
  ctx: RequestContext,
  d: { id: number; reference: string; areaId: number; areaPath: string },
  level: RiskLevel,
  previous: RiskLevel | null,
  fired: string[],
  now: Date,
): Promise<boolean> {
  if (rank(level) < rank('high') || (previous !== null && rank(previous) >= rank(level))) return false
  // The leaders over the dispute's area: its community's, its street's and the district's.
  await notifyRoleOver(tx, ['leader'], d.areaPath, {
    kind: 'dispute_risk',
    caseId: null,
    params: { disputeId: d.id, reference: d.reference, level, rules: fired },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'dispute.risk_warning',
    entityType: 'dispute',
    entityId: d.id,
    areaId: d.areaId,
    detail: { level, rules: fired },
  })
  return true
}

// ── Settings an admin edits: the rules and the mediation limits ───────────────────────────────

export const riskRuleSchema = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  factor: { type: 'string', enum: riskFactors },
  threshold: { type: 'number' },
  level: { type: 'string', enum: riskLevels },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  active: { type: 'boolean' },
})
export const disputeSettingsSchema = shape({
  rules: { type: 'array', items: riskRuleSchema },
  limits: shape({
    people: { type: 'integer', description: 'Days of people’s mediation before escalation' },
    administrative: { type: 'integer', description: 'Days of administrative mediation before supervisors are warned' },
  }),
})

const ruleInput = body(['code', 'factor', 'threshold', 'level', 'nameZh', 'nameEn', 'active'], {
  code: { type: 'string', pattern: '^[a-z0-9_]{1,40}$' },
  factor: { type: 'string', enum: riskFactors },
  threshold: { type: 'number', minimum: 0, maximum: 1e12 },
  level: { type: 'string', enum: riskLevels },
  nameZh: text(100),
  nameEn: text(100),
  active: { type: 'boolean' },
})
export const disputeSettingsBody = body([], {
  rules: { type: 'array', maxItems: 50, items: ruleInput },
  limits: body([], {
    people: { type: 'integer', minimum: 1, maximum: 365 },
    administrative: { type: 'integer', minimum: 1, maximum: 365 },
  }),
})

export async function mediationLimits(tx: Tx): Promise<{ people: number; administrative: number }> {
  const rows = await tx.selectFrom('mediation_limit').select(['level', 'days']).execute()
  const of = (l: string) => rows.find((r) => r.level === l)?.days ?? 30
  return { people: of('people'), administrative: of('administrative') }
}

export async function disputeSettings(tx: Tx): Promise<Output<typeof disputeSettingsSchema>> {
  const rules = await tx.selectFrom('dispute_risk_rule').selectAll().orderBy('id').execute()
  return {
    rules: rules.map((r) => ({
      id: r.id,
      code: r.code,
      factor: r.factor,
      threshold: Number(r.threshold),
      level: r.level,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      active: r.active,
    })),
    limits: await mediationLimits(tx),
  }
}

/** Root admins change rules (by code: new codes are added, missing ones left as they are) and limits. */
export async function updateDisputeSettings(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof disputeSettingsBody>,
  now: Date,
): Promise<void> {
  requireRootAdmin(ctx, 'risk rules and mediation limits are set by a city administrator')
  for (const r of input.rules ?? []) {
    const values = {
      factor: r.factor,
      threshold: r.threshold,
      level: r.level,
      name_zh: r.nameZh,
      name_en: r.nameEn,
      active: r.active,
      updated_at: now,
    }
    await tx
      .insertInto('dispute_risk_rule')
      .values({ code: r.code, ...values })
      .onConflict((oc) => oc.column('code').doUpdateSet(values))
      .execute()
  }
  for (const level of ['people', 'administrative'] as const) {
    const days = input.limits?.[level]
    if (days !== undefined)
      await tx.updateTable('mediation_limit').set({ days, updated_at: now }).where('level', '=', level).execute()
  }
  await recordAudit(tx, ctx, { action: 'dispute.settings', entityType: 'dispute_settings', detail: input })
}
