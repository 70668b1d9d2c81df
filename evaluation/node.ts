// evaluation/ on Node: the Worker-safe metrics (index.ts) plus loading WordNet 3.0 from disk.
export * from "./index.ts";
export * from "./wordnet-node.ts";
