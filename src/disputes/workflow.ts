import { defineWorkflow } from '../core/workflow.js'

export const disputeCategories = [
  'neighbour',
  'family_marriage',
  'property_management',
  'labour_wages',
  'land_expropriation',
  'medical',
  'consumer',
  'traffic',
  'contract_debt',
  'other',
] as const
export type DisputeCategory = (typeof disputeCategories)[number]

/** How a dispute reached the street: in person, found on patrol, or referred by another body. */
export const disputeSources = ['walk_in', 'grid_worker', 'event_case', 'police', 'court', 'petitions_office'] as const

export const riskLevels = ['low', 'medium', 'high', 'urgent'] as const
export type RiskLevel = (typeof riskLevels)[number]
export const riskFactors = [
  'people_involved',
  'amount',
  'repeat_petitions',
  'threat',
  'vulnerable_party',
  'broken_agreements',
] as const
export type RiskFactor = (typeof riskFactors)[number]

export const disputeStates = [
  'registered',
  'people_mediation',
  'administrative_mediation',
  'judicial_referral',
  'settled',
  'closed',
  'withdrawn',
] as const
export type DisputeState = (typeof disputeStates)[number]
export const openDisputeStates: readonly DisputeState[] = [
  'registered',
  'people_mediation',
  'administrative_mediation',
  'judicial_referral',
]

export const mediationLevels = ['people', 'administrative', 'judicial'] as const
/** Where a settlement was reached: "小事不出村、大事不出镇" counts the first two. */
export const settledLevels = ['community', 'street', 'administrative', 'judicial'] as const
export const outcomes = ['settled', 'judicial', 'withdrawn', 'unsettled'] as const
export const judicialModes = ['judicial_mediation', 'litigation_guidance'] as const
export const performances = ['performed', 'in_progress', 'broken'] as const

/**
 * Who someone is to a dispute. coordinator: admin, leader or staff over its area (registers,
 * assigns, decides); mediator: a mediator of its area, a member of a body mediating it (the
 * committee, the administrative department, a joint body) or a mediator named on it.
 */
export const disputeRoles = ['coordinator', 'mediator'] as const
export type DisputeRole = (typeof disputeRoles)[number]

const mediating = ['people_mediation', 'administrative_mediation'] as const

export const disputeWorkflow = defineWorkflow({
  name: 'dispute',
  states: disputeStates,
  illegalCode: 'DISPUTE_ILLEGAL_TRANSITION',
  actions: {
    assign: { from: ['registered', 'people_mediation'], to: 'people_mediation', by: ['coordinator'] },
    assess_risk: { from: [...mediating, 'registered', 'judicial_referral'], to: null, by: ['coordinator', 'mediator'] },
    add_joint: { from: mediating, to: null, by: ['coordinator', 'mediator'] },
    escalate: { from: ['people_mediation'], to: 'administrative_mediation', by: ['coordinator', 'mediator'] },
    refer_judicial: { from: ['administrative_mediation'], to: 'judicial_referral', by: ['coordinator', 'mediator'] },
    settle: { from: mediating, to: 'settled', by: ['mediator'] },
    record_court_outcome: { from: ['judicial_referral'], to: 'closed', by: ['coordinator', 'mediator'] },
    record_judicial: { from: ['settled', 'closed'], to: null, by: ['coordinator', 'mediator'] },
    follow_up: { from: ['settled'], to: null, by: ['coordinator', 'mediator'] },
    close: { from: ['settled'], to: 'closed', by: ['coordinator', 'mediator'] },
    withdraw: { from: ['registered', ...mediating], to: 'withdrawn', by: ['coordinator', 'mediator'] },
  },
})
export type DisputeAction = keyof typeof disputeWorkflow.actions
export const disputeActions = Object.keys(disputeWorkflow.actions) as DisputeAction[]

export const petitionChannels = ['letter', 'visit', 'online', 'phone'] as const
export const petitionStates = [
  'received',
  'accepted',
  'redirected',
  'answered',
  'review_requested',
  'reviewed',
  'closed',
] as const
export type PetitionState = (typeof petitionStates)[number]

/** handler: admin or staff over the petition's area; supervisor: a leader or admin over it. */
export const petitionRoles = ['handler', 'supervisor'] as const
export type PetitionRole = (typeof petitionRoles)[number]

export const petitionWorkflow = defineWorkflow({
  name: 'petition',
  states: petitionStates,
  illegalCode: 'PETITION_ILLEGAL_TRANSITION',
  actions: {
    accept: { from: ['received'], to: 'accepted', by: ['handler', 'supervisor'] },
    redirect: { from: ['received'], to: 'redirected', by: ['handler', 'supervisor'] },
    extend: { from: ['accepted'], to: null, by: ['supervisor'] },
    answer: { from: ['accepted'], to: 'answered', by: ['handler', 'supervisor'] },
    request_review: { from: ['answered'], to: 'review_requested', by: ['handler', 'supervisor'] },
    decide_review: { from: ['review_requested'], to: 'reviewed', by: ['supervisor'] },
    to_dispute: { from: ['received', 'accepted'], to: null, by: ['handler', 'supervisor'] },
    to_case: { from: ['received', 'accepted'], to: null, by: ['handler', 'supervisor'] },
    close: { from: ['answered', 'reviewed', 'redirected'], to: 'closed', by: ['handler', 'supervisor'] },
  },
})
export type PetitionAction = keyof typeof petitionWorkflow.actions
export const petitionActions = Object.keys(petitionWorkflow.actions) as PetitionAction[]
export const openPetitionStates: readonly PetitionState[] = ['received', 'accepted', 'review_requested']

// The statutory limits of the 信访工作条例 (calendar days).
export const PETITION_DECIDE_DAYS = 15
export const PETITION_ANSWER_DAYS = 60
export const PETITION_MAX_EXTENSION_DAYS = 30
export const PETITION_REVIEW_REQUEST_DAYS = 30
export const PETITION_REVIEW_DAYS = 30
/** People's Mediation Law art. 33: apply for judicial confirmation within 30 days of effect. */
export const JUDICIAL_CONFIRMATION_DAYS = 30
export const JUDICIAL_REMINDER_DAYS_BEFORE = 5
