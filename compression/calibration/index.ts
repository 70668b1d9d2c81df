// Calibration for static quantization: the probe model, the activation histograms and the range
// methods (minmax, percentile, entropy), and calibrateStatic() tying them to the caller's runtime.
export {
  ActivationRanges,
  type CalibrationOutput,
  calibrateStatic,
  type ProbeRunner,
} from "./calibrate.ts";
export { AbsHistogram } from "./histogram.ts";
export { type CalibrationProbe, type CalibrationTap, staticCalibrationProbe } from "./probe.ts";
export {
  type ActivationRange,
  type CalibrationMethod,
  type CalibrationSettings,
  calibrationMethod,
  calibrationSettings,
  entropyThreshold,
  percentileThreshold,
  rangeFromHistogram,
} from "./ranges.ts";
