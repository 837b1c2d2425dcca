import { publishEvents } from '../core/events.js'
import { defineWorkflow } from '../core/workflow.js'

/** How a case reached the platform; `proactive` is a problem staff foresaw before anyone complained (未诉先办). */
export const channels = ['portal', 'patrol', 'hotline', 'open311', 'api', 'device', 'proactive'] as const
export type Channel = (typeof channels)[number]

export const ratings = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const
export type Rating = (typeof ratings)[number]

/** Channels whose reporter is staff reporting their own finding: not verified, nobody to contact, not rated. */
export const staffChannels: ReadonlySet<Channel> = new Set(['patrol', 'proactive', 'device'])
/** Channels from the public, which a category may have verified on site before filing (核实). */
export const publicChannels: ReadonlySet<Channel> = new Set(['portal', 'open311', 'hotline'])

export const returnReasons = [
  'not_our_duty',
  'wrong_area',
  'duplicate',
  'insufficient_information',
  'beyond_capacity',
  'other',
] as const
export const contactMethods = ['phone', 'visit', 'message'] as const

export const caseStates = [
  'verifying',
  'submitted',
  'accepted',
  'dispatched',
  'return_requested',
  'in_progress',
  'replied',
  'verified',
  'closed',
  'rated',
  'shelved',
  'rejected',
  'merged',
] as const
export type CaseState = (typeof caseStates)[number]

/**
 * Who someone is to a particular case:
 * triage: staff or admin of the case's area; handler: a department handler of the department the
 * case is dispatched to (or assisting); verifier: a grid worker of the case's area (staff may
 * verify too); supervisor: a leader or admin over the area; reporter: whoever reported it.
 */
export const caseRoles = ['triage', 'handler', 'verifier', 'supervisor', 'reporter'] as const
export type CaseRole = (typeof caseRoles)[number]

export const caseWorkflow = defineWorkflow({
  name: 'case',
  states: caseStates,
  illegalCode: 'CASE_ILLEGAL_TRANSITION',
  actions: {
    confirm: { from: ['verifying'], to: 'submitted', by: ['verifier'] },
    invalidate: { from: ['verifying'], to: 'rejected', by: ['verifier'] },
    accept: { from: ['submitted'], to: 'accepted', by: ['triage'] },
    reject: { from: ['submitted', 'accepted'], to: 'rejected', by: ['triage'] },
    merge: { from: ['submitted', 'accepted'], to: 'merged', by: ['triage'] },
    answer_directly: { from: ['submitted', 'accepted'], to: 'closed', by: ['triage'] },
    change_urgency: {
      from: ['verifying', 'submitted', 'accepted', 'dispatched', 'return_requested', 'in_progress'],
      to: null,
      by: ['triage', 'supervisor'],
    },
    dispatch: { from: ['accepted'], to: 'dispatched', by: ['triage'] },
    department_accept: { from: ['dispatched'], to: 'in_progress', by: ['handler'] },
    contact_requester: { from: ['dispatched', 'in_progress', 'replied'], to: null, by: ['handler'] },
    return: { from: ['dispatched'], to: 'return_requested', by: ['handler'] },
    approve_return: { from: ['return_requested'], to: 'accepted', by: ['triage', 'supervisor'] },
    deny_return: { from: ['return_requested'], to: 'dispatched', by: ['triage', 'supervisor'] },
    request_extension: { from: ['in_progress'], to: null, by: ['handler'] },
    decide_extension: { from: ['in_progress'], to: null, by: ['supervisor', 'triage'] },
    add_assist: { from: ['in_progress'], to: null, by: ['handler', 'triage'] },
    request_shelving: { from: ['in_progress'], to: null, by: ['handler', 'triage'] },
    shelve: { from: ['in_progress'], to: 'shelved', by: ['supervisor'] },
    decline_shelving: { from: ['in_progress'], to: null, by: ['supervisor'] },
    revive: { from: ['shelved'], to: 'in_progress', by: ['supervisor', 'triage'] },
    reply: { from: ['in_progress'], to: 'replied', by: ['handler'] },
    verify_pass: { from: ['replied'], to: 'verified', by: ['verifier'] },
    verify_fail: { from: ['replied'], to: 'in_progress', by: ['verifier'] },
    close: { from: ['verified'], to: 'closed', by: ['triage'] },
    rate: { from: ['closed'], to: 'rated', by: ['reporter'] },
    callback: { from: ['closed'], to: null, by: ['triage'] },
    reopen: { from: ['rated'], to: 'in_progress', by: ['triage', 'supervisor'] },
  },
})

export type CaseAction = keyof typeof caseWorkflow.actions
export const caseActions = Object.keys(caseWorkflow.actions) as CaseAction[]

/**
 * The steps of a case as events, named `case.<action>` after the `case_event` row each writes:
 * intake, every workflow action (an automatic dispatch too), the note on the case another was
 * merged into, and the deadline warnings and escalations. Notifications offers them to webhooks.
 */
export const caseEvents = publishEvents('case', [
  'case.submit',
  ...caseActions.map((a) => `case.${a}` as const),
  'case.merged_from',
  'case.warning',
  'case.escalated',
  'case.shelving_review',
])

/** States in which the case is still being worked on. */
export const openStates: readonly CaseState[] = [
  'verifying',
  'submitted',
  'accepted',
  'dispatched',
  'return_requested',
  'in_progress',
  'replied',
  'verified',
]

/** Steps the reporter sees on the public tracking page (and is told of); `merged_from` is always public too. */
export const publicActions: ReadonlySet<string> = new Set<string>([
  'confirm',
  'invalidate',
  'answer_directly',
  'contact_requester',
  'shelve',
  'revive',
  'callback',
  'accept',
  'reject',
  'merge',
  'dispatch',
  'department_accept',
  'reply',
  'verify_pass',
  'verify_fail',
  'close',
  'rate',
  'reopen',
])
