export {
  createPiiStreamUnmasker,
  createPiiVault,
  type MaskedText,
  type MaskPiiOptions,
  maskPii,
  type PiiStreamUnmasker,
  type PiiVault,
  unmaskPii,
} from './mask-pii.js';
export {
  findPii,
  type PiiKind,
  type PiiMatch,
  passesIbanCheck,
  piiKinds,
} from './pii-detectors.js';
