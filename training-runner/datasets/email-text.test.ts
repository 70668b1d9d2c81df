import { describe, expect, it } from "vitest";
import { collapseAndTruncate, emailText } from "./email-text.ts";

const headers = [
  "From spammer@example.com  Mon Jun 24 17:04:38 2002",
  "Return-Path: <spammer@example.com>",
  "Received: from mail.example.com (mail [10.0.0.1])",
  "\tby mx.example.org with ESMTP id 123",
  "Subject: =?iso-8859-1?Q?Caf=E9_deals?= for",
  "  you",
  "Message-Id: <abc@example.com>",
];

describe("emailText", () => {
  it("keeps the unfolded, decoded Subject and drops every header", () => {
    const { subject, body } = emailText([...headers, "", "Hello there,", "friend."].join("\n"));
    expect(subject).toBe("Café deals for you");
    expect(body).toBe("Hello there,\nfriend.");
  });

  it("decodes quoted-printable and base64 bodies", () => {
    const qp = emailText(
      ["Subject: x", "Content-Transfer-Encoding: quoted-printable", "", "caf=C3=A9 =", "au lait =3D ok"].join(
        "\n",
      ),
    );
    expect(qp.body).toBe("cafÃ© au lait = ok"); // no charset: bytes read as latin1
    const utf8 = emailText(
      [
        "Subject: x",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from("naïve résumé").toString("base64"),
      ].join("\n"),
    );
    expect(utf8.body).toBe("naïve résumé");
  });

  it("reads multipart mail: the plain alternative, nested parts, no part headers or attachments", () => {
    const raw = [
      "Subject: offer",
      'Content-Type: multipart/mixed; boundary="outer"',
      "",
      "This is a multi-part message in MIME format.",
      "--outer",
      'Content-Type: multipart/alternative; boundary="inner"',
      "",
      "--inner",
      "Content-Type: text/plain",
      "",
      "Plain words",
      "--inner",
      "Content-Type: text/html",
      "",
      "<p>HTML words</p>",
      "--inner--",
      "--outer",
      "Content-Type: application/octet-stream; name=x.exe",
      "Content-Transfer-Encoding: base64",
      "",
      "TVqQAAMAAAAEAAAA",
      "--outer",
      "Content-Type: text/html",
      "",
      "<html><head><style>p{}</style></head><body>Click&nbsp;<b>here</b> &amp; win &#36;5</body></html>",
      "--outer--",
    ].join("\n");
    const text = collapseAndTruncate(emailText(raw).body, 1000);
    expect(text).toBe("Plain words Click here & win $5");
  });

  it("turns HTML sent as text/plain into text", () => {
    const { body } = emailText(
      ["Subject: s", "", "<HTML><BODY><FONT size=3>Buy now</FONT></BODY></HTML>"].join("\n"),
    );
    expect(collapseAndTruncate(body, 100)).toBe("Buy now");
  });

  it("copes with a message that has no body", () => {
    expect(emailText("Subject: only a subject")).toEqual({ subject: "only a subject", body: "" });
  });
});

describe("collapseAndTruncate", () => {
  it("collapses whitespace and control characters", () => {
    expect(collapseAndTruncate("  a\n\n\tb\u0007c  ", 100)).toBe("a b c");
  });

  it("cuts at a word boundary near the limit", () => {
    expect(collapseAndTruncate("alpha beta gamma delta", 16)).toBe("alpha beta gamma");
    expect(collapseAndTruncate("alpha beta gamma delta", 13)).toBe("alpha beta");
    expect(collapseAndTruncate("abcdefghijklmnop", 5)).toBe("abcde");
  });
});
