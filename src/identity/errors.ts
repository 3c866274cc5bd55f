/** What went wrong with the identity secret. Messages name the problem and never contain key material. */
export type IdentityErrorKind =
  | 'empty'
  | 'bad-pem'
  | 'unknown-pem-type'
  | 'too-many-keys'
  | 'malformed'
  | 'incomplete'
  | 'unsupported-algorithm'
  | 'password-required'
  | 'wrong-password'
  | 'unsupported-encryption'

export class IdentityError extends Error {
  override name = 'IdentityError'
  constructor(
    readonly kind: IdentityErrorKind,
    message: string,
  ) {
    super(message)
  }
}
