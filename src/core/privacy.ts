import { createHash } from 'node:crypto'

/** '13812345678' → '138****5678': enough to recognise one's own number, not to call it. */
export const maskPhone = (phone: string | null) =>
  phone && phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : phone ? '****' : null

/** Hex SHA-256: how tokens and keys are stored, so that a database copy holds no usable secret. */
export const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
