/**
 * Model cases suggested for a case, and "write up as a model case" once it is closed, for the case
 * page. Stub: the models part fills it in.
 */
export function ModelCasesOnCase(_props: { caseId: number; categoryId: number; state: string }) {
  return null
}
