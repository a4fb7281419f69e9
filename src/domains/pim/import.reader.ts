/**
 * Streaming readers for the PIM's bulk import files: CSV (RFC 4180, with a header row) and JSON Lines.
 *
 * Both yield, in file order, a record or the errors of one bad row, with the physical line the row
 * starts on, and throw a `FileFormatError` only when the rest of the file cannot be read reliably
 * (after yielding the rows before it). Memory stays bounded: a field or line over the limit is
 * skipped as it streams by, never buffered whole.
 *
 * The readers live in their parts and this module is their public face, which callers import:
 * import.reader.scanner.ts (the shared types, `FileFormatError` and the scanner base),
 * import.reader.csv.ts (the CSV tokenizer) and import.reader.jsonl.ts (JSON Lines).
 */

export { type CsvReadOptions, type CsvRecord, readCsvRecords } from './import.reader.csv.js';
export { type JsonlReadOptions, type JsonRecord, readJsonlRecords } from './import.reader.jsonl.js';
export { FileFormatError, type ReaderItem, type ReaderSource } from './import.reader.scanner.js';
