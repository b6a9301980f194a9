// decimal.ts: number formatting for log messages without the standard library's radix code.
import { decimal } from "../../assembly/decimal";

describe("decimal", () => {
  it("writes 0, single digits and the powers of ten", () => {
    expect(decimal(0)).toBe("0");
    expect(decimal(7)).toBe("7");
    let power: u32 = 1;
    for (let digits = 1; digits <= 10; digits++) {
      expect(decimal(power)).toBe("1" + "0".repeat(digits - 1));
      expect(decimal(power - 1)).toBe(power == 1 ? "0" : "9".repeat(digits - 1));
      if (digits < 10) power *= 10;
    }
  });

  it("writes u32.MAX_VALUE", () => {
    expect(decimal(u32.MAX_VALUE)).toBe("4294967295");
  });

  it("agrees with toString() on a sweep of values", () => {
    let mismatches = 0;
    for (let value: u64 = 0; value <= u32.MAX_VALUE; value = value * 3 + 1) {
      if (decimal(<u32>value) != (<u32>value).toString()) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("returns independent strings (the digit buffer is reused)", () => {
    const a = decimal(12);
    const b = decimal(345);
    expect(a).toBe("12");
    expect(b).toBe("345");
  });
});
