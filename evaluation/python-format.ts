// Python's fixed-point float formatting (f"{x:.Nf}"), which rounds an exact tie half to even
// where JavaScript's toFixed rounds it up: 0.25 → "0.2" in Python, "0.3" in JS. Signature and
// report strings must read exactly as sacreBLEU prints them.

export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  const wide = Math.abs(x).toFixed(Math.min(100, digits + 40));
  const [whole, frac = ""] = wide.split(".");
  const tail = frac.slice(digits);
  if (!/^50*$/.test(tail)) return x.toFixed(digits);
  // an exact tie: keep the kept digits if the last one is even, else round away from zero
  const kept = `${whole}${frac.slice(0, digits)}`;
  const lastDigit = Number(kept[kept.length - 1]);
  let magnitude = BigInt(kept);
  if (lastDigit % 2 === 1) magnitude += 1n;
  let text = magnitude.toString().padStart(digits + 1, "0");
  if (digits > 0) text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return x < 0 || Object.is(x, -0) ? `-${text}` : text;
}
