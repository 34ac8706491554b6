import { describe, expect, it } from "vitest";
import { FormParseError, parseForm } from "./form";
import { addDec, decToString, mulDec, parseDec, roundHalfUp, significantDigits } from "./decimal";
import { createPrng, shuffled } from "./prng";

describe("fake Stripe: form parsing", () => {
  it("parses Stripe's bracket encoding into nested objects and arrays", () => {
    const body =
      "mode=payment&metadata[org]=org%201&line_items[0][quantity]=1&line_items[0][price_data][unit_amount]=500&line_items[0][price_data][product_data][name]=Credit+%2B+more" +
      "&expand[0]=line_items&expand[1]=payment_intent.latest_charge&metadata[empty]=";
    expect(parseForm(body)).toEqual({
      mode: "payment",
      metadata: { org: "org 1", empty: "" },
      line_items: [{ quantity: "1", price_data: { unit_amount: "500", product_data: { name: "Credit + more" } } }],
      expand: ["line_items", "payment_intent.latest_charge"],
    });
    expect(parseForm("expand[]=a&expand[]=b")).toEqual({ expand: ["a", "b"] });
    expect(parseForm("")).toEqual({});
  });

  it("orders array items by index, not by arrival", () => {
    expect(parseForm("items[1][price]=b&items[0][price]=a")).toEqual({ items: [{ price: "a" }, { price: "b" }] });
  });

  it("refuses prototype keys, conflicts and malformed names", () => {
    expect(() => parseForm("__proto__[x]=1")).toThrow(FormParseError);
    expect(() => parseForm("a[constructor]=1")).toThrow(FormParseError);
    expect(() => parseForm("a=1&a[b]=2")).toThrow(FormParseError);
    expect(() => parseForm("a[b=1")).toThrow(FormParseError);
    expect(() => parseForm("a=%E0%A4%A")).toThrow(FormParseError);
  });
});

describe("fake Stripe: decimals and PRNG", () => {
  it("adds, multiplies and rounds half-up exactly", () => {
    const sum = addDec(parseDec("12345000000"), parseDec("5100000"));
    expect(decToString(sum)).toBe("12350100000");
    expect(roundHalfUp(mulDec(sum, parseDec("0.0000001")))).toBe(1235n);
    expect(roundHalfUp(parseDec("0.5"))).toBe(1n);
    expect(roundHalfUp(parseDec("0.4999999"))).toBe(0n);
    expect(roundHalfUp(parseDec("-2.5"))).toBe(-3n);
    expect(decToString(parseDec("1.2300"))).toBe("1.23");
  });

  it("counts significant digits strictly", () => {
    expect(significantDigits("123456789012345")).toBe(15);
    expect(significantDigits("1000000000000000")).toBe(16);
    expect(significantDigits("0.00123")).toBe(3);
    expect(significantDigits("12.50")).toBe(3);
    expect(significantDigits("0")).toBe(1);
  });

  it("shuffles reproducibly by seed", () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    expect(shuffled(items, createPrng(1))).toEqual(shuffled(items, createPrng(1)));
    expect(shuffled(items, createPrng(1))).not.toEqual(shuffled(items, createPrng(2)));
    expect([...shuffled(items, createPrng(3))].sort((a, b) => a - b)).toEqual(items);
  });
});
