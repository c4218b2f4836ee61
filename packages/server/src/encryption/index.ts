export {
  identitySecretContext,
  identitySecretEncryptorOf,
  useIdentitySecretEncryptor,
} from '../storage/tenant-access-repositories.js';
export { encryptionKeyFileName, resolveFieldEncryptor } from './encryption-key.js';
export {
  type EncryptionKeyUsage,
  encryptionKeyUsage,
  unknownEncryptionKeys,
} from './encryption-key-usage.js';
export {
  createFieldEncryptor,
  type EncryptionKey,
  encryptedValuePrefix,
  encryptionKeyId,
  type FieldEncryptor,
  isEncryptedValue,
  parseEncryptionKeys,
} from './field-encryptor.js';
export { type EncryptionRotationReport, rotateEncryption } from './rotate-encryption.js';
