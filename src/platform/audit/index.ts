export { auditMigrations } from './audit.schema.js';
export { GENESIS_HASH } from './audit-chain.js';
export { AuditErrors, type AuditLogOptions, createAuditLog } from './audit-log.js';
