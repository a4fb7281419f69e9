import { isCalendarDate } from '../../kernel/dates.js';
import { isCurrency } from '../../kernel/money.js';
import type { JournalEntryInput } from './journal.types.js';

/**
 * An entry's own rules, checked before anything is read or written: every problem at once. What
 * needs the database (accounts exist, the period is open) is checked by the service.
 */

export interface JournalProblem {
  field: string;
  code: string;
  message: string;
}

/** `YYYY-MM` of a valid calendar date, or null. */
export function periodOf(date: string): string | null {
  return isCalendarDate(date) ? date.slice(0, 7) : null;
}

export function validateEntry(
  input: Pick<JournalEntryInput, 'date' | 'currency' | 'lines'>,
): JournalProblem[] {
  const problems: JournalProblem[] = [];
  if (!periodOf(input.date))
    problems.push({ field: 'date', code: 'DATE_INVALID', message: `"${input.date}" is not a calendar date` });
  if (!isCurrency(input.currency))
    problems.push({
      field: 'currency',
      code: 'CURRENCY_UNKNOWN',
      message: `"${input.currency}" is not an ISO 4217 currency`,
    });
  let debit = 0;
  let credit = 0;
  input.lines.forEach((line, i) => {
    const d = line.debit ?? 0;
    const c = line.credit ?? 0;
    // One side per line: a line with both would hide a net amount and confuse every report.
    if (d > 0 === c > 0)
      problems.push({
        field: `lines[${i}]`,
        code: 'LINE_SIDE',
        message: 'a line has exactly one of debit or credit, greater than zero',
      });
    debit += d;
    credit += c;
  });
  if (!Number.isSafeInteger(debit) || !Number.isSafeInteger(credit))
    problems.push({ field: 'lines', code: 'AMOUNT_TOO_LARGE', message: 'the totals exceed a safe integer' });
  else if (debit !== credit)
    problems.push({
      field: 'lines',
      code: 'UNBALANCED',
      message: `debits (${debit}) do not equal credits (${credit})`,
    });
  return problems;
}
