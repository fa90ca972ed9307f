import integrate from "integrate-adaptive-simpson";

/**
 * Area under the concentration curve of a one-compartment oral dose (absorption rate ka,
 * elimination rate ke) over 24 hours, against the exposure a dosing regimen targets.
 * @differentiable
 */
export function drugExposure(ka: number, ke: number): number {
  const concentration = (t: number) => ((10 * ka) / (ka - ke)) * (Math.exp(-ke * t) - Math.exp(-ka * t));
  const auc = integrate(concentration, 0, 24, 1e-9);
  return (auc - 40) ** 2;
}
