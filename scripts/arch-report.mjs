// Prints the shape of src/ the way the architecture tests count it: import
// cycles and arrows against the declared floors, long functions and files, and
// what the CLI's commands import from the library's insides.
// Usage: npm run build && node scripts/arch-report.mjs [--list]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const arch = await import(join(root, "dist/test/helpers/architecture.js"));
const list = process.argv.includes("--list");

const files = arch.sourceFiles(arch.srcOf(root));
const arrows = arch.importArrows(files);
const cross = arch.roomArrows(arrows);
const rooms = new Set(files.map((file) => arch.roomOf(file.path)));
const cycles = arch.roomCycles(arrows);
const onCycle = cross.filter((arrow) =>
  cycles.some((c) => c.includes(arch.roomOf(arrow.from)) && c.includes(arch.roomOf(arrow.to))),
);
const against = arch.arrowsAgainstTheOrder(arrows);
const againstRooms = [
  ...new Set(against.map((a) => `${arch.roomOf(a.from)} -> ${arch.roomOf(a.to)}`)),
];
const longFunctions = arch.longFunctions(files);
const longFiles = arch.longFiles(files);
const commands = arch.commandImports(arrows);
const lines = files.reduce((sum, file) => sum + file.text.split("\n").length - 1, 0);

const rows = [
  ["source files / lines", `${files.length} / ${lines}`],
  ["rooms (top-level folders and files)", rooms.size],
  ["import cycles between rooms", `${cycles.length} (${onCycle.length} arrows on them)`],
  ["room pairs against the floor order", `${againstRooms.length} (${against.length} arrows)`],
  [
    "functions over 60 own lines",
    `${longFunctions.length} (longest ${longFunctions[0]?.ownLines ?? 0})`,
  ],
  ["files over 400 lines", longFiles.length],
  ["command imports outside the public library", commands.length],
];
for (const [name, value] of rows) console.log(`${String(name).padEnd(46)} ${value}`);
if (list) {
  console.log("\ncycles:", cycles.map((c) => c.join(" ")).join(" | ") || "none");
  console.log(`\nagainst the order:\n  ${againstRooms.sort().join("\n  ") || "none"}`);
  console.log("\nlong functions:");
  for (const f of longFunctions)
    console.log(`  ${String(f.ownLines).padStart(4)}  ${f.file}:${f.line} ${f.name}`);
  console.log("\nlong files:");
  for (const f of longFiles) console.log(`  ${String(f.lines).padStart(4)}  ${f.file}`);
  console.log(`\ncommand imports:\n  ${commands.join("\n  ")}`);
}
