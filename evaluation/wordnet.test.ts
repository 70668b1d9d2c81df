import { describe, expect, it } from "vitest";
import { WordNet, type WordNetData } from "./wordnet.ts";

// A toy WordNet in the compact shape the loader produces: behaviour as NLTK's morphy/synsets.
const data: WordNetData = {
  version: "toy",
  index: {
    n: { car: [0], church: [1], goose: [2], run: [3] },
    v: { run: [4], see: [5] },
    a: { good: [6] },
    r: {},
  },
  exceptions: { n: { geese: ["goose"] }, v: { ran: ["run"], saw: ["see"] }, a: { better: ["good"] }, r: {} },
  synsets: [
    ["car", "auto", "motor_car"],
    ["church", "Church"],
    ["goose"],
    ["run", "tally"],
    ["run", "go"],
    ["see", "witness"],
    ["good", "right(a)"],
  ],
};

describe("WordNet lookups (NLTK's morphy and synsets)", () => {
  const wn = new WordNet(data);

  it("applies suffix rules once and keeps only forms WordNet lists", () => {
    expect(wn.morphy("churches", "n")).toEqual(["church"]);
    expect(wn.morphy("cars", "n")).toEqual(["car"]);
    expect(wn.morphy("runs", "v")).toEqual(["run"]);
    expect(wn.morphy("running", "v")).toEqual([]); // one round of rules only: "runn" is not a verb
  });

  it("uses the exception lists instead of the rules when a form is listed", () => {
    expect(wn.morphy("geese", "n")).toEqual(["goose"]);
    expect(wn.morphy("ran", "v")).toEqual(["run"]);
    expect(wn.morphy("better", "a")).toEqual(["good"]);
  });

  it("collects synsets over noun, verb, adjective, adverb, lowercasing the word", () => {
    expect(wn.synsetIds("Run")).toEqual([3, 4]);
    expect(wn.synonyms("runs").sort()).toEqual(["go", "run", "tally"]);
    expect(wn.synonyms("better")).toEqual(["good", "right(a)"]);
    expect(wn.synonyms("unknown")).toEqual([]);
  });
});
