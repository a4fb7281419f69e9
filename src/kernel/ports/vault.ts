/**
 * The Vault port: envelope encryption of sensitive fields with per-subject data keys, so that
 * destroying a subject's key crypto-shreds everything encrypted with it. Adapters arrive with the
 * CRM/privacy work; the contract is fixed here so domains can depend on it.
 */
export interface Vault {
  encrypt(subject: string, plaintext: string): Promise<string>;
  decrypt(subject: string, ciphertext: string): Promise<string>;
  /** A keyed hash for lookups (blind index) that does not reveal the value. */
  blindIndex(value: string): string;
  /** Destroy the subject's data key; everything encrypted with it becomes unreadable. */
  shred(subject: string): Promise<void>;
  rotateMasterKey(): Promise<void>;
}
