import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { draftPurchaseOrder, receivePurchaseOrder, sendPurchaseOrder } from './procurement.lifecycle.js';
import { type MatchInput, matchInvoice } from './procurement.match.js';
import { acceptedOf, receivedByLine } from './procurement.quantities.js';
import type {
  ProcurementTolerances,
  PurchaseOrder,
  PurchaseOrderState,
  Receipt,
  ReceiptLine,
  SupplierInvoice,
  SupplierInvoiceLine,
} from './procurement.types.js';

/** Few SKUs, so that a SKU often sits on several PO lines and the fill order gets exercised. */
const SKUS = ['SKU-A', 'SKU-B', 'SKU-C'];

const poArb: fc.Arbitrary<PurchaseOrder> = fc
  .uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 })
  .chain((lineNos) =>
    fc.tuple(
      ...lineNos.map((lineNo) =>
        fc.record({
          lineNo: fc.constant(lineNo),
          sku: fc.constantFrom(...SKUS),
          quantityOrdered: fc.integer({ min: 1, max: 100 }),
          unitCost: fc.integer({ min: 0, max: 100_000 }),
          expectedDate: fc.constant('2026-03-10'),
        }),
      ),
    ),
  )
  .map((lines) => ({ number: 'PO-1', supplier: 'ACME', shipTo: 'WH1', currency: 'EUR', lines }));

const toleranceArb: fc.Arbitrary<ProcurementTolerances> = fc.record(
  {
    overReceipt: fc.record({ basisPoints: fc.integer({ min: 0, max: 2000 }) }, { requiredKeys: [] }),
    invoiceQuantity: fc.record(
      { basisPoints: fc.integer({ min: 0, max: 2000 }), absolute: fc.integer({ min: 0, max: 5 }) },
      { requiredKeys: [] },
    ),
    price: fc.record(
      { basisPoints: fc.integer({ min: 0, max: 1000 }), absolute: fc.integer({ min: 0, max: 500 }) },
      { requiredKeys: [] },
    ),
    total: fc.record(
      { basisPoints: fc.integer({ min: 0, max: 500 }), absolute: fc.integer({ min: 0, max: 5000 }) },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/** A receipt line spec: which PO line (by position), named or by SKU only, how many, how many broken. */
const lineSpecArb = fc.record({
  pick: fc.nat(),
  explicit: fc.boolean(),
  quantity: fc.integer({ min: 0, max: 60 }),
  damagedPct: fc.integer({ min: 0, max: 100 }),
});
type LineSpec = { pick: number; explicit: boolean; quantity: number; damagedPct: number };

function receiptOf(po: PurchaseOrder, id: string, specs: LineSpec[]): Receipt {
  const named = new Set<number>();
  const lines: ReceiptLine[] = [];
  for (const s of specs) {
    const target = po.lines[s.pick % po.lines.length]!;
    const line: ReceiptLine = {
      sku: target.sku,
      quantityReceived: s.quantity,
      quantityDamaged: Math.floor((s.quantity * s.damagedPct) / 100),
    };
    // One line per named PO line (a second would be a LINE_DUPLICATE, not what is under test).
    if (s.explicit && !named.has(target.lineNo)) {
      named.add(target.lineNo);
      line.poLineNo = target.lineNo;
    }
    lines.push(line);
  }
  if (lines.every((l) => l.quantityReceived === 0)) lines[0]!.quantityReceived = 1;
  return { id, poNumber: po.number, receivedAt: '2026-03-09T10:00:00Z', lines };
}

/** Deterministic shuffle (a seeded LCG), so that a failing case replays. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('PO lifecycle properties', () => {
  it('is received iff every line has received at least what it ordered; units are conserved', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('fill' as const) }),
      fc.record({
        kind: fc.constant('random' as const),
        specs: fc.array(lineSpecArb, { minLength: 1, maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(
        poArb,
        toleranceArb,
        fc.array(step, { minLength: 1, maxLength: 6 }),
        (po, tolerances, steps) => {
          const first = sendPurchaseOrder(draftPurchaseOrder(po), { at: '2026-03-01T00:00:00Z' });
          if (!first.ok) throw first.error;
          let state: PurchaseOrderState = first.state;
          steps.forEach((s, i) => {
            const id = `GRN-${i}`;
            const receipt =
              s.kind === 'random'
                ? receiptOf(po, id, s.specs)
                : receiptOf(
                    po,
                    id,
                    receivedByLine(po, state.receipts).map((l) => ({
                      pick: po.lines.findIndex((x) => x.lineNo === l.lineNo),
                      explicit: true,
                      quantity: l.outstanding,
                      damagedPct: 0,
                    })),
                  );
            const outcome = receivePurchaseOrder(state, receipt, tolerances);
            if (!outcome.ok) {
              expect(outcome.error.code).toBe('ERP_PO_OVER_RECEIPT');
              return;
            }
            state = outcome.state;
            const lines = receivedByLine(po, state.receipts);
            const full = lines.every((l) => l.received >= l.ordered);
            expect(state.status === 'received').toBe(full);
            expect(state.status === 'partially_received').toBe(!full && lines.some((l) => l.received > 0));
            // Every accepted unit lands on exactly one line of its SKU.
            for (const sku of SKUS) {
              const accepted = state.receipts.flatMap((r) => r.lines).filter((l) => l.sku === sku);
              const landed = lines.filter((l) => l.sku === sku).reduce((a, l) => a + l.received, 0);
              expect(landed).toBe(accepted.reduce((a, l) => a + acceptedOf(l), 0));
            }
          });
        },
      ),
    );
  });
});

/** A PO's lines as invoice lines: named when chosen, or when their SKU is on several lines. */
function invoiceLinesOf(po: PurchaseOrder, named: boolean[], taxes: number[]): SupplierInvoiceLine[] {
  const count = (sku: string) => po.lines.filter((l) => l.sku === sku).length;
  return po.lines.map((l, i) => {
    const line: SupplierInvoiceLine = {
      lineNo: i + 1,
      sku: l.sku,
      quantityInvoiced: l.quantityOrdered,
      unitPrice: l.unitCost,
      tax: taxes[i % taxes.length]!,
    };
    if (named[i % named.length] || count(l.sku) > 1) line.poLineNo = l.lineNo;
    return line;
  });
}

describe('three-way match properties', () => {
  it('matches identical PO, receipt and invoice, with zero variance, whatever the tolerances', () => {
    fc.assert(
      fc.property(
        poArb,
        toleranceArb,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (po, tolerances, named, taxes, stateTotal) => {
          const receipt: Receipt = {
            id: 'GRN-1',
            poNumber: po.number,
            receivedAt: '2026-03-09T10:00:00Z',
            lines: po.lines.map((l) => ({
              sku: l.sku,
              poLineNo: l.lineNo,
              quantityReceived: l.quantityOrdered,
            })),
          };
          const lines = invoiceLinesOf(po, named, taxes);
          const net = po.lines.reduce((a, l) => a + l.quantityOrdered * l.unitCost, 0);
          const tax = lines.reduce((a, l) => a + l.tax, 0);
          const invoice: SupplierInvoice = {
            number: 'INV-1',
            supplier: 'ACME',
            poNumber: 'PO-1',
            currency: 'EUR',
            lines,
          };
          if (stateTotal) invoice.total = net + tax;
          const r = matchInvoice({ po, receipts: [receipt], invoice, tolerances });
          expect(r.status).toBe('matched');
          expect(r.discrepancies).toEqual([]);
          expect(r.amounts).toMatchObject({
            priceVariance: 0,
            quantityVariance: 0,
            headerDifference: 0,
            grniCleared: net,
            invoiceTotal: net + tax,
            approved: net + tax,
            held: 0,
          });
        },
      ),
    );
  });

  /** Anything plausible: partial and damaged receipts, stray SKUs, off prices, prior invoices. */
  const scenarioArb: fc.Arbitrary<MatchInput> = poArb.chain((po) =>
    fc
      .record({
        receipts: fc.array(fc.array(lineSpecArb, { minLength: 1, maxLength: 4 }), { maxLength: 3 }),
        lines: fc.array(
          fc.record({
            pick: fc.nat(),
            stray: fc.boolean(),
            named: fc.boolean(),
            quantity: fc.integer({ min: 1, max: 150 }),
            priceDelta: fc.oneof(fc.constant(0), fc.integer({ min: -300, max: 300 })),
            tax: fc.integer({ min: 0, max: 10_000 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        totalDelta: fc.option(fc.integer({ min: -2000, max: 2000 })),
        prior: fc.option(fc.integer({ min: 1, max: 80 })),
        tolerances: toleranceArb,
      })
      .map((g) => {
        const lines = g.lines.map((s, i): SupplierInvoiceLine => {
          const target = po.lines[s.pick % po.lines.length]!;
          const line: SupplierInvoiceLine = {
            lineNo: i + 1,
            sku: s.stray ? 'SKU-Z' : target.sku,
            // A stray line is one cheap unit: a small held line beside a short header total is the
            // edge case where the approved lines exceed what the supplier asks.
            quantityInvoiced: s.stray ? 1 : s.quantity,
            unitPrice: s.stray ? Math.abs(s.priceDelta) % 50 : Math.max(0, target.unitCost + s.priceDelta),
            tax: s.stray ? 0 : s.tax,
          };
          if (s.named && !s.stray) line.poLineNo = target.lineNo;
          return line;
        });
        const gross = lines.reduce((a, l) => a + l.quantityInvoiced * l.unitPrice + l.tax, 0);
        const invoice: SupplierInvoice = {
          number: 'INV-2',
          supplier: 'ACME',
          poNumber: po.number,
          currency: 'EUR',
          lines,
        };
        if (g.totalDelta !== null) invoice.total = Math.max(0, gross + g.totalDelta);
        const first = po.lines[0]!;
        const priorInvoices: SupplierInvoice[] =
          g.prior === null
            ? []
            : [
                {
                  ...invoice,
                  number: 'INV-1',
                  total: undefined,
                  lines: [
                    {
                      lineNo: 1,
                      sku: first.sku,
                      poLineNo: first.lineNo,
                      quantityInvoiced: g.prior,
                      unitPrice: first.unitCost,
                      tax: 0,
                    },
                  ],
                },
              ];
        return {
          po,
          receipts: g.receipts.map((specs, i) => receiptOf(po, `GRN-${i}`, specs)),
          invoice,
          priorInvoices,
          tolerances: g.tolerances,
        };
      }),
  );

  it('never approves more than the invoice total, and splits what it approves exactly', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const { amounts: a, status, discrepancies } = matchInvoice(input);
        expect(a.approved).toBeGreaterThanOrEqual(0);
        expect(a.approved).toBeLessThanOrEqual(a.invoiceTotal);
        expect(a.approved + a.held).toBe(a.invoiceTotal);
        if (status !== 'exception') {
          expect(a.approved).toBe(a.invoiceTotal);
          // What is paid = goods at PO cost + price and quantity variances + tax + header difference.
          expect(a.grniCleared + a.priceVariance + a.quantityVariance + a.tax + a.headerDifference).toBe(
            a.approved,
          );
        }
        if (
          discrepancies.some(
            (d) => !d.withinTolerance && (d.kind === 'total' || d.kind === 'duplicate_invoice'),
          )
        )
          expect(a.approved).toBe(0);
        expect(status === 'matched').toBe(discrepancies.length === 0);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same result whatever the order of the lines', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer(), (input, seed) => {
        const shuffled: MatchInput = {
          ...input,
          po: { ...input.po, lines: shuffle(input.po.lines, seed) },
          receipts: input.receipts.map((r, i) => ({ ...r, lines: shuffle(r.lines, seed + i + 1) })),
          invoice: { ...input.invoice, lines: shuffle(input.invoice.lines, seed - 1) },
          priorInvoices: (input.priorInvoices ?? []).map((p) => ({
            ...p,
            lines: shuffle(p.lines, seed - 2),
          })),
        };
        expect(matchInvoice(shuffled)).toEqual(matchInvoice(input));
      }),
    );
  });
});
