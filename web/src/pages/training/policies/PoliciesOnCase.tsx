/** The policies bearing on a case's category, for the case page. Stub: the policies part fills it in. */
export function PoliciesOnCase(_props: { caseId: number; categoryId: number }) {
  return null
}
