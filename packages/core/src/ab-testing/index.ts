export {
  erf,
  normalCdf,
  type Proportion,
  type TwoProportionTest,
  twoProportionZTest,
} from './ab-statistics.js';
export { assignVariant, hashToUnitInterval, type WeightedVariant } from './assign-variant.js';
