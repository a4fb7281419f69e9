/**
 * Unit tests of the custom JSONata functions channel transforms may call ($stripHtml, $truncate,
 * $convertUnit, $formatPrice), called directly; the engine that registers them is tested in
 * syndication.compile.test.ts and syndication.apply.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertUnit, formatPrice, stripHtml, truncate } from './syndication.functions.js';

describe('$stripHtml', () => {
  it('removes tags, decodes entities once and collapses whitespace', () => {
    expect(
      stripHtml('<p>Cool <b>linen</b>\n\n  &amp; <i>cotton</i>&nbsp;&mdash; 100&#37; &#x2713;</p>'),
    ).toBe('Cool linen & cotton — 100% ✓');
    // Decoded after the tags are gone, in one pass: escaped markup stays text, `&amp;lt;` stays `&lt;`.
    expect(stripHtml('&lt;b&gt;bold&lt;/b&gt; &amp;lt;')).toBe('<b>bold</b> &lt;');
    expect(stripHtml('&unknown; &copy &#0; &#xD800; &#99999999;')).toBe(
      '&unknown; &copy \ufffd \ufffd &#99999999;',
    );
    expect(stripHtml('caf&eacute; &quot;Gr&uuml;&szlig;e&quot; &#39;x&#39;')).toBe('café "Grüße" \'x\'');
  });

  it('separates block elements and joins inline ones', () => {
    expect(stripHtml('<ul><li>One</li><li>Two</li></ul><p>Three<br/>Four</p>')).toBe('One Two Three Four');
    expect(stripHtml('<div><span>Lin</span><em>en</em></div>')).toBe('Linen');
    expect(
      stripHtml('<div><div><section><p>deep <strong><em>nest</em></strong></p></section></div></div>'),
    ).toBe('deep nest');
  });

  it('drops script and style contents, even when they hold markup', () => {
    expect(
      stripHtml(
        'a<script type="text/javascript">if (x < 1 && y > 2) { document.write("</p><b>") }</script>b',
      ),
    ).toBe('ab');
    expect(stripHtml('a<SCRIPT>alert(1)</SCRIPT >b<style>p > b { color: red }</style>c')).toBe('abc');
    // `</scripts>` does not close <script>; an unclosed script swallows the rest rather than leaking it.
    expect(stripHtml('x<script>var s = "</scripts>"; steal()</script>y')).toBe('xy');
    expect(stripHtml('visible<script>never closed <p>secret</p>')).toBe('visible');
    expect(stripHtml('a<!-- <p>hidden</p> -->b<!DOCTYPE html><![CDATA[x]]>c<?xml version="1.0"?>d')).toBe(
      'abcd',
    );
  });

  it('is not fooled by > inside quoted attributes, and keeps a lone <', () => {
    expect(stripHtml('<a title="x > y" data-q=\'1>0\' href=/p>link</a> text')).toBe('link text');
    expect(stripHtml('<img alt="<script>" src="a.png">after')).toBe('after');
    expect(stripHtml('3 < 5 and 5 > 3, a <- b')).toBe('3 < 5 and 5 > 3, a <- b');
    // A quote that does not open a value does not swallow the rest.
    expect(stripHtml('<br">after')).toBe('after');
  });

  it('runs in linear time on hostile input', () => {
    const hostile = `${'<a title="'.repeat(50_000)}${'<'.repeat(100_000)}${'&#'.repeat(100_000)}`;
    const started = performance.now();
    expect(typeof stripHtml(hostile)).toBe('string');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('passes undefined through and rejects non-strings', () => {
    expect(stripHtml(undefined)).toBeUndefined();
    expect(() => stripHtml(42)).toThrow(/stripHtml: expects a string/);
  });
});

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('$truncate', () => {
  it('leaves strings of at most n code points alone, exact length included', () => {
    expect(truncate('Linen shirt', 11)).toBe('Linen shirt');
    expect(truncate('Linen shirt', 200)).toBe('Linen shirt');
    // 5 emoji = 10 UTF-16 units but 5 code points: exactly the limit, not cut.
    expect(truncate('😀😀😀😀😀', 5)).toBe('😀😀😀😀😀');
    expect(truncate('', 0)).toBe('');
  });

  it('cuts at a word boundary with an ellipsis that counts', () => {
    expect(truncate('Linen shirt with pockets', 12)).toBe('Linen shirt…');
    expect(truncate('Linen shirt with pockets', 16)).toBe('Linen shirt…');
    expect(truncate('Linen shirt with pockets', 17)).toBe('Linen shirt with…');
    expect(truncate('Linen shirt, blue', 13)).toBe('Linen shirt,…');
  });

  it('cuts a long word hard rather than keeping too little', () => {
    expect(truncate('Ab Donaudampfschifffahrtsgesellschaft', 10)).toBe('Ab Donaud…');
    expect(truncate('Supercalifragilistic', 8)).toBe('Superca…');
    expect(truncate('abc', 1)).toBe('…');
    expect(truncate('abc', 0)).toBe('');
    expect(truncate('abcdef', 2.9)).toBe('a…');
  });

  it('counts emoji as one and never splits a surrogate pair', () => {
    expect(truncate('😀😀😀😀😀😀', 5)).toBe('😀😀😀😀…');
    expect(truncate('I ❤️ 🐕🐕🐕🐕🐕🐕', 6)).toBe('I ❤️…');
    expect(truncate('👍👍👍 ok', 3)).toBe('👍👍…');
    // A zero-width joiner is not left dangling at the end.
    expect(truncate('ab👨‍👩‍👧', 4)).toBe('ab👨…');
  });

  it('never exceeds n code points (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.nat(80), (s, n) => {
        const r = truncate(s, n)!;
        const points = [...r].length;
        expect(points).toBeLessThanOrEqual(n);
        if ([...s].length <= n) expect(r).toBe(s);
        else if (n > 0) expect(r.endsWith('…')).toBe(true);
        expect(r).not.toMatch(LONE_SURROGATE);
      }),
    );
  });

  it('passes undefined through and rejects bad arguments', () => {
    expect(truncate(undefined, 3)).toBeUndefined();
    expect(() => truncate(5, 3)).toThrow(/expects a string/);
    expect(() => truncate('abc', -1)).toThrow(/length/);
    expect(() => truncate('abc', Number.NaN)).toThrow(/length/);
  });
});

describe('$convertUnit', () => {
  it('converts mass, length and volume both ways, to 6 significant digits', () => {
    expect(convertUnit({ amount: 1250, unit: 'g' }, 'kg')).toBe(1.25);
    expect(convertUnit({ amount: 1.25, unit: 'kg' }, 'g')).toBe(1250);
    expect(convertUnit({ amount: 1, unit: 'lb' }, 'kg')).toBe(0.453592);
    expect(convertUnit({ amount: 1, unit: 'kg' }, 'lb')).toBe(2.20462);
    expect(convertUnit({ amount: 16, unit: 'oz' }, 'lb')).toBe(1);
    expect(convertUnit({ amount: 1, unit: 'oz' }, 'g')).toBe(28.3495);
    expect(convertUnit({ amount: 1, unit: 'in' }, 'cm')).toBe(2.54);
    expect(convertUnit({ amount: 100, unit: 'cm' }, 'in')).toBe(39.3701);
    expect(convertUnit({ amount: 3, unit: 'ft' }, 'm')).toBe(0.9144);
    expect(convertUnit({ amount: 1, unit: 'm' }, 'mm')).toBe(1000);
    expect(convertUnit({ amount: 750, unit: 'ml' }, 'l')).toBe(0.75);
    expect(convertUnit({ amount: 1.5, unit: 'l' }, 'ml')).toBe(1500);
    expect(convertUnit({ amount: 0.1 + 0.2, unit: 'kg' }, 'kg')).toBe(0.3);
    expect(convertUnit({ amount: 1, unit: 'g' }, 'g')).toBe(1);
    expect(convertUnit({ amount: 0, unit: 'kg' }, 'lb')).toBe(0);
    expect(convertUnit({ amount: 1, unit: 'KG' }, 'G')).toBe(1000);
  });

  it('refuses incompatible or unknown units', () => {
    expect(() => convertUnit({ amount: 1, unit: 'kg' }, 'cm')).toThrow(
      /cannot convert kg \(mass\) to cm \(length\)/,
    );
    expect(() => convertUnit({ amount: 1, unit: 'l' }, 'kg')).toThrow(/cannot convert/);
    expect(() => convertUnit({ amount: 1, unit: 'kg' }, 'stone')).toThrow(/unknown unit "stone"/);
    expect(() => convertUnit({ amount: 1, unit: 'constructor' }, 'kg')).toThrow(/unknown unit/);
    expect(() => convertUnit({ amount: '1', unit: 'kg' }, 'g')).toThrow(/measure/);
    expect(convertUnit(undefined, 'kg')).toBeUndefined();
  });
});

describe('$formatPrice', () => {
  const prices = [
    { amount: 1299, currency: 'USD' },
    { amount: 1299, currency: 'JPY' },
    { amount: 12990, currency: 'KWD' },
    { amount: 5, currency: 'EUR' },
  ];

  it('formats with the currency exponent', () => {
    expect(formatPrice(prices, 'USD')).toBe('12.99 USD');
    expect(formatPrice(prices, 'JPY')).toBe('1299 JPY');
    expect(formatPrice(prices, 'KWD')).toBe('12.990 KWD');
    expect(formatPrice(prices, 'EUR')).toBe('0.05 EUR');
    expect(formatPrice({ amount: 100, currency: 'USD' }, 'USD')).toBe('1.00 USD');
  });

  it('gives undefined when there is no price in that currency', () => {
    expect(formatPrice(prices, 'CHF')).toBeUndefined();
    expect(formatPrice([], 'USD')).toBeUndefined();
    expect(formatPrice(undefined, 'USD')).toBeUndefined();
  });

  it('refuses bad currencies and amounts', () => {
    expect(() => formatPrice(prices, 'usd')).toThrow(/ISO 4217/);
    expect(() => formatPrice([{ amount: 12.5, currency: 'USD' }], 'USD')).toThrow(/minor units/);
    expect(() => formatPrice([{ amount: 1, currency: 'XYZ' }], 'XYZ')).toThrow();
  });
});
