import { sql } from 'kysely';
import type { Migration } from '../../kernel/ports/store.js';

/**
 * The product search index: one document per (product, locale) holding the product's searchable
 * text in that locale (SKU + searchable text/richtext values), maintained by `searchIndexHook` in
 * the writer's transaction.
 *
 * The text is normalized before it reaches the engine (lower case, accents folded, split into
 * letter/digit words joined by single spaces — see `searchText` in search.index.ts), and queries go
 * through the same function: both engines then see the same words, so results do not depend on
 * the backend's tokenizer (PostgreSQL's parser would otherwise keep `t-shirt`, `3.5` or
 * `a.b@c.de` whole where FTS5 splits them).
 *
 * SQLite: an FTS5 index `pim_search` over an external-content table `pim_search_docs`. A plain
 * FTS5 table could only find a product's rows to replace by scanning (UNINDEXED columns are not
 * indexed), which would make a large import quadratic; the content table has an index on
 * (product_id, locale), and triggers keep the FTS index in step with it, so the write path only
 * deletes and inserts rows of `pim_search_docs` by product id. The text is stored once (FTS5 reads
 * it from the content table). Tokenizer `unicode61 remove_diacritics 2` (a second line of defence:
 * the text is already folded). No prefix indexes (`prefix='2 3'`): measured on 300k documents they
 * added ~70 % to the indexing cost (in the bulk import's budget) and did not make type-ahead
 * measurably faster — a prefix query is a range scan of the sorted term index, and its time goes
 * into ranking the matches, which prefix indexes do not change.
 *
 * PostgreSQL: `pim_search` with a stored generated `tsvector` and a GIN index. The text search
 * configuration is `simple` (lower-casing, no stemming, no stop words): the catalog is
 * multi-language, a row's language is known only as a locale code, and a language-specific
 * configuration would stem French text with English rules (and drop words such as "the" or "a" that
 * may be part of a product name). Accents are folded by the PIM itself, not by `unaccent`, which
 * needs CREATE EXTENSION (superuser, or a trusted-extension grant) that a hosted database may refuse.
 */
export const searchMigration: Migration = {
  id: '004_search',
  up: async (db, dialect) => {
    if (dialect === 'sqlite') {
      await sql`CREATE TABLE pim_search_docs (
        id INTEGER PRIMARY KEY,
        product_id TEXT NOT NULL,
        locale TEXT NOT NULL,
        text TEXT NOT NULL
      )`.execute(db);
      await sql`CREATE UNIQUE INDEX pim_search_docs_product ON pim_search_docs (product_id, locale)`.execute(
        db,
      );
      await sql`CREATE VIRTUAL TABLE pim_search USING fts5(
        product_id UNINDEXED,
        locale UNINDEXED,
        text,
        content = 'pim_search_docs',
        content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
      )`.execute(db);
      await sql`CREATE TRIGGER pim_search_docs_ai AFTER INSERT ON pim_search_docs BEGIN
        INSERT INTO pim_search (rowid, product_id, locale, text) VALUES (new.id, new.product_id, new.locale, new.text);
      END`.execute(db);
      await sql`CREATE TRIGGER pim_search_docs_ad AFTER DELETE ON pim_search_docs BEGIN
        INSERT INTO pim_search (pim_search, rowid, product_id, locale, text)
          VALUES ('delete', old.id, old.product_id, old.locale, old.text);
      END`.execute(db);
      await sql`CREATE TRIGGER pim_search_docs_au AFTER UPDATE ON pim_search_docs BEGIN
        INSERT INTO pim_search (pim_search, rowid, product_id, locale, text)
          VALUES ('delete', old.id, old.product_id, old.locale, old.text);
        INSERT INTO pim_search (rowid, product_id, locale, text) VALUES (new.id, new.product_id, new.locale, new.text);
      END`.execute(db);
      return;
    }
    await sql`CREATE TABLE pim_search (
      product_id text NOT NULL,
      locale text NOT NULL,
      text text NOT NULL,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED,
      PRIMARY KEY (product_id, locale)
    )`.execute(db);
    await sql`CREATE INDEX pim_search_tsv ON pim_search USING gin (tsv)`.execute(db);
  },
};

/** The table the write path fills: the FTS5 content table on SQLite, the indexed table on PostgreSQL. */
export const searchDocsTable = (dialect: 'sqlite' | 'postgres') =>
  dialect === 'sqlite' ? 'pim_search_docs' : 'pim_search';
