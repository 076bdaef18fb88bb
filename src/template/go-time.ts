/**
 * Go's reference-time layouts (`time.Format`): a layout is the reference time
 * Mon Jan 2 15:04:05 MST 2006 written the way the output should look. Used by
 * `timestamp`; the local time zone, as consul-template uses `time.Now()`.
 */
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const two = (n: number) => String(n).padStart(2, "0");

/** Go's layout elements, longest first where one is a prefix of another. */
const ELEMENTS: ReadonlyArray<[string, (t: Parts) => string]> = [
  ["January", (t) => MONTHS[t.month] as string],
  ["Monday", (t) => DAYS[t.weekday] as string],
  ["2006", (t) => String(t.year).padStart(4, "0")],
  ["Z07:00:00", (t) => (t.offset === 0 ? "Z" : zone(t.offset, ":", true))],
  ["-07:00:00", (t) => zone(t.offset, ":", true)],
  ["Z070000", (t) => (t.offset === 0 ? "Z" : zone(t.offset, "", true))],
  ["-070000", (t) => zone(t.offset, "", true)],
  ["Z07:00", (t) => (t.offset === 0 ? "Z" : zone(t.offset, ":"))],
  ["-07:00", (t) => zone(t.offset, ":")],
  ["Z0700", (t) => (t.offset === 0 ? "Z" : zone(t.offset, ""))],
  ["-0700", (t) => zone(t.offset, "")],
  ["Z07", (t) => (t.offset === 0 ? "Z" : zone(t.offset, "").slice(0, 3))],
  ["-07", (t) => zone(t.offset, "").slice(0, 3)],
  ["Jan", (t) => (MONTHS[t.month] as string).slice(0, 3)],
  ["Mon", (t) => (DAYS[t.weekday] as string).slice(0, 3)],
  ["MST", (t) => t.zoneName],
  ["002", (t) => String(t.yearDay).padStart(3, "0")],
  ["__2", (t) => String(t.yearDay).padStart(3, " ")],
  ["_2", (t) => String(t.day).padStart(2, " ")],
  ["01", (t) => two(t.month + 1)],
  ["02", (t) => two(t.day)],
  ["03", (t) => two(t.hour % 12 === 0 ? 12 : t.hour % 12)],
  ["04", (t) => two(t.minute)],
  ["05", (t) => two(t.second)],
  ["06", (t) => two(t.year % 100)],
  ["15", (t) => two(t.hour)],
  ["PM", (t) => (t.hour >= 12 ? "PM" : "AM")],
  ["pm", (t) => (t.hour >= 12 ? "pm" : "am")],
  ["1", (t) => String(t.month + 1)],
  ["2", (t) => String(t.day)],
  ["3", (t) => String(t.hour % 12 === 0 ? 12 : t.hour % 12)],
  ["4", (t) => String(t.minute)],
  ["5", (t) => String(t.second)],
];

interface Parts {
  year: number;
  month: number;
  day: number;
  weekday: number;
  yearDay: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  /** Seconds east of UTC. */
  offset: number;
  zoneName: string;
}

function zone(offset: number, colon: string, seconds = false): string {
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const text = `${sign}${two(Math.floor(abs / 3600))}${colon}${two(Math.floor(abs / 60) % 60)}`;
  return seconds ? `${text}${colon}${two(abs % 60)}` : text;
}

function partsOf(date: Date): Parts {
  const offset = -date.getTimezoneOffset() * 60;
  const start = new Date(date.getFullYear(), 0, 1);
  const yearDay = Math.floor((date.getTime() - start.getTime()) / 86_400_000) + 1;
  const zoneName =
    offset === 0
      ? "UTC"
      : (new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
          .formatToParts(date)
          .find((part) => part.type === "timeZoneName")?.value ?? zone(offset, ""));
  return {
    year: date.getFullYear(),
    month: date.getMonth(),
    day: date.getDate(),
    weekday: date.getDay(),
    yearDay,
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
    nanos: date.getMilliseconds() * 1_000_000,
    offset,
    zoneName,
  };
}

/** `time.Time.Format(layout)`. */
export function formatGoTime(date: Date, layout: string): string {
  const parts = partsOf(date);
  let out = "";
  let i = 0;
  outer: while (i < layout.length) {
    // Fractional seconds: .000 (fixed) or .999 (trailing zeros dropped), after a dot or comma.
    const fraction = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (fraction !== null && /[0-9]/.test(layout[i - 1] ?? "")) {
      const digits = (fraction[1] as string).length;
      let text = String(parts.nanos).padStart(9, "0").slice(0, digits);
      if ((fraction[1] as string)[0] === "9") text = text.replace(/0+$/, "");
      out += text === "" ? "" : `${layout[i]}${text}`;
      i += fraction[0].length;
      continue;
    }
    for (const [element, format] of ELEMENTS) {
      if (layout.startsWith(element, i)) {
        out += format(parts);
        i += element.length;
        continue outer;
      }
    }
    out += layout[i];
    i++;
  }
  return out;
}
