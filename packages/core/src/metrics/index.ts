export {
  type ChurnPreventionMetricsReport,
  type ComputeChurnPreventionMetricsInput,
  computeChurnPreventionMetrics,
} from './compute-churn-prevention-metrics.js';
export {
  isSuccessfulSession,
  type MetricsCustomer,
  type MetricsSession,
  sessionResolutionSeconds,
} from './metrics-session.js';
export {
  type ResolutionTimeSummary,
  summariseResolutionTimes,
} from './summarise-resolution-times.js';
