/**
 * One command's code cache file: the V8 cache of each CLI chunk the command
 * loaded, by chunk name. A file that does not parse is no cache at all (the
 * launcher then compiles from source and writes a new one); whether it may be
 * read is the launcher's ownership check, not this format's.
 *
 * Layout: a magic word, then per chunk `u16 name length, name (ASCII), u32
 * data length, data`, all little-endian.
 */
const MAGIC = 0x53424331; // "SBC1"

/** The caches in `file`, or undefined when it is not one this format wrote. */
export function decodeCaches(file: Buffer): Map<string, Buffer> | undefined {
  if (file.length < 4 || file.readUInt32LE(0) !== MAGIC) return undefined;
  const caches = new Map<string, Buffer>();
  let at = 4;
  while (at < file.length) {
    if (at + 2 > file.length) return undefined;
    const nameEnd = at + 2 + file.readUInt16LE(at);
    if (nameEnd + 4 > file.length) return undefined;
    const name = file.toString("latin1", at + 2, nameEnd);
    const dataEnd = nameEnd + 4 + file.readUInt32LE(nameEnd);
    if (dataEnd > file.length) return undefined;
    caches.set(name, file.subarray(nameEnd + 4, dataEnd));
    at = dataEnd;
  }
  return caches;
}

/** The file holding `caches` (chunk name to V8 cache data). */
export function encodeCaches(caches: ReadonlyMap<string, Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4)];
  (parts[0] as Buffer).writeUInt32LE(MAGIC);
  for (const [name, data] of caches) {
    const head = Buffer.alloc(2 + name.length + 4);
    head.writeUInt16LE(name.length, 0);
    head.write(name, 2, "latin1");
    head.writeUInt32LE(data.length, 2 + name.length);
    parts.push(head, data);
  }
  return Buffer.concat(parts);
}
