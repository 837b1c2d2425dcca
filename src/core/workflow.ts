import { AppError, type ErrorCode } from './errors.js'

// A workflow is a table of actions: from which states each may be taken, by which relative roles
// ("reporter", "handler", …, decided by the domain for each caller and subject), and where it
// leads. Written once here; cases use it now, mediation and participation later.

export interface ActionSpec<S extends string, R extends string> {
  from: readonly S[]
  /** The state the action leads to; `null` keeps the state (e.g. a comment, an extension). */
  to: S | null
  by: readonly R[]
}

export interface Workflow<S extends string, A extends string, R extends string> {
  name: string
  states: readonly S[]
  actions: Record<A, ActionSpec<S, R>>
  /** Actions the caller, holding `roles` on the subject, may take in `state`. */
  allowed(state: S, roles: ReadonlySet<R>): A[]
  /** The target state of `action`, or a 409 naming the state and the allowed actions (403 when only the role is wrong). */
  check(state: S, action: A, roles: ReadonlySet<R>): S
}

export function defineWorkflow<S extends string, A extends string, R extends string>(spec: {
  name: string
  states: readonly S[]
  actions: Record<A, ActionSpec<S, R>>
  illegalCode: ErrorCode
}): Workflow<S, A, R> {
  const names = Object.keys(spec.actions) as A[]
  const allowed = (state: S, roles: ReadonlySet<R>) =>
    names.filter((a) => spec.actions[a].from.includes(state) && spec.actions[a].by.some((r) => roles.has(r)))
  return {
    name: spec.name,
    states: spec.states,
    actions: spec.actions,
    allowed,
    check(state, action, roles) {
      const a = spec.actions[action]
      if (!a) throw new AppError('VALIDATION_FAILED', `unknown action ${action}; known: ${names.join(', ')}`, 'action')
      const may = allowed(state, roles)
      if (!a.from.includes(state)) {
        throw new AppError(
          spec.illegalCode,
          `${action} is not possible while the ${spec.name} is ${state}; allowed now: ${may.join(', ') || 'none'}`,
          'action',
          {},
          { state, allowedActions: may },
        )
      }
      if (!a.by.some((r) => roles.has(r))) {
        throw new AppError(
          'FORBIDDEN',
          `${action} is for ${a.by.join(' or ')}; allowed for you now: ${may.join(', ') || 'none'}`,
          'action',
          {},
          { state, allowedActions: may },
        )
      }
      return a.to ?? state
    },
  }
}
