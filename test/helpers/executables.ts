/**
 * Reads executables of the three formats a release ships (ELF, Mach-O, PE) far enough to say
 * what they are and what a Node.js single executable application carries, without running
 * them: the machine, the embedded SEA blob (an ELF note, a Mach-O section `NODE_SEA/
 * __NODE_SEA_BLOB`, a PE resource RCDATA `NODE_SEA_BLOB`, as Node's SEA documentation places
 * it), and for Mach-O the ad-hoc code signature, checked page by page as macOS checks it.
 * Written from the formats' specifications; a malformed file throws.
 */
import { createHash } from "node:crypto";

export interface ExecutableFacts {
  format: "elf" | "macho" | "pe";
  machine: string;
  /** The SEA blob, when there is one. */
  seaBlob: Buffer | undefined;
  /** PE only: whether the certificate table (an Authenticode signature) is there. */
  certificateTable?: boolean;
}

/** Node's SEA blob starts with this magic (little endian). */
export const SEA_MAGIC = 0x0143da20;
/** The fuse Node flips to `:1` in an executable that carries an application. */
export const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1";

const ELF_MACHINES: Record<number, string> = { 62: "x86_64", 183: "aarch64" };
const MACHO_CPUS: Record<number, string> = { 16777223: "x86_64", 16777228: "aarch64" };
const PE_MACHINES: Record<number, string> = { 34404: "x86_64", 43620: "aarch64" };

const cstring = (b: Buffer, start: number, max: number) => {
  const end = b.indexOf(0, start);
  return b.toString("latin1", start, end === -1 || end > start + max ? start + max : end);
};

export function readExecutable(b: Buffer): ExecutableFacts {
  if (b.readUInt32BE(0) === 0x7f454c46) return readElf(b);
  if (b.readUInt32LE(0) === 0xfeedfacf) return readMachO(b);
  if (b.toString("latin1", 0, 2) === "MZ") return readPe(b);
  throw new Error(`not an ELF, 64-bit Mach-O or PE file (starts ${b.subarray(0, 4).toString("hex")})`);
}

function readElf(b: Buffer): ExecutableFacts {
  if (b[4] !== 2 || b[5] !== 1) throw new Error("not a 64-bit little-endian ELF file");
  const machine = ELF_MACHINES[b.readUInt16LE(18)] ?? `elf machine ${b.readUInt16LE(18)}`;
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  let seaBlob: Buffer | undefined;
  for (let i = 0; i < b.readUInt16LE(56); i++) {
    const ph = phoff + i * phentsize;
    if (b.readUInt32LE(ph) !== 4) continue; // PT_NOTE
    const start = Number(b.readBigUInt64LE(ph + 8));
    const end = start + Number(b.readBigUInt64LE(ph + 32));
    for (let at = start; at + 12 <= end; ) {
      const namesz = b.readUInt32LE(at);
      const descsz = b.readUInt32LE(at + 4);
      const desc = at + 12 + ((namesz + 3) & ~3);
      if (cstring(b, at + 12, namesz) === "NODE_SEA_BLOB") seaBlob = b.subarray(desc, desc + descsz);
      at = desc + ((descsz + 3) & ~3);
    }
  }
  return { format: "elf", machine, seaBlob };
}

interface MachOCommands {
  seaBlob: Buffer | undefined;
  signature: { offset: number; size: number } | undefined;
  linkedit: { offset: number; size: number } | undefined;
}

function machOCommands(b: Buffer): MachOCommands {
  const out: MachOCommands = { seaBlob: undefined, signature: undefined, linkedit: undefined };
  let at = 32;
  for (let i = 0; i < b.readUInt32LE(16); i++) {
    const cmd = b.readUInt32LE(at);
    if (cmd === 0x19) {
      // LC_SEGMENT_64
      const segment = cstring(b, at + 8, 16);
      if (segment === "__LINKEDIT")
        out.linkedit = {
          offset: Number(b.readBigUInt64LE(at + 40)),
          size: Number(b.readBigUInt64LE(at + 48)),
        };
      for (let s = 0; s < b.readUInt32LE(at + 64); s++) {
        const sec = at + 72 + s * 80;
        if (segment === "NODE_SEA" && cstring(b, sec, 16) === "__NODE_SEA_BLOB") {
          const offset = b.readUInt32LE(sec + 48);
          out.seaBlob = b.subarray(offset, offset + Number(b.readBigUInt64LE(sec + 40)));
        }
      }
    } else if (cmd === 0x1d) {
      // LC_CODE_SIGNATURE
      out.signature = { offset: b.readUInt32LE(at + 8), size: b.readUInt32LE(at + 12) };
    }
    at += b.readUInt32LE(at + 4);
  }
  return out;
}

function readMachO(b: Buffer): ExecutableFacts {
  const machine = MACHO_CPUS[b.readUInt32LE(4)] ?? `mach-o cpu ${b.readUInt32LE(4).toString(16)}`;
  return { format: "macho", machine, seaBlob: machOCommands(b).seaBlob };
}

export interface AdhocSignature {
  identifier: string;
  pages: number;
}

/**
 * Checks a Mach-O's code signature as the kernel does for an ad-hoc one: an embedded
 * signature inside __LINKEDIT, a SHA-256 CodeDirectory flagged ad hoc covering every byte
 * before the signature, each page's hash right, and the hash of each blob a special slot
 * names right. Throws what is wrong.
 */
export function checkAdhocSignature(b: Buffer): AdhocSignature {
  const { signature, linkedit } = machOCommands(b);
  if (!signature) throw new Error("no LC_CODE_SIGNATURE: the executable is not signed");
  if (
    !linkedit ||
    signature.offset < linkedit.offset ||
    signature.offset + signature.size > linkedit.offset + linkedit.size
  )
    throw new Error("the signature is not inside __LINKEDIT");
  const sig = b.subarray(signature.offset, signature.offset + signature.size);
  if (sig.readUInt32BE(0) !== 0xfade0cc0) throw new Error("the signature is not an embedded SuperBlob");
  const blobs = new Map<number, Buffer>();
  for (let i = 0; i < sig.readUInt32BE(8); i++) {
    const type = sig.readUInt32BE(12 + i * 8);
    const offset = sig.readUInt32BE(16 + i * 8);
    blobs.set(type, sig.subarray(offset, offset + sig.readUInt32BE(offset + 4)));
  }
  const cd = blobs.get(0);
  if (cd?.readUInt32BE(0) !== 0xfade0c02) throw new Error("no CodeDirectory");
  const flags = cd.readUInt32BE(12);
  if ((flags & 0x2) === 0) throw new Error(`the CodeDirectory is not ad hoc (flags ${flags.toString(16)})`);
  const hashOffset = cd.readUInt32BE(16);
  const nSpecial = cd.readUInt32BE(24);
  const nCode = cd.readUInt32BE(28);
  const codeLimit = cd.readUInt32BE(32);
  const hashSize = cd[36]!;
  if (cd[37] !== 2 || hashSize !== 32) throw new Error(`hash type ${cd[37]} (size ${hashSize}), not SHA-256`);
  const pageSize = 2 ** cd[39]!;
  if (codeLimit !== signature.offset)
    throw new Error(`code limit ${codeLimit} is not the signature's offset`);
  if (nCode !== Math.ceil(codeLimit / pageSize))
    throw new Error(`${nCode} page hashes for ${codeLimit} bytes`);
  const sha = (x: Buffer) => createHash("sha256").update(x).digest();
  for (let i = 0; i < nCode; i++) {
    const want = cd.subarray(hashOffset + i * 32, hashOffset + (i + 1) * 32);
    if (!sha(b.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit))).equals(want))
      throw new Error(`page ${i} does not match its hash`);
  }
  for (let slot = 1; slot <= nSpecial; slot++) {
    const blob = blobs.get(slot);
    const want = cd.subarray(hashOffset - slot * 32, hashOffset - (slot - 1) * 32);
    if (blob && !sha(blob).equals(want)) throw new Error(`special slot ${slot} does not match its blob`);
  }
  return { identifier: cstring(cd, cd.readUInt32BE(20), 256), pages: nCode };
}

function readPe(b: Buffer): ExecutableFacts {
  const pe = b.readUInt32LE(0x3c);
  if (b.readUInt32BE(pe) !== 0x50450000) throw new Error("no PE signature");
  const machine = PE_MACHINES[b.readUInt16LE(pe + 4)] ?? `pe machine ${b.readUInt16LE(pe + 4).toString(16)}`;
  const optional = pe + 24;
  if (b.readUInt16LE(optional) !== 0x20b) throw new Error("not PE32+");
  const sections = optional + b.readUInt16LE(pe + 20);
  const toOffset = (rva: number) => {
    for (let i = 0; i < b.readUInt16LE(pe + 6); i++) {
      const s = sections + i * 40;
      const va = b.readUInt32LE(s + 12);
      if (rva >= va && rva < va + Math.max(b.readUInt32LE(s + 8), b.readUInt32LE(s + 16)))
        return rva - va + b.readUInt32LE(s + 20);
    }
    throw new Error(`RVA ${rva} is in no section`);
  };
  const certificateTable = b.readUInt32LE(optional + 112 + 4 * 8 + 4) !== 0;
  const resourceRva = b.readUInt32LE(optional + 112 + 2 * 8);
  if (resourceRva === 0) return { format: "pe", machine, seaBlob: undefined, certificateTable };
  const base = toOffset(resourceRva);
  /** The entries of a resource directory: id or name, and where each leads. */
  const entries = (dir: number) => {
    const out: { key: number | string; to: number; isDir: boolean }[] = [];
    const count = b.readUInt16LE(dir + 12) + b.readUInt16LE(dir + 14);
    for (let i = 0; i < count; i++) {
      const name = b.readUInt32LE(dir + 16 + i * 8);
      const to = b.readUInt32LE(dir + 20 + i * 8);
      const key =
        name & 0x80000000
          ? b.toString(
              "utf16le",
              base + (name & 0x7fffffff) + 2,
              base + (name & 0x7fffffff) + 2 + 2 * b.readUInt16LE(base + (name & 0x7fffffff)),
            )
          : name;
      out.push({ key, to: base + (to & 0x7fffffff), isDir: (to & 0x80000000) !== 0 });
    }
    return out;
  };
  const rcdata = entries(base).find((e) => e.key === 10 && e.isDir); // RT_RCDATA
  const named = rcdata && entries(rcdata.to).find((e) => e.key === "NODE_SEA_BLOB" && e.isDir);
  const language = named && entries(named.to).find((e) => !e.isDir);
  if (!language) return { format: "pe", machine, seaBlob: undefined, certificateTable };
  const data = toOffset(b.readUInt32LE(language.to));
  return {
    format: "pe",
    machine,
    seaBlob: b.subarray(data, data + b.readUInt32LE(language.to + 4)),
    certificateTable,
  };
}
