import { integer, text } from "./functions.js";
import { type Fn, strslice, strval, toFloat, toInt } from "./sprig-cast.js";

/**
 * Sprig's conversions (spf13/cast's forgiving ones), sequences and int64 arithmetic.
 * Unprefixed: sprig.ts names them `sprig_NAME`.
 */
export const SPRIG_MATH: Readonly<Record<string, Fn>> = {
  // conversions
  atoi: ([s]) => {
    const value = text(s);
    return /^[+-]?\d+$/.test(value) ? Number(value) : 0;
  },
  int: ([v]) => toInt(v),
  int64: ([v]) => toInt(v),
  float64: ([v]) => toFloat(v),
  toDecimal: ([v]) => {
    const value = strval(v);
    return /^[+-]?[0-7]+$/.test(value) ? Number.parseInt(value, 8) : 0;
  },
  toStrings: ([v]) => strslice(v),
  // sequences
  until: ([count]) => untilStep(0, integer(count), integer(count) < 0 ? -1 : 1),
  untilStep: ([start, stop, step]) => untilStep(integer(start), integer(stop), integer(step)),
  seq: (args) => seq(args.map((arg) => integer(arg))),
  // integer arithmetic (int64)
  add1: ([v]) => toInt(v) + 1,
  add: (args) => args.reduce<number>((sum, v) => sum + toInt(v), 0),
  sub: ([a, b]) => toInt(a) - toInt(b),
  div: ([a, b]) => {
    if (toInt(b) === 0) throw new Error("runtime error: integer divide by zero");
    return Math.trunc(toInt(a) / toInt(b));
  },
  mod: ([a, b]) => {
    if (toInt(b) === 0) throw new Error("runtime error: integer divide by zero");
    return toInt(a) % toInt(b);
  },
  mul: ([a, ...rest]) => rest.reduce<number>((product, v) => product * toInt(v), toInt(a)),
  max: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.max(m, toInt(v)), toInt(a)),
  biggest: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.max(m, toInt(v)), toInt(a)),
  min: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.min(m, toInt(v)), toInt(a)),
  maxf: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.max(m, toFloat(v)), toFloat(a)),
  minf: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.min(m, toFloat(v)), toFloat(a)),
  ceil: ([v]) => Math.ceil(toFloat(v)),
  floor: ([v]) => Math.floor(toFloat(v)),
  round: ([v, places, on]) => {
    const pow = 10 ** toFloat(integer(places));
    const digit = pow * toFloat(v);
    const fraction = digit - Math.trunc(digit);
    return (
      (fraction >= (on === undefined ? 0.5 : toFloat(on)) ? Math.ceil(digit) : Math.floor(digit)) /
      pow
    );
  },
};

function untilStep(start: number, stop: number, step: number): number[] {
  const out: number[] = [];
  if (stop < start) {
    if (step >= 0) return out;
    for (let i = start; i > stop; i += step) out.push(i);
    return out;
  }
  if (step <= 0) return out;
  for (let i = start; i < stop; i += step) out.push(i);
  return out;
}

/** Sprig's `seq`, after GNU seq: `seq END`, `seq START END`, `seq START STEP END`. */
function seq(params: readonly number[]): string {
  const join = (values: number[]) => values.join(" ");
  if (params.length === 1) {
    const end = params[0] as number;
    const increment = end < 1 ? -1 : 1;
    return join(untilStep(1, end + increment, increment));
  }
  if (params.length === 2) {
    const [start, end] = params as [number, number];
    const step = end < start ? -1 : 1;
    return join(untilStep(start, end + step, step));
  }
  if (params.length === 3) {
    const [start, step, end] = params as [number, number, number];
    if (end < start) {
      if (step > 0) return "";
      return join(untilStep(start, end - 1, step));
    }
    return join(untilStep(start, end + 1, step));
  }
  return "";
}
