/** The saga runtime's public face: define flows, run them durably, inspect them. */
export { backoffDelay } from './backoff.js';
export type {
  CompensationContext,
  CompensationResult,
  FlowDefinition,
  SagaContext,
  StepContext,
  StepDefinition,
  StepDirective,
  StepResult,
} from './flow.js';
export { defineFlow } from './flow.js';
export { SAGA_WAKE_CHANNEL, sagaMigrations } from './saga.schema.js';
export type {
  Saga,
  SagaDetail,
  SagaError,
  SagaHistoryEntry,
  SagaHistoryKind,
  SagaListQuery,
  SagaRunnerConfig,
  SagaStats,
  SagaStatus,
  SagaSummary,
  SignalOptions,
  SignalOutcome,
  SignalResult,
  StartOptions,
  StartResult,
} from './saga.types.js';
export { DEFAULT_SAGA_CONFIG, SAGA_STATUSES, TERMINAL_STATUSES } from './saga.types.js';
export type { SagaAdmin } from './saga-admin.js';
export { SagaErrors } from './saga-errors.js';
export type { SagaRunner, SagaRunnerOptions } from './saga-runner.js';
export { createSagaRunner } from './saga-runner.js';
