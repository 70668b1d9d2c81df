// A streaming histogram of |x| for activation calibration, kept exact under growth: bins have one
// width, and when a new batch holds a value past the covered range the width doubles, merging bins
// pairwise (an exact merge, unlike re-binning onto unrelated edges). Written by hand because no
// Worker-safe library keeps such a histogram; onnxruntime's calibrate.py re-histograms with numpy.
export class AbsHistogram {
  readonly counts: Float64Array;
  /** Width of one bin; 0 until a non-zero value arrives. */
  width = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  total = 0;

  constructor(readonly bins = 2048) {
    if (!Number.isInteger(bins) || bins < 2 || bins % 2 !== 0)
      throw new RangeError("histogram bins must be an even integer ≥ 2");
    this.counts = new Float64Array(bins);
  }

  add(values: ArrayLike<number>): void {
    let absMax = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) throw new RangeError("calibration activations must be finite");
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      const a = Math.abs(v);
      if (a > absMax) absMax = a;
    }
    if (absMax > 0 && this.width === 0) this.width = absMax / this.bins;
    while (this.width > 0 && absMax > this.width * this.bins) this.grow();
    const n = this.bins;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i] as number);
      const b = this.width === 0 ? 0 : Math.min(n - 1, Math.floor(a / this.width));
      this.counts[b] = (this.counts[b] as number) + 1;
    }
    this.total += values.length;
  }

  /** Upper edge of the covered range. */
  get range(): number {
    return this.width * this.bins;
  }

  private grow(): void {
    const half = this.bins / 2;
    for (let i = 0; i < half; i++)
      this.counts[i] = (this.counts[2 * i] as number) + (this.counts[2 * i + 1] as number);
    this.counts.fill(0, half);
    this.width *= 2;
  }
}
