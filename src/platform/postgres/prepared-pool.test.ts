import { describe, expect, it } from 'vitest';
import { StatementNames } from './prepared-pool.js';

describe('StatementNames', () => {
  it('prepares a text from its second use on, under one stable name', () => {
    const names = new StatementNames();
    const text = 'insert into t (a) values ($1)';
    expect(names.nameFor(text)).toBeUndefined();
    const name = names.nameFor(text);
    expect(name).toMatch(/^keel_\d+$/);
    expect(names.nameFor(text)).toBe(name);
    expect(names.nameFor('select a from t where b = $1')).toBeUndefined();
    expect(names.nameFor('select a from t where b = $1')).not.toBe(name);
  });

  it('never prepares statements whose result follows the table shape', () => {
    const names = new StatementNames();
    for (const text of [
      'select * from t',
      'insert into t (a) values ($1) returning *',
      'select "t".* from t',
    ]) {
      names.nameFor(text);
      expect(names.nameFor(text)).toBeUndefined();
    }
    names.nameFor('select count(*) from t');
    expect(names.nameFor('select count(*) from t')).toMatch(/^keel_/);
  });

  it('stops preparing new texts past its cap', () => {
    const names = new StatementNames();
    let prepared = 0;
    for (let i = 0; i < 600; i++) {
      const text = `select ${i} from t`;
      names.nameFor(text);
      if (names.nameFor(text)) prepared++;
    }
    expect(prepared).toBe(512);
  });
});
