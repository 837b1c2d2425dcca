import type { SectionProps } from '../section'
import { AgreementPage } from './AgreementPage'
import { Board } from './Board'

/** Co-building: the board at #/party/cobuild, an agreement at #/party/cobuild/agreements/:id. */
export function CobuildSection({ params, user }: SectionProps) {
  const agreementId = params[0] === 'agreements' ? Number(params[1]) : Number.NaN
  if (Number.isInteger(agreementId) && agreementId > 0) return <AgreementPage agreementId={agreementId} />
  return <Board user={user} />
}
