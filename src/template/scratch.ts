import { StrongboxError } from "../errors.js";
import { type At, type RenderContext, where } from "./context.js";
import { byteSorted } from "./go-format.js";
import { isObject, NO_VALUE, type Value } from "./values.js";

type Pad = Map<string, Value>;

/** A method of the pad: the key, then the method's other arguments. */
type Method = (pad: Pad, key: string, second: Value, third: Value) => Value;

/** `scratch.Key/Get/Set/SetX/MapSet/MapSetX/MapValues`, as consul-template's Scratch has them. */
const METHODS: Readonly<Record<string, Method>> = {
  Key: (pad, k) => pad.has(k),
  Get: (pad, k) => (pad.has(k) ? pad.get(k) : NO_VALUE),
  Set: (pad, k, second) => {
    pad.set(k, second);
    return "";
  },
  SetX: (pad, k, second) => {
    if (!pad.has(k)) pad.set(k, second);
    return "";
  },
  MapSet: (pad, k, second, third) => {
    mapAt(pad, k)[String(second)] = third;
    return "";
  },
  MapSetX: (pad, k, second, third) => {
    const target = mapAt(pad, k);
    if (!Object.hasOwn(target, String(second))) target[String(second)] = third;
    return "";
  },
  MapValues: (pad, k) => {
    const target = pad.get(k);
    if (!isObject(target)) return [];
    return byteSorted(Object.keys(target)).map((entry) => target[entry]);
  },
};

/** Calls method `name` of the render's scratch pad. */
export function scratchCall(
  pad: Pad,
  name: string,
  args: Value[],
  at: At,
  ctx: RenderContext,
): Value {
  const [key, second, third] = args;
  const method = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
  if (method === undefined)
    throw new StrongboxError("E_TEMPLATE", `${where(ctx, at)}: scratch has no method ${name}`, {
      hint: "scratch has Key, Get, Set, SetX, MapSet, MapSetX and MapValues",
    });
  return method(pad, String(key), second, third);
}

/** The map stored under `key`, made (replacing whatever was there) when there is none. */
function mapAt(pad: Pad, key: string): Record<string, Value> {
  const existing = pad.get(key);
  if (isObject(existing)) return existing;
  const fresh: Record<string, Value> = {};
  pad.set(key, fresh);
  return fresh;
}
