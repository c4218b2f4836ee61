export {
  defaultRetentionPolicy,
  getRetentionPolicy,
  type RetentionPolicy,
  UpdateRetentionPolicySchema,
  updateRetentionPolicy,
} from './retention-policy.js';
export {
  type RetentionCounts,
  type RetentionReport,
  type RunRetentionOptions,
  retentionLockKey,
  runRetention,
} from './run-retention.js';
