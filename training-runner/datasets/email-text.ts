// The readable text of a raw email: its Subject, then its body, with every header dropped. MIME parts are
// decoded (base64, quoted-printable, RFC 2047 subjects), HTML becomes text, attachments are skipped.

export interface EmailText {
  subject: string;
  body: string;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** Subject and body text of a raw message (mbox "From " line and headers included). */
export function emailText(raw: string): EmailText {
  const message = splitPart(raw.replace(/\r\n?/g, "\n"));
  return { subject: decodeWords(message.headers.get("subject") ?? ""), body: partText(message, 0) };
}

/** Whitespace runs become one space; text longer than maxChars is cut at a word boundary. */
export function collapseAndTruncate(text: string, maxChars: number): string {
  const collapsed = text
    .replace(/\p{Cc}/gu, " ") // control characters
    .replace(/\s+/g, " ")
    .trim();
  if (collapsed.length <= maxChars) return collapsed;
  if (collapsed[maxChars] === " ") return collapsed.slice(0, maxChars);
  const cut = collapsed.slice(0, maxChars);
  const space = cut.lastIndexOf(" ");
  return space > 0 ? cut.slice(0, space) : cut;
}

function splitPart(text: string): Part {
  const blank = text.indexOf("\n\n");
  const head = blank === -1 ? text : text.slice(0, blank);
  const body = blank === -1 ? "" : text.slice(blank + 2);
  const headers = new Map<string, string>();
  let current: string | undefined;
  for (const line of head.split("\n")) {
    if (/^[ \t]/.test(line) && current !== undefined) {
      headers.set(current, `${headers.get(current)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      current = undefined; // the mbox "From sender date" line, or junk
      continue;
    }
    current = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(current)) headers.set(current, line.slice(colon + 1).trim());
    else current = undefined; // keep the first occurrence
  }
  return { headers, body };
}

function partText(part: Part, depth: number): string {
  const contentType = part.headers.get("content-type") ?? "text/plain";
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase() || "text/plain";
  if (depth > 8) return "";
  if (type.startsWith("multipart/")) {
    const boundary = parameter(contentType, "boundary");
    const parts = boundary ? splitMultipart(part.body, boundary) : [];
    if (parts.length === 0) return decodeBody(part); // malformed: use what is there
    if (type === "multipart/alternative") {
      const plain = parts.find((p) => mimeType(p) === "text/plain");
      return partText(plain ?? parts[parts.length - 1] ?? part, depth + 1);
    }
    return parts.map((p) => partText(p, depth + 1)).join("\n");
  }
  if (type === "message/rfc822") return partText(splitPart(part.body), depth + 1);
  if (type === "text/html") return htmlToText(decodeBody(part));
  if (type.startsWith("text/")) {
    const text = decodeBody(part);
    return LOOKS_LIKE_HTML.test(text) ? htmlToText(text) : text; // HTML sent as text/plain
  }
  return ""; // attachments: images, archives, applications
}

const LOOKS_LIKE_HTML = /<(html|body)\b[^>]*>/i;

function mimeType(part: Part): string {
  return ((part.headers.get("content-type") ?? "text/plain").split(";")[0] ?? "").trim().toLowerCase();
}

function splitMultipart(body: string, boundary: string): Part[] {
  const parts: Part[] = [];
  let current: string[] | undefined;
  for (const line of body.split("\n")) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}` || trimmed === `--${boundary}--`) {
      if (current) parts.push(splitPart(current.join("\n")));
      current = trimmed === `--${boundary}--` ? undefined : [];
      continue;
    }
    current?.push(line);
  }
  if (current && current.length > 0) parts.push(splitPart(current.join("\n")));
  return parts;
}

function parameter(headerValue: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(headerValue);
  return match ? (match[1] ?? match[2]) : undefined;
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get("content-transfer-encoding") ?? "").trim().toLowerCase();
  const charset = parameter(part.headers.get("content-type") ?? "", "charset");
  if (encoding === "base64")
    return bytesToText(Buffer.from(part.body.replace(/\s+/g, ""), "base64"), charset);
  if (encoding === "quoted-printable") return bytesToText(quotedPrintable(part.body), charset);
  return part.body;
}

function quotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  const unwrapped = text.replace(/=[ \t]*\n/g, "");
  for (let i = 0; i < unwrapped.length; i++) {
    const hex = unwrapped.slice(i + 1, i + 3);
    if (unwrapped[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      const code = unwrapped.charCodeAt(i);
      if (code < 256) bytes.push(code);
      else bytes.push(...Buffer.from(unwrapped[i] ?? "", "utf8"));
    }
  }
  return Buffer.from(bytes);
}

function bytesToText(bytes: Buffer, charset: string | undefined): string {
  return /^utf-?8$/i.test(charset ?? "") ? bytes.toString("utf8") : bytes.toString("latin1");
}

/** RFC 2047 encoded words, as in `Subject: =?iso-8859-1?Q?Caf=E9?=`. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_match, charset: string, kind: string, data: string) => {
      const bytes =
        kind.toUpperCase() === "B" ? Buffer.from(data, "base64") : quotedPrintable(data.replace(/_/g, " "));
      return bytesToText(bytes, charset);
    });
}

const ENTITIES: Record<string, string> = { nbsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<(script|style|head|title)\b[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
      if (entity[0] === "#") {
        const code =
          entity[1] === "x" || entity[1] === "X"
            ? Number.parseInt(entity.slice(2), 16)
            : Number(entity.slice(1));
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : " ";
      }
      return ENTITIES[entity.toLowerCase()] ?? match;
    });
}
