// External data locations come from the model file, i.e. from whoever made it. ONNX defines them
// as paths relative to the model's folder; anything else (absolute paths, drive letters, URLs,
// "..") could make a reader open, or a writer replace, files outside that folder. Checked here,
// without Node APIs, so the Worker-side reader gets the same rule as the file reader.
import { OnnxIoError } from "./errors.ts";

/** Returns the location as a clean relative path ("a/b.data"), or throws OnnxIoError("unsafe-location"). */
export function normalizeLocation(location: string, tensorName = "?"): string {
  const unsafe = (why: string): never => {
    throw new OnnxIoError(
      "unsafe-location",
      `external data location ${JSON.stringify(location)} of tensor ${JSON.stringify(tensorName)} ${why}; ` +
        "locations must be relative paths inside the model's folder",
    );
  };
  if (location.length === 0) unsafe("is empty");
  if (location.includes("\0")) unsafe("contains a NUL character");
  if (/^[/\\]/.test(location)) unsafe("is an absolute path");
  if (location.includes(":")) unsafe("contains ':' (drive letter, URL or stream name)");
  const segments = location.split(/[/\\]+/).filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) unsafe("goes up a folder ('..')");
  if (segments.length === 0) unsafe("names no file");
  return segments.join("/");
}
