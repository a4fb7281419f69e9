import type { FieldError } from './catalog.types.js';

/** The workflow's options and results, shared by the workflow and publishing. */
export interface TransitionOptions {
  comment?: string;
  /** publish/retire: only these channels (default: every channel). */
  channels?: string[];
}

export interface TransitionResult {
  id: string;
  ok: boolean;
  status?: string;
  /** publish: the channel × locale pairs now live, and those skipped as incomplete. */
  published?: { channel: string; locale: string }[];
  skipped?: { channel: string; locale: string; missing: string[] }[];
  errors?: FieldError[];
}
